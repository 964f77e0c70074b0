// The established path: an inbound TCP or UDP packet of a connection the
// burst's bulk lookup found goes from that lookup to the state machine and
// its forwarding method in one step.
// Part of Engine<Io> (engine.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// process -> process_ipv4 -> dispatch -> ConnTracker::inbound, for the
// packet they would all pass through: the same checks, in one place, and
// no second lookup of the connection. Anything else returns false with
// nothing done (no counter, no state), and takes that general path, which
// decides and counts it: a multi-segment mbuf, a fragment, a frame for
// another MAC, a VIP:port that is no longer a service, a VIP in HA standby
// (any standby VIP at all: the general path checks which), a flow another
// core owns, a SYN on a closing connection, a server that left a service
// that resets on removal.
template <class Io>
bool Engine<Io>::established(rte_mbuf* m, PacketView& v, Conn& c, const Snapshot& snap) {
    if (m->nb_segs != 1) return false;
    if (be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask)) return false;
    const uint16_t port_index = ctx_.env.ports->index_of_port_id[m->port];
    const PortInfo& port = ctx_.env.ports->ports[port_index];
    if (engine_detail::is_unicast_to_other(*v.eth, port.mac)) return false;
    const Service* svc = snap.find_service(v.ip->dst, v.dst_port, v.proto);
    if (svc == nullptr || !snap.ha.standby.empty()) return false;
    if (owner_core(v.ip->src, v.src_port, ctx_.env.n_workers) != ctx_.id) return false;
    if (!track_.continues(v, snap, *svc, c)) return false;
    sample_l4_checksum(port_index, port, v);
    track_.established(m, v, snap, c);
    return true;
}

}  // namespace dvs::dataplane
