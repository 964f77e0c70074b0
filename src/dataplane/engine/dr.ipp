// DR: only the Ethernet destination changes.
// Forwarder<Io> (forwarder.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// DR: the IP packet goes unchanged to the real server's MAC on a directly
// attached segment (the config guarantees one).
template <class Io>
void Forwarder<Io>::forward_dr(rte_mbuf* m, const Snapshot& snap, const Conn& c) {
    const auto nh = snap.route(c.rs_ip);
    if (!nh) return out_.drop(m, DropReason::kNoRoute);
    nbr_.send(m, snap, nh->port, c.rs_ip);
}

}  // namespace dvs::dataplane
