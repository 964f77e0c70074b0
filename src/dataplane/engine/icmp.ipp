// ICMP: errors about tracked connections (both ways, NAT rewritten), echo,
// and other traffic for our own addresses.
// IcmpHandler<Io> (icmp_handler.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// An ICMP error about one of our connections: from outside (quoting VIP ->
// client) it goes to the connection's real server; from a NAT real server
// (quoting client -> RS) it goes to the client, rewritten to match what the
// client sent.
template <class Io>
void IcmpHandler<Io>::icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    // To our own address: about something the kernel sent (its sockets).
    if (snap.is_local(v.ip->dst) && !icmp_error_quotes_ipip(v) && kernel_.to_kernel(m)) return;
    QuotedPacket q;
    if (!icmp_parse_quoted(v, q)) return out_.drop(m, DropReason::kIcmpUnhandled);
    const bool from_outside = snap.is_vip(v.ip->dst);
    // The client is the quoted destination (outside) or the quoted source.
    const uint32_t owner =
        from_outside ? owner_core(q.reversed.src_ip, q.reversed.src_port, ctx_.env.n_workers)
                     : owner_core(q.reversed.dst_ip, q.reversed.dst_port, ctx_.env.n_workers);
    if (owner != ctx_.id) return out_.handoff(owner, m, HandoffKind::kProcess, v);

    const ConnTable::Hit hit = ctx_.conns.lookup(q.reversed);
    if (hit.conn == nullptr) return out_.drop(m, DropReason::kIcmpNoConn);
    const Conn& c = *hit.conn;
    if (hit.dir == Direction::kInbound && from_outside) {
        ctx_.counters->real_servers[c.rs_id].pkts_in.add();
        ctx_.counters->icmp_errors_forwarded.add();
        if (c.method != kMethodNat) return fwd_.forward(m, v, snap, c);
        if (!decrement_ttl(*v.ip)) return out_.drop(m, DropReason::kTtlExceeded);
        icmp_error_nat_inbound(v, q, c.rs_ip, c.rs_port);
        return nbr_.route_and_send(m, snap, c.rs_ip);
    }
    if (hit.dir == Direction::kReply && !from_outside) {
        ctx_.counters->real_servers[c.rs_id].pkts_out.add();
        ctx_.counters->icmp_errors_forwarded.add();
        if (!decrement_ttl(*v.ip)) return out_.drop(m, DropReason::kTtlExceeded);
        icmp_error_nat_reply(v, q, c.vip, c.vport);
        return nbr_.route_and_send(m, snap, c.client_ip);
    }
    out_.drop(m, DropReason::kIcmpNoConn);
}

// Traffic addressed to the balancer itself: echo is answered here; the rest
// goes to the kernel through the exception path, where there is one.
template <class Io>
void IcmpHandler<Io>::local(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    if (!snap.ha.standby.empty() && snap.ha.is_standby(v.ip->dst)) {
        return out_.drop(m, DropReason::kHaBackup);  // a floating address the VRRP master holds
    }
    if (engine_detail::spoofs_us(snap, v.ip->src))
        return out_.drop(m, DropReason::kSpoofedOwnAddress);
    if (!icmp_is_echo_request(v)) {
        if (snap.is_local(v.ip->dst) && kernel_.to_kernel(m)) return;
        return out_.drop(
            m, v.proto == kIpProtoIcmp ? DropReason::kIcmpUnhandled : DropReason::kLocalUnhandled);
    }
    icmp_echo_reply_in_place(v);
    ctx_.counters->icmp_echo_replies.add();
    nbr_.route_and_send(m, snap, v.ip->dst);
}

}  // namespace dvs::dataplane
