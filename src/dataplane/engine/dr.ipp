// DR: only the Ethernet destination changes.
// Forwarder<Io> (forwarder.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// DR: the IP packet goes unchanged to the real server's MAC on a directly
// attached segment (the config guarantees one).
template <class Io>
inline void Forwarder<Io>::forward_dr(rte_mbuf* m, const Snapshot& snap, const Conn& c) {
    nbr_.send_hop(m, snap, snap.hop_to(c.rs_id, c.rs_ip, kMethodDr));
}

}  // namespace dvs::dataplane
