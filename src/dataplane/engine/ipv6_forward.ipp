// IPv6 services: NAT66 and DR, their connections, hop limits, the ICMPv6
// errors we originate (TUN is in tun6.ipp).
// Ipv6Forward<Io> (ipv6_forward.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
Ipv6Forward<Io>::Ipv6Forward(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr,
                             ConnTracker<Io>& track, Templates<Io>& tmpl, SyncAgent<Io>& sync)
    : ctx_(ctx), out_(out), nbr_(nbr), track_(track), tmpl_(tmpl), sync_(sync) {
    error_limit_.configure(kIcmpErrorRate, kIcmpErrorBurst, ctx.tsc_hz, ctx.now_tsc);
}

template <class Io>
bool Ipv6Forward<Io>::receive(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    return route(m, v, snap, FlowPorts{v.src_port, v.dst_port, false}, HandoffKind::kProcess);
}

template <class Io>
void Ipv6Forward<Io>::fragment(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                               const FlowPorts& ports) {
    if (!route(m, v, snap, ports, HandoffKind::kFragment)) {
        out_.drop(m, DropReason::kIpv6Unhandled);
    }
}

template <class Io>
bool Ipv6Forward<Io>::route(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                            const FlowPorts& ports, HandoffKind kind) {
    const Ip6 dst = Ip6::from(v.ip6->dst);
    uint32_t owner;
    if (snap.find_service6(dst, ports.dst, v.proto) != nullptr) {
        if (!snap.ha.standby6.empty() && snap.ha.is_standby6(dst.b)) {
            out_.drop(m, DropReason::kHaBackup);  // the VRRP master forwards it
            return true;
        }
        owner = owner_core(Ip6::from(v.ip6->src), ports.src, ctx_.env.n_workers);
    } else if (!snap.is_local6(v.ip6->dst)) {
        // Perhaps a NAT66 server's reply, owned by the client's core.
        owner = owner_core(dst, ports.dst, ctx_.env.n_workers);
    } else {
        return false;
    }
    if (owner != ctx_.id) {
        out_.handoff(owner, m, kind, v, &ports);
        return true;
    }
    flow(m, v, snap, ports);
    return true;
}

template <class Io>
void Ipv6Forward<Io>::owned(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    if (!v.has_ports) return icmp_error(m, v, snap);  // only errors are handed over portless
    flow(m, v, snap, FlowPorts{v.src_port, v.dst_port, false});
}

template <class Io>
void Ipv6Forward<Io>::flow(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                           const FlowPorts& ports) {
    if (const Service* svc = snap.find_service6(Ip6::from(v.ip6->dst), ports.dst, v.proto)) {
        return inbound(m, v, snap, *svc, ports);
    }
    reply(m, v, snap, ports);
}

// On the template core (rs_id -1): the real server through the client's
// template, then back to the flow's owner (kScheduled). Back on the owner:
// the connection to that server.
template <class Io>
void Ipv6Forward<Io>::templated(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                const FlowPorts& ports, int32_t rs_id) {
    const Service* svc = snap.find_service6(Ip6::from(v.ip6->dst), ports.dst, v.proto);
    if (svc == nullptr) return out_.drop(m, DropReason::kNoService);  // reloaded meanwhile
    if (rs_id >= 0) return inbound(m, v, snap, *svc, ports, rs_id);
    const Ip6 client = Ip6::from(v.ip6->src);
    const RealServer* rs = tmpl_.template_pick6(snap, *svc, client, ports);
    if (rs == nullptr) return no_server(m, v, snap, *svc);
    const uint32_t owner = owner_core(client, ports.src, ctx_.env.n_workers);
    if (owner == ctx_.id) return inbound(m, v, snap, *svc, ports, static_cast<int32_t>(rs->id));
    out_.handoff(owner, m, HandoffKind::kScheduled, v, &ports, rs->id);
}

template <class Io>
void Ipv6Forward<Io>::inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                              const FlowPorts& ports, int32_t preselected_rs) {
    const FlowKey6 key{Ip6::from(v.ip6->src), Ip6::from(v.ip6->dst), ports.src, ports.dst, v.proto};
    Conn6* c = ctx_.conns6.lookup(key).conn;
    if (ports.later_fragment) {
        // No L4 header here: the first fragment made or found the connection.
        // For a persistent service it may be on its trip to the template
        // core: follow it there and back, behind it on each FIFO ring.
        if (c == nullptr && svc.persistent && !ports.followed) {
            const uint32_t tcore = tmpl_.template_core6(svc, key.src_ip);
            if (tcore != ctx_.id) {
                return out_.handoff(tcore, m, HandoffKind::kFragmentFollow, v, &ports);
            }
        }
        if (c == nullptr) return out_.drop(m, DropReason::kFragNoConn);
        ctx_.conns6.touch(c, ctx_.now_s, snap.timeouts.of(c->state));
        return count_and_forward(m, v, snap, *c);
    }
    const bool tcp = v.proto == kIpProtoTcp;
    const bool syn_only = tcp && (v.tcp_flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;
    if (c != nullptr && syn_only && tcp_reusable(c->state)) {
        on_expire(*c, snap);  // the client reused its port: start afresh
        ctx_.conns6.erase(c);
        c = nullptr;
    }
    if (c != nullptr && preselected_rs >= 0) {
        // A retransmission made the trip twice: give the second placement back.
        tmpl_.release_template6(svc.id, static_cast<uint32_t>(preselected_rs), key.src_ip, snap);
    }
    if (c == nullptr) {
        if (tcp && !syn_only) return out_.drop(m, DropReason::kTcpNoConn);
        if (snap.is_local6(v.ip6->src) || snap.is_vip6(v.ip6->src)) {
            return out_.drop(m, DropReason::kSpoofedOwnAddress);
        }
        if (tcp && svc.half_open_limit != 0 && track_.half_open(svc.id) >= svc.half_open_limit) {
            if (preselected_rs >= 0) {
                tmpl_.release_template6(svc.id, static_cast<uint32_t>(preselected_rs), key.src_ip,
                                        snap);
            }
            return out_.drop(m, DropReason::kHalfOpenLimit);
        }
        const RealServer* chosen = nullptr;
        if (preselected_rs >= 0) {
            // Chosen on the template core, maybe under the previous Snapshot.
            const auto id = static_cast<uint32_t>(preselected_rs);
            if (id < snap.real_servers.size() && snap.real_servers[id].present) {
                chosen = &snap.real_servers[id];
            } else {
                tmpl_.release_template6(svc.id, id, key.src_ip, snap);  // gone meanwhile
            }
        } else if (svc.persistent) {
            const uint32_t tcore = tmpl_.template_core6(svc, key.src_ip);
            if (tcore != ctx_.id) {
                ctx_.counters->template_handoffs.add();
                return out_.handoff(tcore, m, HandoffKind::kTemplate, v, &ports);
            }
            chosen = tmpl_.template_pick6(snap, svc, key.src_ip, ports);
        } else {
            // The hashing schedulers see the addresses folded to 32 bits, as
            // IPVS's sh and dh hash IPv6 (ip_vs_sh_hashkey).
            const int32_t pick = track_.schedule(
                svc, {key.src_ip.fold(), key.src_port, key.dst_ip.fold(), key.dst_port, {}});
            if (pick != sched::kNoBackend) chosen = &snap.real_servers[svc.pool[pick]];
        }
        if (chosen == nullptr) return no_server(m, v, snap, svc);
        const RealServer& rs = *chosen;
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
        proto.from_template = svc.persistent ? tmpl_.template_mark6(svc.persistence_prefix6) : 0;
        c = ctx_.conns6.insert(proto, ctx_.now_s, snap.timeouts.of(proto.state));
        if (c == nullptr) {
            if (svc.persistent) tmpl_.release_template6(svc.id, rs.id, key.src_ip, snap);
            return out_.drop(m, DropReason::kConnTableFull);
        }
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
    count_and_forward(m, v, snap, *c);
}

template <class Io>
void Ipv6Forward<Io>::count_and_forward(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                        const Conn6& c) {
    ctx_.counters->services[c.service_id].pkts_in.add();
    ctx_.counters->services[c.service_id].bytes_in.add(v.l3_len);
    ctx_.counters->real_servers[c.rs_id].pkts_in.add();
    ctx_.counters->real_servers[c.rs_id].bytes_in.add(v.l3_len);
    forward(m, v, snap, c);
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
    if (v.l4 != nullptr) {
        nat6_rewrite_destination(v, c.rs_ip, c.rs_port);
    } else {  // a later fragment: its datagram's checksum and ports are in the first
        nat6_rewrite_ip_destination(v, c.rs_ip);
    }
    nbr_.route_and_send6(m, snap, c.rs_ip);
}

template <class Io>
void Ipv6Forward<Io>::reply(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                            const FlowPorts& ports) {
    const FlowKey6 key{Ip6::from(v.ip6->src), Ip6::from(v.ip6->dst), ports.src, ports.dst, v.proto};
    const ConnTable6::Hit hit = ctx_.conns6.lookup(key);
    if (hit.conn == nullptr || hit.dir != Direction::kReply) {
        return out_.drop(m,
                         ports.later_fragment ? DropReason::kFragNoConn : DropReason::kNoService);
    }
    Conn6* c = hit.conn;
    if (!snap.ha.standby6.empty() && snap.ha.is_standby6(c->vip.b)) {
        return out_.drop(m, DropReason::kHaBackup);  // the VRRP master forwards it
    }
    ConnState next = c->state;  // a later fragment has no flags
    if (!ports.later_fragment) {
        next = v.proto == kIpProtoTcp ? tcp_next_state(c->state, Direction::kReply, v.tcp_flags)
                                      : ConnState::kUdp;
    }
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
    if (v.l4 != nullptr) {
        nat6_rewrite_source(v, c->vip, c->vport);
    } else {
        nat6_rewrite_ip_source(v, c->vip);
    }
    nbr_.route_and_send6(m, snap, c->client_ip);
}

// RFC 4443 3.3: a router that would forward a packet with hop limit 1 (or
// 0) drops it and tells the source.
template <class Io>
void Ipv6Forward<Io>::time_exceeded(rte_mbuf* m, const PacketView& v, const Snapshot& snap) {
    if (send_error(v, snap, kIcmp6TimeExceeded, 0)) ctx_.counters->icmp6_time_exceeded.add();
    out_.drop(m, DropReason::kTtlExceeded);
}

// The client hears at once that nobody is there, as for IPv4
// (ConnTracker::no_server): a SYN gets a reset from the VIP, written over
// the segment; a datagram ICMPv6 Destination Unreachable, port unreachable
// (RFC 4443 3.1, code 4), from the VIP, within the error rate. Only SYNs
// and datagrams come here; a fragment is not answered (its datagram is
// incomplete).
template <class Io>
void Ipv6Forward<Io>::no_server(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                const Service& svc) {
    if (!svc.reject_no_server || v.frag6 != 0) return out_.drop(m, DropReason::kNoRealServer);
    ctx_.counters->drop(DropReason::kNoRealServer);
    if (v.proto == kIpProtoTcp) {
        ctx_.counters->no_server_rejects.add();
        const uint16_t len = tcp6_reset_to_sender(v);
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - sizeof(EthHdr) - len));
        return nbr_.route_and_send6(m, snap, Ip6::from(v.ip6->dst));
    }
    const Ip6 vip = Ip6::from(v.ip6->dst);
    if (send_error(v, snap, kIcmp6DestUnreachable, 0, kIcmp6CodePortUnreachable, &vip)) {
        ctx_.counters->no_server_rejects.add();
    }
    rte_pktmbuf_free(m);
}

template <class Io>
bool Ipv6Forward<Io>::send_error(const PacketView& v, const Snapshot& snap, uint8_t type,
                                 uint32_t param, uint8_t code, const Ip6* from) {
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
    const uint32_t len = icmp6_error(frame, room, v, from ? *from : nh->src, type, code, param);
    if (len == 0 || rte_pktmbuf_append(e, static_cast<uint16_t>(len)) == nullptr) {
        rte_pktmbuf_free(e);
        return false;
    }
    nbr_.send6(e, snap, nh->port, nh->ip);
    return true;
}

template <class Io>
uint32_t Ipv6Forward<Io>::on_expire(const Conn6& c, const Snapshot& snap) {
    if (c.state == ConnState::kTemplate) return tmpl_.expire6(c, snap);
    sync_.emit(c, SyncOp::kRemove);
    ctx_.counters->conns_expired.add();
    track_.account_load(c.rs_id, c.service_id, c.state, ConnState::kCount);
    if (c.from_template) {
        tmpl_.release_template6(c.service_id, c.rs_id, c.client_ip, snap, c.from_template);
    }
    return 0;
}

}  // namespace dvs::dataplane
