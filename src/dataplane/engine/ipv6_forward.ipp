// IPv6 services: NAT66 and DR, their connections, hop limits, the ICMPv6
// errors we originate (TUN is in tun6.ipp).
// Ipv6Forward<Io> (ipv6_forward.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
Ipv6Forward<Io>::Ipv6Forward(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr,
                             ConnTracker<Io>& track, SyncAgent<Io>& sync)
    : ctx_(ctx), out_(out), nbr_(nbr), track_(track), sync_(sync) {
    error_limit_.configure(kIcmpErrorRate, kIcmpErrorBurst, ctx.tsc_hz, ctx.now_tsc);
}

template <class Io>
bool Ipv6Forward<Io>::receive(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    const Ip6 dst = Ip6::from(v.ip6->dst);
    uint32_t owner;
    if (snap.find_service6(dst, v.dst_port, v.proto) != nullptr) {
        owner = owner_core(Ip6::from(v.ip6->src), v.src_port, ctx_.env.n_workers);
    } else if (!snap.is_local6(v.ip6->dst)) {
        // Perhaps a NAT66 server's reply, owned by the client's core.
        owner = owner_core(dst, v.dst_port, ctx_.env.n_workers);
    } else {
        return false;
    }
    if (owner != ctx_.id) {
        const FlowPorts ports{v.src_port, v.dst_port, false};
        out_.handoff(owner, m, HandoffKind::kProcess, v, &ports);
        return true;
    }
    owned(m, v, snap);
    return true;
}

template <class Io>
void Ipv6Forward<Io>::owned(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    if (!v.has_ports) return icmp_error(m, v, snap);  // only errors are handed over portless
    if (const Service* svc = snap.find_service6(Ip6::from(v.ip6->dst), v.dst_port, v.proto)) {
        return inbound(m, v, snap, *svc);
    }
    reply(m, v, snap);
}

template <class Io>
void Ipv6Forward<Io>::inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                              const Service& svc) {
    const FlowKey6 key{Ip6::from(v.ip6->src), Ip6::from(v.ip6->dst), v.src_port, v.dst_port,
                       v.proto};
    Conn6* c = ctx_.conns6.lookup(key).conn;
    const bool tcp = v.proto == kIpProtoTcp;
    const bool syn_only = tcp && (v.tcp_flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;
    if (c != nullptr && syn_only && tcp_reusable(c->state)) {
        on_expire(*c);  // the client reused its port: start afresh
        ctx_.conns6.erase(c);
        c = nullptr;
    }
    if (c == nullptr) {
        if (tcp && !syn_only) return out_.drop(m, DropReason::kTcpNoConn);
        if (snap.is_local6(v.ip6->src) || snap.is_vip6(v.ip6->src)) {
            return out_.drop(m, DropReason::kSpoofedOwnAddress);
        }
        if (tcp && svc.half_open_limit != 0 && track_.half_open(svc.id) >= svc.half_open_limit) {
            return out_.drop(m, DropReason::kHalfOpenLimit);
        }
        // The hashing schedulers see the addresses folded to 32 bits, as
        // IPVS's sh and dh hash IPv6 (ip_vs_sh_hashkey).
        const int32_t pick = track_.schedule(
            svc, {key.src_ip.fold(), key.src_port, key.dst_ip.fold(), key.dst_port, {}});
        if (pick == sched::kNoBackend) return out_.drop(m, DropReason::kNoRealServer);
        const RealServer& rs = snap.real_servers[svc.pool[pick]];
        Conn6 proto{};
        proto.client_ip = key.src_ip;
        proto.vip = key.dst_ip;
        proto.rs_ip = rs.ip6;
        proto.client_port = key.src_port;
        proto.vport = key.dst_port;
        proto.rs_port = rs.method == kMethodNat && rs.port != 0 ? rs.port : key.dst_port;
        proto.proto = v.proto;
        proto.state = tcp ? ConnState::kTcpSynRecv : ConnState::kUdp;
        proto.service_id = svc.id;
        proto.rs_id = rs.id;
        proto.method = rs.method;
        proto.has_reply_key = rs.method == kMethodNat;
        c = ctx_.conns6.insert(proto, ctx_.now_s, snap.timeouts.of(proto.state));
        if (c == nullptr) return out_.drop(m, DropReason::kConnTableFull);
        track_.account_load(c->rs_id, c->service_id, ConnState::kCount, c->state);
        sync_.emit(*c, SyncOp::kUpdate);
        ctx_.counters->conns_created.add();
        ctx_.counters->services[c->service_id].conns.add();
        ctx_.counters->real_servers[c->rs_id].conns.add();
    } else {
        const ConnState next =
            tcp ? tcp_next_state(c->state, Direction::kInbound, v.tcp_flags) : ConnState::kUdp;
        track_.account_load(c->rs_id, c->service_id, c->state, next);
        const bool changed = next != c->state;
        c->state = next;
        ctx_.conns6.touch(c, ctx_.now_s, snap.timeouts.of(next));
        if (changed) sync_.emit(*c, SyncOp::kUpdate);
    }
    ctx_.counters->services[c->service_id].pkts_in.add();
    ctx_.counters->services[c->service_id].bytes_in.add(v.l3_len);
    ctx_.counters->real_servers[c->rs_id].pkts_in.add();
    ctx_.counters->real_servers[c->rs_id].bytes_in.add(v.l3_len);
    forward(m, v, snap, *c);
}

// NAT66: destination VIP:vport -> RIP:rport, a router hop (hop limit
// decremented). DR: the packet unchanged to the server's MAC on a directly
// attached segment, as for IPv4 (no hop: the hop limit stays). TUN:
// tun6.ipp.
template <class Io>
void Ipv6Forward<Io>::forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn6& c) {
    if (c.method == kMethodTun) return forward_tun(m, v, snap, c);
    if (c.method == kMethodDr) {
        const auto nh = snap.route6(c.rs_ip);
        if (!nh) return out_.drop(m, DropReason::kNoRoute);
        return nbr_.send6(m, snap, nh->port, c.rs_ip);
    }
    if (!decrement_hop_limit(*v.ip6)) return time_exceeded(m, v, snap);
    nat6_rewrite_destination(v, c.rs_ip, c.rs_port);
    nbr_.route_and_send6(m, snap, c.rs_ip);
}

template <class Io>
void Ipv6Forward<Io>::reply(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    const FlowKey6 key{Ip6::from(v.ip6->src), Ip6::from(v.ip6->dst), v.src_port, v.dst_port,
                       v.proto};
    const ConnTable6::Hit hit = ctx_.conns6.lookup(key);
    if (hit.conn == nullptr || hit.dir != Direction::kReply) {
        return out_.drop(m, DropReason::kNoService);
    }
    Conn6* c = hit.conn;
    const ConnState next = v.proto == kIpProtoTcp
                               ? tcp_next_state(c->state, Direction::kReply, v.tcp_flags)
                               : ConnState::kUdp;
    track_.account_load(c->rs_id, c->service_id, c->state, next);
    const bool changed = next != c->state;
    c->state = next;
    ctx_.conns6.touch(c, ctx_.now_s, snap.timeouts.of(next));
    if (changed) sync_.emit(*c, SyncOp::kUpdate);
    if (!decrement_hop_limit(*v.ip6)) return time_exceeded(m, v, snap);
    ctx_.counters->services[c->service_id].pkts_out.add();
    ctx_.counters->services[c->service_id].bytes_out.add(v.l3_len);
    ctx_.counters->real_servers[c->rs_id].pkts_out.add();
    ctx_.counters->real_servers[c->rs_id].bytes_out.add(v.l3_len);
    nat6_rewrite_source(v, c->vip, c->vport);
    nbr_.route_and_send6(m, snap, c->client_ip);
}

// RFC 4443 3.3: a router that would forward a packet with hop limit 1 (or
// 0) drops it and tells the source.
template <class Io>
void Ipv6Forward<Io>::time_exceeded(rte_mbuf* m, const PacketView& v, const Snapshot& snap) {
    if (send_error(v, snap, kIcmp6TimeExceeded, 0)) ctx_.counters->icmp6_time_exceeded.add();
    out_.drop(m, DropReason::kTtlExceeded);
}

template <class Io>
bool Ipv6Forward<Io>::send_error(const PacketView& v, const Snapshot& snap, uint8_t type,
                                 uint32_t param) {
    const Ip6 to = Ip6::from(v.ip6->src);
    const auto nh = snap.route6(to);
    if (!nh || nh->src.is_unspecified()) return false;
    if (!error_limit_.take(ctx_.now_tsc)) {
        ctx_.counters->icmp6_errors_limited.add();
        return false;
    }
    rte_mbuf* e = rte_pktmbuf_alloc(ctx_.pool);
    if (e == nullptr) {
        ctx_.counters->drop(DropReason::kMbufAllocFailed);
        return false;
    }
    const uint32_t room = rte_pktmbuf_tailroom(e);
    auto* frame = rte_pktmbuf_mtod(e, uint8_t*);
    const uint32_t len = icmp6_error(frame, room, v, nh->src, type, 0, param);
    if (len == 0 || rte_pktmbuf_append(e, static_cast<uint16_t>(len)) == nullptr) {
        rte_pktmbuf_free(e);
        return false;
    }
    nbr_.send6(e, snap, nh->port, nh->ip);
    return true;
}

template <class Io>
uint32_t Ipv6Forward<Io>::on_expire(const Conn6& c) {
    sync_.emit(c, SyncOp::kRemove);
    ctx_.counters->conns_expired.add();
    track_.account_load(c.rs_id, c.service_id, c.state, ConnState::kCount);
    return 0;
}

}  // namespace dvs::dataplane
