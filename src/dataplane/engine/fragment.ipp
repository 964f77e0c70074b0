// IP fragments, IPv4 and IPv6 alike: all fragments of a datagram meet on
// one core, which learns the ports from the first and sends every fragment
// on to the flow's owner.
// Fragments<Io> (fragments.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// All fragments of a datagram meet on its fragment core, which learns the
// ports from the first fragment and sends every fragment on to the owner.
// The entry ends with the datagram: once the last fragment has told the
// total length and that many bytes have been seen, it is released, so a
// later datagram that reuses the IP id (another connection of the same
// host, or hosts behind one NAT address) starts afresh with its own ports.
// A duplicate fragment counts twice and can end an entry early; a fragment
// after that is held as if its first were lost, and times out.
template <class Io>
template <class Dispatch>
void Fragments<Io>::fragment(rte_mbuf* m, PacketView& v, Dispatch&& dispatch) {
    const bool v6 = v.kind == FrameKind::kIpv6;
    if (v.proto != kIpProtoTcp && v.proto != kIpProtoUdp) {
        return out_.drop(m, v6 ? DropReason::kIpv6Fragment : DropReason::kIpFragment);
    }
    const FragFields f = frag_fields(v);
    const FragKey key = v6 ? FragKey::v6(v.ip6->src, v.ip6->dst, f.id, v.proto)
                           : FragKey::v4(v.ip->src, v.ip->dst, v.ip->id, v.proto);
    const uint32_t frag_core =
        static_cast<uint32_t>(((FragTable::hash(key) >> 32) * ctx_.env.n_workers) >> 32);
    if (frag_core != ctx_.id) return out_.handoff(frag_core, m, HandoffKind::kProcess, v);

    FragTable::Entry* e = table_->find_or_add(key, ctx_.now_s);
    if (e == nullptr) return out_.drop(m, DropReason::kFragTableFull);
    // Every fragment sent on is counted once, here on its fragment core.
    auto send_on = [&](rte_mbuf* fm, PacketView& fv, const Ports& ports) {
        ctx_.counters->fragments_followed.add();
        dispatch(fm, fv, ports);
    };
    if (f.offset8 == 0) {  // the first fragment
        if (!v.has_ports) return out_.drop(m, DropReason::kL4Malformed);
        if (e->ports_known) {  // seen before: a duplicate, or an attempt to move the datagram
            if (frag_first_conflicts(e->src_port, e->dst_port, v))
                return out_.drop(m, DropReason::kFragOverlap);
            e->seen += f.bytes;
            send_on(m, v, Ports{v.src_port, v.dst_port, false});
            if (FragTable::complete(*e)) table_->release(*e);
            return;
        }
        e->src_port = v.src_port;
        e->dst_port = v.dst_port;
        e->l4_hdr_len = frag_l4_header_len(v);
        e->ports_known = true;
        e->seen += f.bytes;
        if (!f.more) e->total = f.bytes;
        send_on(m, v, Ports{v.src_port, v.dst_port, false});
        // Fragments that came before their first go now, in arrival order.
        const Ports later{e->src_port, e->dst_port, true};
        for (uint8_t i = 0; i < e->n_held; ++i) {
            rte_mbuf* h = e->held[i];
            PacketView hv = restore_view(h);  // stashed when held
            if (frag_overlaps_header(frag_fields(hv).offset8, e->l4_hdr_len)) {
                out_.drop(h, DropReason::kFragOverlap);
                continue;
            }
            send_on(h, hv, later);
        }
        table_->clear_held(*e);
        if (FragTable::complete(*e)) table_->release(*e);
        return;
    }
    if (!f.more) e->total = uint32_t{f.offset8} * 8 + f.bytes;
    if (e->ports_known) {
        if (frag_overlaps_header(f.offset8, e->l4_hdr_len)) {
            return out_.drop(m, DropReason::kFragOverlap);
        }
        e->seen += f.bytes;
        send_on(m, v, Ports{e->src_port, e->dst_port, true});
        if (FragTable::complete(*e)) table_->release(*e);
        return;
    }
    if (e->n_held == FragTable::kMaxHeld) return out_.drop(m, DropReason::kFragHoldFull);
    e->seen += f.bytes;
    hold(*e, m, v);
}

// Later fragments whose first has not come are held, but never more than
// the budget, and never while the pool is low: the oldest datagram holding
// fragments gives its place (its fragments are dropped as frag_evicted: a
// datagram that old has most likely lost its first). A flood of later
// fragments from random sources thus keeps cycling through the budget
// instead of taking the mbufs reception needs.
template <class Io>
void Fragments<Io>::hold(FragTable::Entry& e, rte_mbuf* m, const PacketView& v) {
    while (table_->held() >= max_held_ || pool_low(ctx_.pool)) {
        FragTable::Entry* victim = table_->oldest_holding(&e);
        if (victim == nullptr) {
            if (e.n_held == 0) table_->release(e);
            return out_.drop(m, DropReason::kFragHoldFull);
        }
        for (uint8_t i = 0; i < victim->n_held; ++i) {
            out_.drop(victim->held[i], DropReason::kFragEvicted);
        }
        table_->clear_held(*victim);
        table_->release(*victim);
    }
    stash_view(m, v);  // parsed once: restored when the first comes
    table_->add_held(e, m);
}

}  // namespace dvs::dataplane
