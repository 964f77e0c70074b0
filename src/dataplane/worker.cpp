#include "dataplane/worker.hpp"

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "packet/arp.hpp"
#include "dataplane/flow_hash.hpp"
#include "packet/frag_guard.hpp"
#include "packet/icmp.hpp"
#include "packet/icmp_error.hpp"
#include "packet/nat_rewrite.hpp"
#include "packet/tcp_reset.hpp"
#include "packet/tun_encap.hpp"

namespace dvs::dataplane {

namespace {

// A packet from the wire whose source is one of our addresses or a VIP:
// spoofed (or looped). Checked only where it would make us act — a new
// connection, traffic to our own addresses — never on established flows.
// Linear in addresses + VIPs (a handful; Snapshot::is_vip).
bool spoofs_us(const Snapshot& snap, uint32_t src) { return snap.is_local(src) || snap.is_vip(src); }

constexpr uint32_t kHousekeepingEvery = 256;   // loop iterations between housekeeping
constexpr uint32_t kIdleSpinsBeforeSleep = 64;
constexpr uint64_t kArpRetryMs = 1000;         // re-send a request at most this often
constexpr uint64_t kArpGiveUpMs = 3000;        // drop packets queued longer than this
constexpr uint64_t kArpRefreshMs = 60000;      // re-confirm a reachable neighbour after this

// Connection tables live in hugepages: a random lookup in a large table
// then costs cache misses only, not TLB misses too.
TableMemory hugepage_table_memory() {
    TableMemory m;
    m.allocate = [](size_t bytes, size_t align) -> void* {
        void* p = rte_zmalloc("dvs_conn_table", bytes, static_cast<unsigned>(align));
        if (p == nullptr) {
            throw std::runtime_error("connection table: cannot get " +
                                     std::to_string(bytes >> 20) +
                                     " MiB of hugepage memory (reserve more hugepages or lower "
                                     "dataplane.conn_capacity)");
        }
        return p;
    };
    m.release = [](void* p) { rte_free(p); };
    return m;
}

// A connection's server may have left with the highest ids: the Snapshot's
// vector then ends before its id.
bool rs_present(const Snapshot& snap, uint32_t rs_id) {
    return rs_id < snap.real_servers.size() && snap.real_servers[rs_id].present;
}

bool is_unicast_to_other(const EthHdr& eth, const uint8_t our_mac[6]) {
    if (eth.dst[0] & 1) return false;  // broadcast or multicast
    return std::memcmp(eth.dst, our_mac, 6) != 0;
}

void set_eth(EthHdr& eth, const uint8_t dst[6], const uint8_t src[6]) {
    std::memcpy(eth.dst, dst, 6);
    std::memcpy(eth.src, src, 6);
    eth.ether_type = be16(kEtherTypeIpv4);
}

}  // namespace

Worker::Worker(uint32_t id, const WorkerEnv& env, uint32_t conn_capacity, rte_mempool* pool)
    : id_(id),
      env_(env),
      pool_(pool),
      counters_(std::make_unique<WorkerCounters>()),
      conns_(conn_capacity, hugepage_table_memory()),
      neighbors_(std::make_unique<NeighborTable>()),
      frags_(std::make_unique<FragTable>()),
      next_ip_id_(static_cast<uint16_t>(id << 12)),
      load_scratch_(new sched::BackendLoad[kMaxRealServers]),
      half_open_(new uint32_t[kMaxServices]()),
      tsc_hz_(rte_get_tsc_hz()),
      start_tsc_(env.clock != nullptr ? *env.clock : rte_rdtsc()) {
    const int socket = static_cast<int>(rte_socket_id());
    for (size_t p = 0; p < env_.ports->ports.size(); ++p) {
        auto* b = static_cast<rte_eth_dev_tx_buffer*>(
            rte_zmalloc_socket("dvs_txbuf", RTE_ETH_TX_BUFFER_SIZE(kBurst), 0, socket));
        if (b == nullptr) throw std::runtime_error("worker tx buffer allocation failed");
        rte_eth_tx_buffer_init(b, kBurst);
        rte_eth_tx_buffer_set_err_callback(b, rte_eth_tx_buffer_count_callback, &tx_dropped_);
        tx_buffers_[p] = b;
    }
    kernel_bucket_.configure(env_.kernel.rate_pps, env_.kernel.burst, tsc_hz_, start_tsc_);
}

Worker::~Worker() {
    for (rte_eth_dev_tx_buffer* b : tx_buffers_) rte_free(b);
}

int Worker::run() {
    rte_rcu_qsbr* qsbr = env_.snapshots->qsbr();
    rte_rcu_qsbr_thread_register(qsbr, id_);
    rte_rcu_qsbr_thread_online(qsbr, id_);
    const auto& my_queues = env_.ports->rx_by_worker[id_];
    rte_mbuf* burst[kBurst];
    uint32_t iteration = 0;
    uint32_t idle = 0;

    while (!env_.stop->load(std::memory_order_relaxed)) {
        // One Snapshot per iteration; quiescent once the iteration is done.
        const Snapshot& snap = *env_.snapshots->current();
        now_tsc_ = read_tsc();
        uint32_t work = 0;
        begin_iteration(snap);

        for (const RxQueueRef& q : my_queues) {
            const uint16_t port_id = env_.ports->ports[q.port_index].port_id;
            const uint16_t n = rte_eth_rx_burst(port_id, q.queue, burst, kBurst);
            if (n == 0) continue;
            work += n;
            // Not every PMD sets it (net_ring leaves RTE_MBUF_PORT_INVALID),
            // and index_of_port_id is indexed by it: the line is hot anyway.
            for (uint16_t i = 0; i < n; ++i) burst[i]->port = port_id;
            process_rx(burst, n, snap);
        }
        poll_kernel(snap, work);
        poll_rings(snap, work);
        poll_messages(snap);
        poll_sync(snap, work);
        flush_handoffs();
        flush_tx();
        flush_sync();

        if (++iteration % kHousekeepingEvery == 0) housekeeping(snap);
        rte_rcu_qsbr_quiescent(qsbr, id_);

        if (work == 0 && env_.idle_sleep_us != 0 && ++idle >= kIdleSpinsBeforeSleep) {
            // Only when idle: lets a shared test machine breathe. Off by default.
            rte_delay_us_sleep(env_.idle_sleep_us);
        } else if (work != 0) {
            idle = 0;
        }
    }
    shutdown();
    rte_rcu_qsbr_thread_offline(qsbr, id_);
    rte_rcu_qsbr_thread_unregister(qsbr, id_);
    return 0;
}

// The burst goes through in stages so that its cache misses overlap:
// all headers are fetched, then the conn-table bucket of each packet's
// tuple (the lookup key for inbound packets and NAT replies alike), then
// the entries those buckets point at; then every lookup runs back to back
// (independent loads the CPU overlaps), and only then is each packet
// processed, finding its connection in `hint_` and the rest in cache.
void Worker::process_rx(rte_mbuf** burst, uint16_t n, const Snapshot& snap) {
    counters_->rx.add(n);
    FlowKey key[kBurst];
    uint64_t hash[kBurst];
    ConnTable::Hit hit[kBurst];
    bool plain[kBurst];
    for (uint16_t i = 0; i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(burst[i], void*));
    for (uint16_t i = 0; i < n; ++i) {
        FlowKey& k = key[i];
        plain[i] = peek_flow(rte_pktmbuf_mtod(burst[i], const uint8_t*),
                             rte_pktmbuf_data_len(burst[i]), k.src_ip, k.dst_ip, k.src_port,
                             k.dst_port, k.proto);
        if (plain[i]) {
            hash[i] = ConnTable::hash_key(k);
            conns_.prefetch_bucket(hash[i]);
        }
    }
    for (uint16_t i = 0; i < n; ++i) {
        if (plain[i]) conns_.prefetch_entries(hash[i]);
    }
    for (uint16_t i = 0; i < n; ++i) {
        if (plain[i]) hit[i] = conns_.lookup(key[i], hash[i]);
    }
    const uint32_t generation = conns_.generation();
    for (uint16_t i = 0; i < n; ++i) {
        hint_ = {plain[i], generation, key[i], hit[i]};
        process(burst[i], snap, false);
    }
    hint_.valid = false;
}

void Worker::process_burst(rte_mbuf** pkts, uint16_t n) {
    const Snapshot& snap = *env_.snapshots->current();
    now_tsc_ = read_tsc();
    begin_iteration(snap);
    process_rx(pkts, n, snap);
    uint32_t work = 0;
    poll_rings(snap, work);
    flush_handoffs();
    flush_tx();
    flush_sync();
}

void Worker::run_housekeeping() {
    now_tsc_ = read_tsc();
    housekeeping(*env_.snapshots->current());
}

void Worker::poll_rings(const Snapshot& snap, uint32_t& work) {
    rte_mbuf* burst[kBurst];
    for (uint32_t from = 0; from < env_.n_workers; ++from) {
        rte_ring* r = env_.rings->ring[from][id_];
        if (r == nullptr) continue;
        const unsigned n =
            rte_ring_sc_dequeue_burst(r, reinterpret_cast<void**>(burst), kBurst, nullptr);
        work += n;
        for (unsigned i = 0; i < n; ++i) {
            rte_mbuf* m = burst[i];
            const HandoffMeta meta = handoff_meta(m);
            if (meta.kind == HandoffKind::kTransmit) {
                transmit(meta.port_index, m);
            } else {
                if (meta.kind != HandoffKind::kLearn) counters_->handoff_in.add();
                process(m, snap, true);
            }
        }
    }
}

void Worker::process(rte_mbuf* m, const Snapshot& snap, bool from_ring) {
    if (m->nb_segs != 1) return drop(m, DropReason::kMultiSegment);
    PacketView v = parse_frame(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_data_len(m));
    if (v.kind == FrameKind::kDropped) return drop(m, v.drop);

    const uint16_t port_index = env_.ports->index_of_port_id[m->port];
    if (is_unicast_to_other(*v.eth, env_.ports->ports[port_index].mac)) {
        return drop(m, DropReason::kL2NotForUs);
    }
    if (v.kind == FrameKind::kArp) {
        const bool learn_only = from_ring && handoff_meta(m).kind == HandoffKind::kLearn;
        return arp(m, v, snap, learn_only);
    }
    if (from_ring) {
        const HandoffMeta& meta = handoff_meta(m);
        const Ports known{meta.src_port, meta.dst_port, v.l4 == nullptr};
        if (meta.kind == HandoffKind::kFragment) return process_ipv4(m, v, snap, &known);
        if (meta.kind == HandoffKind::kTemplate || meta.kind == HandoffKind::kScheduled) {
            const Service* svc = snap.find_service(v.ip->dst, known.dst, v.proto);
            if (svc == nullptr) return drop(m, DropReason::kNoService);  // reloaded meanwhile
            if (meta.kind == HandoffKind::kTemplate) {
                return template_assign(m, v, snap, *svc, known);
            }
            return inbound(m, v, snap, *svc, known, meta.rs_id);
        }
    }
    process_ipv4(m, v, snap, nullptr);
}

void Worker::process_ipv4(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports* known) {
    const bool is_fragment = be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask);
    if (known != nullptr) return dispatch(m, v, snap, *known);
    if (is_fragment) return fragment(m, v, snap);
    if (v.proto == kIpProtoIcmp) {
        if (icmp_is_error(v)) return icmp_error(m, v, snap);
        if (snap.is_local(v.ip->dst) || snap.is_vip(v.ip->dst)) return local(m, v, snap);
        return drop(m, DropReason::kIcmpUnhandled);
    }
    if (!v.has_ports) {
        if (snap.is_local(v.ip->dst)) return local(m, v, snap);
        return drop(m, DropReason::kNoService);
    }
    dispatch(m, v, snap, Ports{v.src_port, v.dst_port, false});
}

// Sends the packet to the core that owns its flow, or handles it here.
void Worker::dispatch(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports) {
    const bool is_fragment = be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask);
    const HandoffKind kind = is_fragment ? HandoffKind::kFragment : HandoffKind::kProcess;
    const uint32_t dst = v.ip->dst;
    if (const Service* svc = snap.find_service(dst, ports.dst, v.proto)) {
        if (!snap.ha.standby.empty() && snap.ha.is_standby(dst)) {
            return drop(m, DropReason::kHaBackup);  // the VRRP master forwards it
        }
        const uint32_t owner = owner_core(v.ip->src, ports.src, env_.n_workers);
        if (owner != id_) return handoff(owner, m, kind, 0, &ports);
        return inbound(m, v, snap, *svc, ports);
    }
    if (snap.is_local(dst)) return local(m, v, snap);
    // Not for a VIP: a reply from a real server, owned by the client's core.
    const uint32_t owner = owner_core(dst, ports.dst, env_.n_workers);
    if (owner != id_) return handoff(owner, m, kind, 0, &ports);
    reply(m, v, snap, ports);
}

// All fragments of a datagram meet on its fragment core, which learns the
// ports from the first fragment and sends every fragment on to the owner.
void Worker::fragment(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    if (v.proto != kIpProtoTcp && v.proto != kIpProtoUdp) {
        return drop(m, DropReason::kIpFragment);
    }
    const FragKey key{v.ip->src, v.ip->dst, v.ip->id, v.proto};
    const uint32_t frag_core =
        static_cast<uint32_t>(((FragTable::hash(key) >> 32) * env_.n_workers) >> 32);
    if (frag_core != id_) return handoff(frag_core, m, HandoffKind::kProcess);

    FragTable::Entry* e = frags_->find_or_add(key, now_s_);
    if (e == nullptr) return drop(m, DropReason::kFragTableFull);
    const bool first = (be16(v.ip->frag_off) & kIpFragOffsetMask) == 0;
    if (first) {
        if (!v.has_ports) return drop(m, DropReason::kL4Malformed);
        if (e->ports_known) {  // seen before: a duplicate, or an attempt to move the datagram
            if (frag_first_conflicts(e->src_port, e->dst_port, v)) return drop(m, DropReason::kFragOverlap);
            return dispatch(m, v, snap, Ports{v.src_port, v.dst_port, false});
        }
        e->src_port = v.src_port;
        e->dst_port = v.dst_port;
        e->l4_hdr_len = frag_l4_header_len(v);
        e->ports_known = true;
        dispatch(m, v, snap, Ports{v.src_port, v.dst_port, false});
        // Fragments that came before their first go now, in arrival order.
        const Ports later{e->src_port, e->dst_port, true};
        for (uint8_t i = 0; i < e->n_held; ++i) {
            rte_mbuf* h = e->held[i];
            PacketView hv = parse_frame(rte_pktmbuf_mtod(h, uint8_t*), rte_pktmbuf_data_len(h));
            if (frag_overlaps_header(be16(hv.ip->frag_off), e->l4_hdr_len)) {
                drop(h, DropReason::kFragOverlap);
                continue;
            }
            dispatch(h, hv, snap, later);
        }
        e->n_held = 0;
        return;
    }
    if (e->ports_known) {
        if (frag_overlaps_header(be16(v.ip->frag_off), e->l4_hdr_len)) {
            return drop(m, DropReason::kFragOverlap);
        }
        return dispatch(m, v, snap, Ports{e->src_port, e->dst_port, true});
    }
    if (e->n_held == FragTable::kMaxHeld) return drop(m, DropReason::kFragHoldFull);
    e->held[e->n_held++] = m;
}

void Worker::inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                     const Ports& ports, int32_t preselected_rs) {
    const FlowKey key{v.ip->src, v.ip->dst, ports.src, ports.dst, v.proto};
    Conn* c = find_conn(key).conn;
    if (ports.later_fragment) {
        // No L4 header here: the first fragment made or found the connection.
        if (c == nullptr) return drop(m, DropReason::kFragNoConn);
        conns_.touch(c, now_s_, snap.timeouts.of(c->state));
        counters_->services[c->service_id].pkts_in.add();
        counters_->services[c->service_id].bytes_in.add(v.l3_len);
        counters_->real_servers[c->rs_id].pkts_in.add();
        counters_->real_servers[c->rs_id].bytes_in.add(v.l3_len);
        return forward(m, v, snap, *c);
    }
    const bool tcp = v.proto == kIpProtoTcp;
    const bool syn_only = tcp && (v.tcp_flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;

    if (c != nullptr && syn_only && tcp_reusable(c->state)) {
        // The client reused its port for a new connection: start afresh.
        on_expire(*c, snap);
        conns_.erase(c);
        c = nullptr;
    }
    if (c != nullptr && svc.reset_on_remove && !rs_present(snap, c->rs_id)) {
        // The server left the service (on_remove: reset): a TCP connection
        // ends with resets to both ends; UDP is simply scheduled anew.
        if (tcp) return reset_connection(m, v, snap, c, Direction::kInbound);
        on_expire(*c, snap);
        conns_.erase(c);
        c = nullptr;
    }
    if (c != nullptr && preselected_rs >= 0) {
        // A retransmission made the trip to the template core twice; the
        // connection exists, so the second placement is given back.
        release_template(svc.id, static_cast<uint32_t>(preselected_rs), v.ip->src, snap);
    }
    if (c == nullptr) {
        if (tcp && !syn_only) return drop(m, DropReason::kTcpNoConn);
        if (spoofs_us(snap, v.ip->src)) return drop(m, DropReason::kSpoofedOwnAddress);
        if (tcp && svc.half_open_limit != 0 && half_open_[svc.id] >= svc.half_open_limit) {
            if (preselected_rs >= 0) {
                release_template(svc.id, static_cast<uint32_t>(preselected_rs), v.ip->src, snap);
            }
            return drop(m, DropReason::kHalfOpenLimit);
        }
        const RealServer* chosen = nullptr;
        if (preselected_rs >= 0) {
            // Chosen on the template core, maybe under the previous Snapshot.
            const auto id = static_cast<uint32_t>(preselected_rs);
            if (id < snap.real_servers.size() && snap.real_servers[id].present) {
                chosen = &snap.real_servers[id];
            } else {
                release_template(svc.id, id, v.ip->src, snap);  // gone meanwhile (reload)
            }
        } else if (svc.persistent) {
            const uint32_t tcore = template_core(svc, v.ip->src);
            if (tcore != id_) {
                counters_->template_handoffs.add();
                return handoff(tcore, m, HandoffKind::kTemplate, 0, &ports);
            }
            chosen = template_pick(snap, svc, v.ip->src, ports);
        } else {
            const int32_t pick = schedule(svc, {v.ip->src, ports.src, v.ip->dst, ports.dst, {}});
            if (pick != sched::kNoBackend) chosen = &snap.real_servers[svc.pool[pick]];
        }
        if (chosen == nullptr) return drop(m, DropReason::kNoRealServer);
        const RealServer& rs = *chosen;
        Conn proto{};
        proto.client_ip = v.ip->src;
        proto.vip = v.ip->dst;
        proto.rs_ip = rs.ip;
        proto.client_port = ports.src;
        proto.vport = ports.dst;
        // DR and TUN cannot change the port: the real server sees the VIP's;
        // so does a NAT server of a port-0 service configured without a port.
        proto.rs_port = rs.method == kMethodNat && rs.port != 0 ? rs.port : ports.dst;
        proto.proto = v.proto;
        proto.state = tcp ? ConnState::kTcpSynRecv : ConnState::kUdp;
        proto.service_id = svc.id;
        proto.rs_id = rs.id;
        proto.method = rs.method;
        // Only NAT replies come back through us; DR/TUN servers answer directly.
        proto.has_reply_key = rs.method == kMethodNat;
        proto.from_template = svc.persistent;
        c = conns_.insert(proto, now_s_, snap.timeouts.of(proto.state));
        if (c == nullptr) {
            if (svc.persistent) release_template(svc.id, rs.id, proto.client_ip, snap);
            return drop(m, DropReason::kConnTableFull);
        }
        account_load(c->rs_id, c->service_id, ConnState::kCount, c->state);
        sync_emit(*c, SyncOp::kUpdate);
        counters_->conns_created.add();
        counters_->services[c->service_id].conns.add();
        counters_->real_servers[c->rs_id].conns.add();
    } else {
        const ConnState next =
            tcp ? tcp_next_state(c->state, Direction::kInbound, v.tcp_flags) : ConnState::kUdp;
        account_load(c->rs_id, c->service_id, c->state, next);
        const bool changed = next != c->state;
        c->state = next;
        conns_.touch(c, now_s_, snap.timeouts.of(next));
        if (changed) sync_emit(*c, SyncOp::kUpdate);
    }
    counters_->services[c->service_id].pkts_in.add();
    counters_->services[c->service_id].bytes_in.add(v.l3_len);
    counters_->real_servers[c->rs_id].pkts_in.add();
    counters_->real_servers[c->rs_id].bytes_in.add(v.l3_len);
    forward(m, v, snap, *c);
}

// Ends a connection now (its server left a service that says on_remove:
// reset): the segment's sender gets a reset back, and the segment itself goes
// on to the other end as a reset in the sender's sequence space. A receiver
// may refuse a reset whose sequence number is not exactly the one it expects
// (RFC 5961; e.g. one made from a zero-window probe) and answer with a
// challenge ACK, so the connection stays, closed, for its close timeout:
// every later segment of it, that ACK included, gets the same treatment, and
// a reset made from an ACK carries exactly the expected number. Rare: a copy
// of the packet is fine here.
void Worker::reset_connection(rte_mbuf* m, PacketView& v, const Snapshot& snap, Conn* c,
                              Direction dir) {
    if (c->state != ConnState::kTcpClose) {
        counters_->removed_rs_resets.add();
        account_load(c->rs_id, c->service_id, c->state, ConnState::kTcpClose);
        c->state = ConnState::kTcpClose;
        conns_.touch(c, now_s_, snap.timeouts.of(ConnState::kTcpClose));
        sync_emit(*c, SyncOp::kUpdate);
    }
    conns_.touch(c, now_s_, snap.timeouts.of(ConnState::kTcpClose));
    const Conn& conn = *c;
    if (!(v.tcp_flags & kTcpRst)) {  // a reset is never answered with one
        if (rte_mbuf* back = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX)) {
            PacketView bv = parse_frame(rte_pktmbuf_mtod(back, uint8_t*), rte_pktmbuf_data_len(back));
            const uint16_t len = tcp_reset_to_sender(bv);
            rte_pktmbuf_trim(back, static_cast<uint16_t>(rte_pktmbuf_data_len(back) - sizeof(EthHdr) - len));
            route_and_send(back, snap, bv.ip->dst);
        } else {
            counters_->drop(DropReason::kMbufAllocFailed);
        }
    }
    const uint16_t len = tcp_reset_onward(v);
    rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - sizeof(EthHdr) - len));
    if (dir == Direction::kInbound) return forward(m, v, snap, conn);
    // A NAT reply: rewritten for the client as any reply is.
    if (!decrement_ttl(*v.ip)) return drop(m, DropReason::kTtlExceeded);
    nat_rewrite_source(v, conn.vip, conn.vport);
    route_and_send(m, snap, conn.client_ip);
}

void Worker::forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c) {
    switch (c.method) {
        case kMethodDr:
            return forward_dr(m, snap, c);
        case kMethodTun:
            return forward_tun(m, v, snap, c);
        default:
            break;
    }
    // NAT: a router hop, so TTL drops; a later fragment has no ports to rewrite.
    if (!decrement_ttl(*v.ip)) return drop(m, DropReason::kTtlExceeded);
    if (v.l4 != nullptr && (v.proto == kIpProtoTcp || v.proto == kIpProtoUdp)) {
        nat_rewrite_destination(v, c.rs_ip, c.rs_port);
    } else {
        nat_rewrite_ip_destination(v, c.rs_ip);
    }
    route_and_send(m, snap, c.rs_ip);
}

// DR: the IP packet goes unchanged to the real server's MAC on a directly
// attached segment (the config guarantees one).
void Worker::forward_dr(rte_mbuf* m, const Snapshot& snap, const Conn& c) {
    const auto nh = snap.route(c.rs_ip);
    if (!nh) return drop(m, DropReason::kNoRoute);
    send_to_neighbor(m, snap, nh->port, c.rs_ip);
}

// TUN: the unchanged IP packet inside an outer IPv4 header to the real
// server, routed like anything else. It must fit the egress MTU: with DF the
// client is told the size that fits, without DF the outer packet is split.
void Worker::forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c) {
    const auto nh = snap.route(c.rs_ip);
    if (!nh) return drop(m, DropReason::kNoRoute);
    const uint16_t mtu = env_.ports->ports[nh->port].mtu;
    const uint16_t inner_len = v.l3_len;
    if (inner_len + sizeof(Ipv4Hdr) > mtu) {
        if (be16(v.ip->frag_off) & kIpFlagDontFragment) {
            send_frag_needed(v, snap, static_cast<uint16_t>(mtu - sizeof(Ipv4Hdr)));
            return drop(m, DropReason::kFragNeeded);
        }
        Ipv4Hdr outer;
        tun_write_outer(outer, *v.ip, inner_len, nh->src, c.rs_ip, next_ip_id_++);
        return tun_fragment(m, outer, v, snap, *nh);
    }
    // Ethernet padding must not become part of the tunnelled packet.
    const uint32_t frame_len = sizeof(EthHdr) + inner_len;
    if (rte_pktmbuf_data_len(m) > frame_len) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - frame_len));
    }
    const Ipv4Hdr inner_copy = *v.ip;
    auto* front = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, sizeof(Ipv4Hdr)));
    if (front == nullptr) return drop(m, DropReason::kMbufAllocFailed);  // no headroom
    std::memmove(front, front + sizeof(Ipv4Hdr), sizeof(EthHdr));
    auto* outer = reinterpret_cast<Ipv4Hdr*>(front + sizeof(EthHdr));
    tun_write_outer(*outer, inner_copy, inner_len, nh->src, c.rs_ip, next_ip_id_++);
    send_to_neighbor(m, snap, nh->port, nh->ip);
}

// Splits an encapsulated packet that does not fit the MTU into fragments,
// each in a new mbuf; the original is freed. Rare path: copies are fine.
void Worker::tun_fragment(rte_mbuf* m, const Ipv4Hdr& outer, const PacketView& v,
                          const Snapshot& snap, const NextHop& nh) {
    const uint16_t mtu = env_.ports->ports[nh.port].mtu;
    const auto* inner = reinterpret_cast<const uint8_t*>(v.ip);
    for (uint16_t off = 0; off < v.l3_len; off = static_cast<uint16_t>(off + fragment_payload(mtu))) {
        rte_mbuf* f = rte_pktmbuf_alloc(pool_);
        if (f == nullptr) {
            counters_->drop(DropReason::kMbufAllocFailed);
            break;
        }
        auto* frame = reinterpret_cast<uint8_t*>(
            rte_pktmbuf_append(f, static_cast<uint16_t>(sizeof(EthHdr) + mtu)));
        if (frame == nullptr) {
            rte_pktmbuf_free(f);
            counters_->drop(DropReason::kMbufAllocFailed);
            break;
        }
        const uint16_t len =
            write_fragment(frame + sizeof(EthHdr), outer, inner, v.l3_len, off, mtu);
        rte_pktmbuf_trim(f, static_cast<uint16_t>(mtu - len));
        f->port = m->port;
        send_to_neighbor(f, snap, nh.port, nh.ip);
    }
    rte_pktmbuf_free(m);
}

// ICMP "fragmentation needed" to the client, quoting the packet as received.
void Worker::send_frag_needed(const PacketView& v, const Snapshot& snap, uint16_t mtu) {
    const auto back = snap.route(v.ip->src);
    if (!back) return;
    rte_mbuf* r = rte_pktmbuf_alloc(pool_);
    if (r == nullptr) {
        counters_->drop(DropReason::kMbufAllocFailed);
        return;
    }
    const uint16_t room = sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(IcmpHdr) + kIcmpQuoteMax;
    auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(r, room));
    const uint16_t len = icmp_write_frag_needed(frame + sizeof(EthHdr),
                                                reinterpret_cast<const uint8_t*>(v.ip), v.l3_len,
                                                back->src, v.ip->src, mtu, next_ip_id_++);
    rte_pktmbuf_trim(r, static_cast<uint16_t>(room - sizeof(EthHdr) - len));
    send_to_neighbor(r, snap, back->port, back->ip);
}

void Worker::reply(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports) {
    const FlowKey key{v.ip->src, v.ip->dst, ports.src, ports.dst, v.proto};
    const ConnTable::Hit hit = find_conn(key);
    if (hit.conn == nullptr || hit.dir != Direction::kReply) {
        return drop(m, ports.later_fragment ? DropReason::kFragNoConn : DropReason::kNoService);
    }
    Conn* c = hit.conn;
    if (!snap.ha.standby.empty() && snap.ha.is_standby(c->vip)) {
        return drop(m, DropReason::kHaBackup);  // the VRRP master forwards it
    }
    if (!ports.later_fragment && v.proto == kIpProtoTcp && !rs_present(snap, c->rs_id) &&
        c->service_id < snap.services.size() && snap.services[c->service_id].reset_on_remove) {
        return reset_connection(m, v, snap, c, Direction::kReply);
    }
    ConnState next = c->state;
    if (!ports.later_fragment) {
        next = v.proto == kIpProtoTcp ? tcp_next_state(c->state, Direction::kReply, v.tcp_flags)
                                      : ConnState::kUdp;
    }
    account_load(c->rs_id, c->service_id, c->state, next);
    const bool changed = next != c->state;
    c->state = next;
    conns_.touch(c, now_s_, snap.timeouts.of(next));
    if (changed) sync_emit(*c, SyncOp::kUpdate);

    if (!decrement_ttl(*v.ip)) return drop(m, DropReason::kTtlExceeded);
    counters_->services[c->service_id].pkts_out.add();
    counters_->services[c->service_id].bytes_out.add(v.l3_len);
    counters_->real_servers[c->rs_id].pkts_out.add();
    counters_->real_servers[c->rs_id].bytes_out.add(v.l3_len);
    if (ports.later_fragment) {
        nat_rewrite_ip_source(v, c->vip);
    } else {
        nat_rewrite_source(v, c->vip, c->vport);
    }
    route_and_send(m, snap, c->client_ip);
}

// An ICMP error about one of our connections: from outside (quoting VIP ->
// client) it goes to the connection's real server; from a NAT real server
// (quoting client -> RS) it goes to the client, rewritten to match what the
// client sent.
void Worker::icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    // To our own address: about something the kernel sent (its sockets).
    if (snap.is_local(v.ip->dst) && !icmp_error_quotes_ipip(v) && to_kernel(m)) return;
    QuotedPacket q;
    if (!icmp_parse_quoted(v, q)) return drop(m, DropReason::kIcmpUnhandled);
    const bool from_outside = snap.is_vip(v.ip->dst);
    // The client is the quoted destination (outside) or the quoted source.
    const uint32_t owner = from_outside
                               ? owner_core(q.reversed.src_ip, q.reversed.src_port, env_.n_workers)
                               : owner_core(q.reversed.dst_ip, q.reversed.dst_port, env_.n_workers);
    if (owner != id_) return handoff(owner, m, HandoffKind::kProcess);

    const ConnTable::Hit hit = conns_.lookup(q.reversed);
    if (hit.conn == nullptr) return drop(m, DropReason::kIcmpNoConn);
    const Conn& c = *hit.conn;
    if (hit.dir == Direction::kInbound && from_outside) {
        counters_->real_servers[c.rs_id].pkts_in.add();
        if (c.method != kMethodNat) return forward(m, v, snap, c);
        if (!decrement_ttl(*v.ip)) return drop(m, DropReason::kTtlExceeded);
        icmp_error_nat_inbound(v, q, c.rs_ip, c.rs_port);
        return route_and_send(m, snap, c.rs_ip);
    }
    if (hit.dir == Direction::kReply && !from_outside) {
        counters_->real_servers[c.rs_id].pkts_out.add();
        if (!decrement_ttl(*v.ip)) return drop(m, DropReason::kTtlExceeded);
        icmp_error_nat_reply(v, q, c.vip, c.vport);
        return route_and_send(m, snap, c.client_ip);
    }
    drop(m, DropReason::kIcmpNoConn);
}

// Traffic addressed to the balancer itself: echo is answered here; the rest
// goes to the kernel through the exception path, where there is one.
void Worker::local(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    if (!snap.ha.standby.empty() && snap.ha.is_standby(v.ip->dst)) {
        return drop(m, DropReason::kHaBackup);  // a floating address the VRRP master holds
    }
    if (spoofs_us(snap, v.ip->src)) return drop(m, DropReason::kSpoofedOwnAddress);
    if (!icmp_is_echo_request(v)) {
        if (snap.is_local(v.ip->dst) && to_kernel(m)) return;
        return drop(m, v.proto == kIpProtoIcmp ? DropReason::kIcmpUnhandled
                                               : DropReason::kLocalUnhandled);
    }
    icmp_echo_reply_in_place(v);
    counters_->icmp_echo_replies.add();
    route_and_send(m, snap, v.ip->dst);
}

void Worker::arp(rte_mbuf* m, PacketView& v, const Snapshot& snap, bool learn_only) {
    ArpHdr& a = *v.arp;
    if (!arp_is_valid(a)) return drop(m, DropReason::kArpMalformed);
    const uint16_t port_index = env_.ports->index_of_port_id[m->port];
    // Another host claiming our address or a VIP (spoofed or misconfigured):
    // neither learned nor answered (0.0.0.0 is a probe, RFC 5227: answered).
    if (a.spa != 0 && (snap.is_local(a.spa) || snap.is_vip(a.spa))) {
        // While our VRRP instance is BACKUP the master announces it: expected.
        if (snap.ha.is_standby(a.spa)) return drop(m, DropReason::kHaBackup);
        return drop(m, DropReason::kArpConflict);
    }

    // Learn senders on our connected subnets only (RFC 826's merge, bounded).
    const auto nh = snap.route(a.spa);
    const bool learnable = nh && nh->port == port_index && nh->ip == a.spa && a.spa != 0;
    if (learnable) {
        learn_neighbor(port_index, a.spa, a.sha);
        if (!learn_only) {
            for (uint32_t w = 0; w < env_.n_workers; ++w) {
                if (w == id_) continue;
                rte_mbuf* copy = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
                if (copy == nullptr) {
                    counters_->drop(DropReason::kMbufAllocFailed);
                    continue;
                }
                copy->port = m->port;
                handoff(w, copy, HandoffKind::kLearn);
            }
        }
    }
    if (learn_only) {
        rte_pktmbuf_free(m);
        return;
    }
    bool ours = false;
    for (const LocalAddress& la : snap.local_addresses) {
        if (la.ip == a.tpa && la.port == port_index) ours = true;
    }
    if (be16(a.op) == kArpRequest && (ours || snap.is_vip(a.tpa))) {
        if (snap.ha.is_standby(a.tpa)) return drop(m, DropReason::kHaBackup);
        arp_reply_in_place(*v.eth, a, env_.ports->ports[port_index].mac);
        counters_->arp_replies_sent.add();
        transmit(port_index, m);
        return;
    }
    if (learnable) {
        rte_pktmbuf_free(m);  // a reply or announcement we learned from: consumed
        return;
    }
    drop(m, DropReason::kArpIgnored);
}

void Worker::learn_neighbor(uint16_t port_index, uint32_t ip, const uint8_t mac[6]) {
    NeighborTable::Entry* e = neighbors_->find_or_add(port_index, ip);
    if (e == nullptr) return;  // full: packets needing it are counted when they are dropped
    std::memcpy(e->mac, mac, 6);
    e->state = NeighborTable::State::kReachable;
    e->confirmed_tsc = now_tsc_;
    const PortInfo& port = env_.ports->ports[port_index];
    for (uint8_t i = 0; i < e->n_pending; ++i) {
        rte_mbuf* p = e->pending[i];
        set_eth(*rte_pktmbuf_mtod(p, EthHdr*), e->mac, port.mac);
        transmit(port_index, p);
    }
    e->n_pending = 0;
}

void Worker::route_and_send(rte_mbuf* m, const Snapshot& snap, uint32_t dst_ip) {
    const auto nh = snap.route(dst_ip);
    if (!nh) return drop(m, DropReason::kNoRoute);
    send_to_neighbor(m, snap, nh->port, nh->ip);
}

void Worker::send_to_neighbor(rte_mbuf* m, const Snapshot& snap, uint16_t port_index,
                              uint32_t nh_ip) {
    const PortInfo& port = env_.ports->ports[port_index];
    EthHdr& eth = *rte_pktmbuf_mtod(m, EthHdr*);
    if (const StaticNeighbor* sn = snap.static_neighbor(port_index, nh_ip)) {
        set_eth(eth, sn->mac, port.mac);
        return transmit(port_index, m);
    }
    NeighborTable::Entry* e = neighbors_->find_or_add(port_index, nh_ip);
    if (e == nullptr) return drop(m, DropReason::kNeighborTableFull);
    const uint64_t ms = tsc_hz_ / 1000;
    if (e->state == NeighborTable::State::kReachable) {
        if (now_tsc_ - e->confirmed_tsc > kArpRefreshMs * ms &&
            now_tsc_ - e->requested_tsc > kArpRetryMs * ms) {
            send_arp_request(snap, port_index, nh_ip);
            e->requested_tsc = now_tsc_;
        }
        set_eth(eth, e->mac, port.mac);
        return transmit(port_index, m);
    }
    if (e->n_pending == NeighborTable::kMaxPending) return drop(m, DropReason::kNeighborQueueFull);
    if (e->n_pending == 0) e->queued_tsc = now_tsc_;
    e->pending[e->n_pending++] = m;
    if (e->requested_tsc == 0 || now_tsc_ - e->requested_tsc > kArpRetryMs * ms) {
        send_arp_request(snap, port_index, nh_ip);
        e->requested_tsc = now_tsc_;
    }
}

void Worker::send_arp_request(const Snapshot& snap, uint16_t port_index, uint32_t target_ip) {
    // Source: our address on the target's subnet (the route knows it).
    uint32_t src_ip = 0;
    const auto nh = snap.route(target_ip);
    if (nh && nh->port == port_index) {
        src_ip = nh->src;
    } else {
        for (const LocalAddress& la : snap.local_addresses) {
            if (la.port == port_index) {
                src_ip = la.ip;
                break;
            }
        }
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) {
        counters_->drop(DropReason::kMbufAllocFailed);
        return;
    }
    auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kArpFrameLen));
    arp_build_request(frame, env_.ports->ports[port_index].mac, src_ip, target_ip);
    counters_->arp_requests_sent.add();
    transmit(port_index, m);
}

void Worker::transmit(uint16_t port_index, rte_mbuf* m) {
    const PortInfo& port = env_.ports->ports[port_index];
    const int32_t q = port.tx_queue[id_];
    if (q < 0) {
        counters_->tx_handoff.add();
        return handoff(port.tx_owner, m, HandoffKind::kTransmit, port_index);
    }
    const uint16_t sent = rte_eth_tx_buffer(port.port_id, static_cast<uint16_t>(q),
                                            tx_buffers_[port_index], m);
    counters_->tx.add(sent);
}

void Worker::flush_tx() {
    for (size_t p = 0; p < env_.ports->ports.size(); ++p) {
        const PortInfo& port = env_.ports->ports[p];
        const int32_t q = port.tx_queue[id_];
        if (q < 0) continue;
        counters_->tx.add(
            rte_eth_tx_buffer_flush(port.port_id, static_cast<uint16_t>(q), tx_buffers_[p]));
    }
    // rte_eth_tx_buffer() may flush (and drop) too; account all drops here.
    if (tx_dropped_ != 0) {
        counters_->drop(DropReason::kTxFull, tx_dropped_);
        tx_dropped_ = 0;
    }
}

void Worker::handoff(uint32_t to, rte_mbuf* m, HandoffKind kind, uint16_t port_index,
                     const Ports* ports, uint32_t rs_id) {
    HandoffMeta& meta = handoff_meta(m);
    meta.kind = kind;
    meta.port_index = port_index;
    meta.rs_id = rs_id;
    if (ports != nullptr) {
        meta.src_port = ports->src;
        meta.dst_port = ports->dst;
    }
    if (kind != HandoffKind::kTransmit && kind != HandoffKind::kLearn) {
        counters_->handoff_out.add();
    }
    handoff_buf_[to][handoff_count_[to]++] = m;
    if (handoff_count_[to] == kBurst) flush_handoffs();
}

void Worker::flush_handoffs() {
    for (uint32_t to = 0; to < env_.n_workers; ++to) {
        const uint16_t n = handoff_count_[to];
        if (n == 0) continue;
        handoff_count_[to] = 0;
        const unsigned done = rte_ring_sp_enqueue_burst(
            env_.rings->ring[id_][to], reinterpret_cast<void* const*>(handoff_buf_[to]), n, nullptr);
        for (unsigned i = done; i < n; ++i) drop(handoff_buf_[to][i], DropReason::kHandoffRingFull);
    }
}

void Worker::housekeeping(const Snapshot& snap) {
    now_s_ = static_cast<uint32_t>((now_tsc_ - start_tsc_) / tsc_hz_);
    counters_->conns_active.set(conns_.size() - templates_live_);
    counters_->templates_active.set(templates_live_);
    if (dump_.state.load(std::memory_order_acquire) == ConnDump::kRequested) serve_conn_dump();
    if (now_s_ == last_tick_) return;
    last_tick_ = now_s_;
    conns_.advance(
        now_s_, [&](const Conn& c) { return on_expire(c, snap); },
        [&](const Conn& c) { sync_emit(c, SyncOp::kUpdate); });  // refreshes the peer's copy
    counters_->conns_active.set(conns_.size() - templates_live_);
    frags_->expire(now_s_, [this](rte_mbuf* f) { drop(f, DropReason::kFragTimeout); });

    // Neighbours: retry unanswered requests, give up on packets held too long.
    const uint64_t ms = tsc_hz_ / 1000;
    neighbors_->for_each([&](NeighborTable::Entry& e) {
        if (e.state != NeighborTable::State::kIncomplete || e.n_pending == 0) return;
        if (now_tsc_ - e.queued_tsc > kArpGiveUpMs * ms) {
            for (uint8_t i = 0; i < e.n_pending; ++i) {
                drop(e.pending[i], DropReason::kNeighborUnresolved);
            }
            e.n_pending = 0;
        } else if (now_tsc_ - e.requested_tsc > kArpRetryMs * ms) {
            send_arp_request(snap, e.port, e.ip);
            e.requested_tsc = now_tsc_;
        }
    });
}

// One slice of a connection listing per housekeeping pass.
void Worker::serve_conn_dump() {
    dump_.cursor = conns_.scan(dump_.cursor, ConnDump::kSlice, [&](const Conn& c) {
        if (c.state == ConnState::kTemplate || !dump_.filter.matches(c)) return;
        if (dump_.count == dump_.capacity) {
            dump_.truncated = true;
            return;
        }
        const uint32_t left = static_cast<int32_t>(c.expires - now_s_) > 0 ? c.expires - now_s_ : 0;
        dump_.out[dump_.count++] = {c, left};
    });
    if (dump_.cursor >= conns_.capacity() || dump_.truncated) {
        dump_.state.store(ConnDump::kDone, std::memory_order_release);
    }
}

uint32_t Worker::on_expire(const Conn& c, const Snapshot& snap) {
    if (c.state == ConnState::kTemplate) {
        // A template outlives its timeout while it still places connections
        // (the paper, 4.5); it is looked at again one timeout later.
        if (c.controls > 0) {
            const bool known =
                c.service_id < snap.services.size() && snap.services[c.service_id].present;
            const uint32_t timeout = known ? snap.services[c.service_id].persistence_timeout : 0;
            const uint32_t keep = timeout ? timeout : 60;
            // Kept alive by its connections, not by touches: refresh the
            // peer's copy here, as on_rearm does for touched entries.
            if (sync_on_) sync_push(SyncRecord::from_conn(c, SyncOp::kUpdate, keep));
            return keep;
        }
        --templates_live_;
        sync_emit(c, SyncOp::kRemove);
        return 0;
    }
    sync_emit(c, SyncOp::kRemove);
    counters_->conns_expired.add();
    account_load(c.rs_id, c.service_id, c.state, ConnState::kCount);
    if (c.from_template) release_template(c.service_id, c.rs_id, c.client_ip, snap);
    return 0;
}

void Worker::account_load(uint32_t rs_id, uint16_t service_id, ConnState from, ConnState to) {
    // kCount stands for "not in the table" on either side.
    BackendLoadCounters& l = counters_->rs_load[rs_id];
    if (from != ConnState::kCount) (conn_is_active(from) ? l.active : l.inactive).add(-1);
    if (to != ConnState::kCount) (conn_is_active(to) ? l.active : l.inactive).add(1);
    if (from == ConnState::kTcpSynRecv) --half_open_[service_id];
    if (to == ConnState::kTcpSynRecv) ++half_open_[service_id];
}

int32_t Worker::schedule(const Service& svc, const sched::FlowInfo& flow) {
    sched::Scheduler& s = *svc.schedulers[id_];
    if (!s.needs_load()) return s.pick(flow);
    // Sum every worker's gauges: each read is a relaxed load of a value its
    // owner may be changing, so the view can lag by the connections other
    // cores placed in the last moments. That bounded staleness is what makes
    // this lock-free; docs/ARCHITECTURE.md discusses its effect.
    const size_t n = svc.pool.size();
    for (size_t i = 0; i < n; ++i) {
        int64_t active = 0, inactive = 0;
        for (uint32_t w = 0; w < env_.n_workers; ++w) {
            const BackendLoadCounters& l = env_.all_counters[w]->rs_load[svc.pool[i]];
            active += l.active.get();
            inactive += l.inactive.get();
        }
        load_scratch_[i] = {static_cast<uint32_t>(active > 0 ? active : 0),
                            static_cast<uint32_t>(inactive > 0 ? inactive : 0)};
    }
    sched::FlowInfo with_load = flow;
    with_load.load = {load_scratch_.get(), n};
    return s.pick(with_load);
}

uint32_t Worker::template_core(const Service& svc, uint32_t client_ip) const {
    return owner_core(client_ip & svc.persistence_mask, svc.port, env_.n_workers);
}

// On the template core: pick the real server through the client's template
// (creating it if needed), then send the packet back to the flow's owner.
void Worker::template_assign(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                             const Service& svc, const Ports& ports) {
    const RealServer* rs = template_pick(snap, svc, v.ip->src, ports);
    if (rs == nullptr) return drop(m, DropReason::kNoRealServer);
    const uint32_t owner = owner_core(v.ip->src, ports.src, env_.n_workers);
    if (owner == id_) return inbound(m, v, snap, svc, ports, rs->id);
    handoff(owner, m, HandoffKind::kScheduled, 0, &ports, rs->id);
}

const RealServer* Worker::template_pick(const Snapshot& snap, const Service& svc,
                                        uint32_t client_ip, const Ports& ports) {
    const uint32_t masked = client_ip & svc.persistence_mask;
    const FlowKey key{masked, svc.vip, 0, svc.port,
                      static_cast<uint8_t>(svc.proto | kTemplateProtoFlag)};
    Conn* t = conns_.lookup(key).conn;
    if (t != nullptr) {
        // A template keeps pointing at its server while that server is still
        // in the pool (a quiesced one included, as IPVS does by default).
        const bool still_there =
            std::find(svc.pool.begin(), svc.pool.end(), t->rs_id) != svc.pool.end() &&
            snap.real_servers[t->rs_id].present && snap.real_servers[t->rs_id].ip == t->rs_ip;
        if (still_there) {
            ++t->controls;
            conns_.touch(t, now_s_, svc.persistence_timeout);
            return &snap.real_servers[t->rs_id];
        }
        conns_.erase(t);  // its server left; later releases for it are ignored
        --templates_live_;
    }
    const int32_t pick = schedule(svc, {client_ip, ports.src, svc.vip, ports.dst, {}});
    if (pick == sched::kNoBackend) return nullptr;
    const RealServer& rs = snap.real_servers[svc.pool[pick]];
    Conn proto{};
    proto.client_ip = masked;
    proto.vip = svc.vip;
    proto.vport = svc.port;
    proto.rs_ip = rs.ip;
    proto.rs_port = rs.port;
    proto.proto = static_cast<uint8_t>(svc.proto | kTemplateProtoFlag);
    proto.state = ConnState::kTemplate;
    proto.service_id = svc.id;
    proto.rs_id = rs.id;
    proto.method = rs.method;
    proto.controls = 1;
    const Conn* created = conns_.insert(proto, now_s_, svc.persistence_timeout);
    if (created == nullptr) {
        counters_->templates_failed.add();
        return &rs;  // placed without a template: persistence lost for this one
    }
    counters_->templates_created.add();
    ++templates_live_;
    sync_emit(*created, SyncOp::kUpdate);
    return &rs;
}

// A connection placed by a template is gone: tell the template's core.
void Worker::release_template(uint16_t service_id, uint32_t rs_id, uint32_t client_ip,
                              const Snapshot& snap) {
    if (service_id >= snap.services.size() || !snap.services[service_id].present) return;
    const Service& svc = snap.services[service_id];
    const TemplateRelease r{service_id, rs_id,
                            client_ip & svc.persistence_mask};
    const uint32_t tcore = template_core(svc, client_ip);
    if (tcore == id_) return apply_release(r, snap);
    void* msg = reinterpret_cast<void*>(static_cast<uintptr_t>(r.encode()));
    if (rte_ring_sp_enqueue(env_.rings->msg[id_][tcore], msg) != 0) {
        // Ring full: the template then never sees this connection end and
        // outlives it (until its server leaves). Counted so it shows.
        counters_->template_releases_lost.add();
    }
}

void Worker::apply_release(const TemplateRelease& r, const Snapshot& snap) {
    if (r.service_id >= snap.services.size() || !snap.services[r.service_id].present) return;
    const Service& svc = snap.services[r.service_id];
    const FlowKey key{r.client, svc.vip, 0, svc.port,
                      static_cast<uint8_t>(svc.proto | kTemplateProtoFlag)};
    Conn* t = conns_.lookup(key).conn;
    // A template replaced since (its server left) must not lose a count.
    if (t != nullptr && t->rs_id == r.rs_id && t->controls > 0) --t->controls;
}

void Worker::poll_messages(const Snapshot& snap) {
    void* msgs[kBurst];
    for (uint32_t from = 0; from < env_.n_workers; ++from) {
        rte_ring* r = env_.rings->msg[from][id_];
        if (r == nullptr) continue;
        const unsigned n = rte_ring_sc_dequeue_burst(r, msgs, kBurst, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            apply_release(TemplateRelease::decode(reinterpret_cast<uintptr_t>(msgs[i])), snap);
        }
    }
}

void Worker::drop(rte_mbuf* m, DropReason r) {
    counters_->drop(r);
    rte_pktmbuf_free(m);
}

void Worker::shutdown() {
    flush_handoffs();
    flush_tx();
    frags_->expire(now_s_ + FragTable::kLifetime, [](rte_mbuf* f) { rte_pktmbuf_free(f); });
    neighbors_->for_each([&](NeighborTable::Entry& e) {
        for (uint8_t i = 0; i < e.n_pending; ++i) rte_pktmbuf_free(e.pending[i]);
        e.n_pending = 0;
    });
}

}  // namespace dvs::dataplane
