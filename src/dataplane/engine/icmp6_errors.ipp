// ICMPv6 errors about connections of IPv6 services, both ways (NAT66
// rewritten): the IPv6 half of icmp.ipp.
// Part of Ipv6Forward<Io> (ipv6_forward.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// From outside (to a VIP, quoting VIP -> client) the error follows the
// connection to its real server: NAT66 rewrites the outer destination and
// the quoted source, DR and TUN forward it as they forward the
// connection's packets. From a NAT66 real server (quoting client -> RS) it
// goes to the client with the outer source and the quoted destination
// back to VIP:vport, so the client's stack matches it (path MTU discovery
// through the balancer). Errors about errors are never sent (RFC 4443
// 2.4(e)): a hop limit that runs out here is only counted.
template <class Io>
void Ipv6Forward<Io>::icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    QuotedPacket6 q;
    if (!icmp6_parse_quoted(v, q)) return out_.drop(m, DropReason::kIcmpUnhandled);
    const bool from_outside = snap.is_vip6(v.ip6->dst);
    // The client is the quoted destination (outside) or the quoted source.
    const uint32_t owner =
        from_outside ? owner_core(q.reversed.src_ip, q.reversed.src_port, ctx_.env.n_workers)
                     : owner_core(q.reversed.dst_ip, q.reversed.dst_port, ctx_.env.n_workers);
    if (owner != ctx_.id) return out_.handoff(owner, m, HandoffKind::kProcess, v);

    const ConnTable6::Hit hit = ctx_.conns6.lookup(q.reversed);
    if (hit.conn == nullptr) return out_.drop(m, DropReason::kIcmpNoConn);
    const Conn6& c = *hit.conn;
    if (hit.dir == Direction::kInbound && from_outside) {
        ctx_.counters->real_servers[c.rs_id].pkts_in.add();
        ctx_.counters->icmp_errors_forwarded.add();
        if (c.method != kMethodNat) return forward(m, v, snap, c);
        if (!decrement_hop_limit(*v.ip6)) return out_.drop(m, DropReason::kTtlExceeded);
        icmp6_error_nat_inbound(v, q, c.rs_ip, c.rs_port);
        return nbr_.route_and_send6(m, snap, c.rs_ip);
    }
    if (hit.dir == Direction::kReply && !from_outside) {
        ctx_.counters->real_servers[c.rs_id].pkts_out.add();
        ctx_.counters->icmp_errors_forwarded.add();
        if (!decrement_hop_limit(*v.ip6)) return out_.drop(m, DropReason::kTtlExceeded);
        icmp6_error_nat_reply(v, q, c.vip, c.vport);
        return nbr_.route_and_send6(m, snap, c.client_ip);
    }
    out_.drop(m, DropReason::kIcmpNoConn);
}

}  // namespace dvs::dataplane
