// Egress<Io> (egress.hpp): TX through the injected port I/O, and handoff
// buffers to other cores.
// Included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
Egress<Io>::Egress(uint32_t id, const WorkerEnv& env, WorkerCounters& counters)
    : id_(id), env_(env), counters_(counters) {
    io_.init(env_, id_);
    for (size_t p = 0; p < kMaxPorts; ++p) {
        tx_queue_[p] = p < env_.ports->ports.size() ? env_.ports->ports[p].tx_queue[id_] : -1;
    }
}

template <class Io>
void Egress<Io>::transmit_by_owner(uint16_t port_index, rte_mbuf* m) {
    counters_.tx_handoff.add();
    HandoffMeta& meta = handoff_meta(m);
    meta.kind = HandoffKind::kTransmit;
    meta.port_index = port_index;
    enqueue(env_.ports->ports[port_index].tx_owner, m);
}

template <class Io>
void Egress<Io>::flush_tx() {
    for (size_t p = 0; p < env_.ports->ports.size(); ++p) {
        const int32_t q = tx_queue_[p];
        if (q < 0) continue;
        counters_.tx.add(io_.flush(static_cast<uint16_t>(p), static_cast<uint16_t>(q)));
    }
    // A send may flush (and drop) too; account all drops here.
    if (const uint64_t dropped = io_.take_dropped(); dropped != 0) {
        counters_.drop(DropReason::kTxFull, dropped);
    }
}

template <class Io>
void Egress<Io>::handoff(uint32_t to, rte_mbuf* m, HandoffKind kind, const PacketView& v,
                         const FlowPorts* ports, uint32_t rs_id) {
    HandoffMeta& meta = handoff_meta(m);
    meta.kind = kind;
    meta.rs_id = rs_id;
    if (ports != nullptr) {
        meta.src_port = ports->src;
        meta.dst_port = ports->dst;
    }
    meta.view = compact_view(v);
    if (kind != HandoffKind::kLearn) counters_.handoff_out.add();
    enqueue(to, m);
}

template <class Io>
void Egress<Io>::enqueue(uint32_t to, rte_mbuf* m) {
    handoff_buf_[to][handoff_count_[to]++] = m;
    if (handoff_count_[to] == kBurst) flush_handoffs();
}

template <class Io>
void Egress<Io>::flush_handoffs() {
    for (uint32_t to = 0; to < env_.n_workers; ++to) {
        const uint16_t n = handoff_count_[to];
        if (n == 0) continue;
        handoff_count_[to] = 0;
        const unsigned done =
            rte_ring_sp_enqueue_burst(env_.rings->ring[id_][to],
                                      reinterpret_cast<void* const*>(handoff_buf_[to]), n, nullptr);
        for (unsigned i = done; i < n; ++i) drop(handoff_buf_[to][i], DropReason::kHandoffRingFull);
    }
}

}  // namespace dvs::dataplane
