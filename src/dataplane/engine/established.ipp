// The established path: a TCP or UDP packet of a connection the burst's
// bulk lookup found (inbound, or a NAT reply) goes from that lookup to the
// state machine and its forwarding in one step.
// Part of Engine<Io> (engine.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// The general path (process -> process_ipv4 -> dispatch -> ConnTracker's
// inbound or reply) for the packet it would pass through: the same checks,
// in one place, and no second lookup of the connection. Anything else
// returns false with nothing done (no counter, no state), and takes that
// general path, which decides and counts it.
template <class Io>
bool Engine<Io>::established(rte_mbuf* m, PacketView& v, const ConnTable::Hit& hit,
                             const Snapshot& snap) {
    // process: one segment, for our MAC; process_ipv4: not a fragment.
    if (m->nb_segs != 1) return false;
    if (be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask)) return false;
    const uint16_t port_index = ctx_.env.ports->index_of_port_id[m->port];
    const PortInfo& port = ctx_.env.ports->ports[port_index];
    if (engine_detail::is_unicast_to_other(*v.eth, port.mac)) return false;
    if (hit.dir == Direction::kInbound) {
        if (!established_inbound(v, *hit.conn, snap)) return false;
        sample_l4_checksum(port_index, port, v);
        track_.established(m, v, snap, *hit.conn);
    } else {
        if (!established_reply(v, *hit.conn, snap)) return false;
        sample_l4_checksum(port_index, port, v);
        track_.replied(m, v, snap, *hit.conn, false);
    }
    return true;
}

// dispatch and ConnTracker::inbound for an inbound packet of c: the
// VIP:port is still a service, no HA standby VIP configured (any standby
// VIP at all: the general path checks which), this core owns the flow, and
// ConnTracker::continues (not a SYN on a closing connection, not a server
// that left a service that resets on removal).
template <class Io>
inline bool Engine<Io>::established_inbound(const PacketView& v, const Conn& c,
                                            const Snapshot& snap) {
    const Service* svc = snap.find_service(v.ip->dst, v.dst_port, v.proto);
    if (svc == nullptr || !snap.ha.standby.empty()) return false;
    if (owner_core(v.ip->src, v.src_port, ctx_.env.n_workers) != ctx_.id) return false;
    return track_.continues(v, snap, *svc, c);
}

// dispatch and ConnTracker::reply for a NAT reply of c: the destination
// (the client) is neither a service's VIP:port nor one of our addresses,
// this core owns the client's flow, no HA standby VIP configured, and the
// reply does not end the connection with resets (ConnTracker::reply_resets).
template <class Io>
inline bool Engine<Io>::established_reply(const PacketView& v, const Conn& c,
                                          const Snapshot& snap) {
    if (snap.find_service(v.ip->dst, v.dst_port, v.proto) != nullptr) return false;
    if (snap.is_local(v.ip->dst)) return false;
    if (owner_core(v.ip->dst, v.dst_port, ctx_.env.n_workers) != ctx_.id) return false;
    if (!snap.ha.standby.empty()) return false;
    return !track_.reply_resets(v, snap, c);
}

}  // namespace dvs::dataplane
