// NAT: destination rewrite towards the real server (replies: conn_track.ipp),
// and the choice of forwarding method.
// Forwarder<Io> (forwarder.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
inline void Forwarder<Io>::forward(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                   const Conn& c) {
    switch (c.method) {
        case kMethodDr:
            return forward_dr(m, snap, c);
        case kMethodTun:
            return forward_tun(m, v, snap, c);
        default:
            return forward_nat(m, v, snap, c);
    }
}

template <class Io>
inline void Forwarder<Io>::forward_nat(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                       const Conn& c) {
    // A router hop, so TTL drops; a later fragment has no ports to rewrite.
    if (!nat_forward_destination(v, c.rs_ip, c.rs_port)) {
        return out_.drop(m, DropReason::kTtlExceeded);
    }
    nbr_.send_hop(m, snap, snap.hop_to(c.rs_id, c.rs_ip, kMethodNat));
}

}  // namespace dvs::dataplane
