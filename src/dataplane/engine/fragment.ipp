// IP fragments: all fragments of a datagram meet on one core, which learns
// the ports from the first and sends every fragment on to the flow's owner.
// Fragments<Io> (fragments.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// All fragments of a datagram meet on its fragment core, which learns the
// ports from the first fragment and sends every fragment on to the owner.
template <class Io>
template <class Dispatch>
void Fragments<Io>::fragment(rte_mbuf* m, PacketView& v, Dispatch&& dispatch) {
    if (v.proto != kIpProtoTcp && v.proto != kIpProtoUdp) {
        return out_.drop(m, DropReason::kIpFragment);
    }
    const FragKey key{v.ip->src, v.ip->dst, v.ip->id, v.proto};
    const uint32_t frag_core =
        static_cast<uint32_t>(((FragTable::hash(key) >> 32) * ctx_.env.n_workers) >> 32);
    if (frag_core != ctx_.id) return out_.handoff(frag_core, m, HandoffKind::kProcess, v);

    FragTable::Entry* e = table_->find_or_add(key, ctx_.now_s);
    if (e == nullptr) return out_.drop(m, DropReason::kFragTableFull);
    const bool first = (be16(v.ip->frag_off) & kIpFragOffsetMask) == 0;
    if (first) {
        if (!v.has_ports) return out_.drop(m, DropReason::kL4Malformed);
        if (e->ports_known) {  // seen before: a duplicate, or an attempt to move the datagram
            if (frag_first_conflicts(e->src_port, e->dst_port, v))
                return out_.drop(m, DropReason::kFragOverlap);
            return dispatch(m, v, Ports{v.src_port, v.dst_port, false});
        }
        e->src_port = v.src_port;
        e->dst_port = v.dst_port;
        e->l4_hdr_len = frag_l4_header_len(v);
        e->ports_known = true;
        dispatch(m, v, Ports{v.src_port, v.dst_port, false});
        // Fragments that came before their first go now, in arrival order.
        const Ports later{e->src_port, e->dst_port, true};
        for (uint8_t i = 0; i < e->n_held; ++i) {
            rte_mbuf* h = e->held[i];
            PacketView hv = restore_view(h);  // stashed when held
            if (frag_overlaps_header(be16(hv.ip->frag_off), e->l4_hdr_len)) {
                out_.drop(h, DropReason::kFragOverlap);
                continue;
            }
            dispatch(h, hv, later);
        }
        e->n_held = 0;
        return;
    }
    if (e->ports_known) {
        if (frag_overlaps_header(be16(v.ip->frag_off), e->l4_hdr_len)) {
            return out_.drop(m, DropReason::kFragOverlap);
        }
        return dispatch(m, v, Ports{e->src_port, e->dst_port, true});
    }
    if (e->n_held == FragTable::kMaxHeld) return out_.drop(m, DropReason::kFragHoldFull);
    stash_view(m, v);  // parsed once: restored when the first comes
    e->held[e->n_held++] = m;
}

}  // namespace dvs::dataplane
