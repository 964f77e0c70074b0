// Connection tracking: new connections (scheduling, limits), the TCP state
// machine both ways, load accounting, resets for removed servers, expiry.
// ConnTracker<Io> (conn_tracker.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
ConnTracker<Io>::ConnTracker(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr,
                             Forwarder<Io>& fwd, Templates<Io>& tmpl, SyncAgent<Io>& sync)
    : ctx_(ctx),
      out_(out),
      nbr_(nbr),
      fwd_(fwd),
      tmpl_(tmpl),
      sync_(sync),
      load_scratch_(new sched::BackendLoad[kMaxRealServers]),
      half_open_(new uint32_t[kMaxServices]()) {}

// A later fragment finds no connection. For a persistent service with the
// template on another core, its first fragment may be on the way there and
// back (kTemplate, kScheduled) to create it: the fragment follows the same
// path, behind the first on each FIFO ring, so it comes back after the
// connection exists. Back from that trip, or otherwise: the connection is
// gone (or never was).
template <class Io>
void ConnTracker<Io>::later_fragment_without_conn(rte_mbuf* m, PacketView& v, const Service& svc,
                                                  const Ports& ports) {
    if (svc.persistent && !ports.followed) {
        const uint32_t tcore = tmpl_.template_core(svc, v.ip->src);
        if (tcore != ctx_.id)
            return out_.handoff(tcore, m, HandoffKind::kFragmentFollow, v, &ports);
    }
    out_.drop(m, DropReason::kFragNoConn);
}

template <class Io>
void ConnTracker<Io>::inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                              const Ports& ports, int32_t preselected_rs) {
    const FlowKey key{v.ip->src, v.ip->dst, ports.src, ports.dst, v.proto};
    Conn* c = ctx_.find_conn(key).conn;
    if (c != nullptr && n_parked_ != 0 && is_parked(c)) {
        // This flow's first packet is still waiting for its reply key: it
        // leaves first (and may have been refused, so look again).
        settle(snap);
        c = ctx_.conns.lookup(key, ctx_.conn_hash(key)).conn;
    }
    if (ports.later_fragment) {
        // No L4 header here: the first fragment made or found the connection.
        if (c == nullptr) return later_fragment_without_conn(m, v, svc, ports);
        ctx_.conns.touch(c, ctx_.now_s, timeout_of(snap, c->state));
        return count_in_and_forward(m, v, snap, *c);
    }
    const bool tcp = v.proto == kIpProtoTcp;
    const bool syn_only = tcp && (v.tcp_flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;

    if (c != nullptr && !continues(v, snap, svc, *c)) {
        // The client reused its port for a new connection (start afresh), or
        // the server left the service (on_remove: reset): a TCP connection
        // then ends with resets to both ends; UDP is simply scheduled anew.
        const bool reused = syn_only && tcp_reusable(c->state);
        if (tcp && !reused) return reset_connection(m, v, snap, c, Direction::kInbound);
        on_expire(*c, snap);
        ctx_.conns.erase(c);
        c = nullptr;
    }
    if (c != nullptr) {
        if (preselected_rs >= 0) {
            // A retransmission made the trip to the template core twice; the
            // connection exists, so the second placement is given back.
            tmpl_.release_template(svc.id, static_cast<uint32_t>(preselected_rs), v.ip->src, snap);
        }
        return established(m, v, snap, *c);
    }
    // No connection yet. Maglev continuation: the segment belongs to a connection another
    // box of the fleet placed; mh picks the same server here, so the
    // connection carries on. It is not half-open, and it comes before
    // any no-server reset (that is only ever for a SYN).
    const bool continued = tcp && !syn_only && svc.continuation;
    if (tcp && !syn_only && !continued) return out_.drop(m, DropReason::kTcpNoConn);
    if (engine_detail::spoofs_us(snap, v.ip->src))
        return out_.drop(m, DropReason::kSpoofedOwnAddress);
    // A SYN makes a half-open entry; so does a continued ACK: until the
    // flow's next segment shows it is real, it is bounded and timed out
    // like one, so an ACK flood of made-up tuples cannot fill the table
    // with ESTABLISHED entries. A continued FIN or RST moves on from
    // ESTABLISHED (the close completes at the server).
    ConnState initial = tcp ? ConnState::kTcpSynRecv : ConnState::kUdp;
    if (continued && (v.tcp_flags & (kTcpFin | kTcpRst)) != 0) {
        initial = tcp_next_state(ConnState::kTcpEstablished, Direction::kInbound, v.tcp_flags);
    }
    // A bounded service (max_half_open, or its default) also stops at
    // half the table half-open; max_half_open: 0 means no bound at all.
    if (initial == ConnState::kTcpSynRecv && svc.half_open_limit != 0 &&
        (half_open_[svc.id] >= svc.half_open_limit ||
         half_open_total_ >= ctx_.conns.capacity() / 2)) {
        if (preselected_rs >= 0) {
            tmpl_.release_template(svc.id, static_cast<uint32_t>(preselected_rs), v.ip->src, snap);
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
            tmpl_.release_template(svc.id, id, v.ip->src, snap);  // gone meanwhile (reload)
        }
    } else if (svc.persistent) {
        const uint32_t tcore = tmpl_.template_core(svc, v.ip->src);
        if (tcore != ctx_.id) {
            ctx_.counters->template_handoffs.add();
            return out_.handoff(tcore, m, HandoffKind::kTemplate, v, &ports);
        }
        chosen = tmpl_.template_pick(snap, svc, v.ip->src, ports);
    } else {
        const int32_t pick = schedule(svc, {v.ip->src, ports.src, v.ip->dst, ports.dst, {}});
        if (pick != sched::kNoBackend) chosen = &snap.real_servers[svc.pool[pick]];
    }
    if (chosen == nullptr) {
        if (continued) return out_.drop(m, DropReason::kTcpNoConn);  // never a reset
        return no_server(m, v, snap, svc);
    }
    const RealServer& rs = *chosen;
    Conn proto{};
    proto.client_ip = v.ip->src;
    proto.vip = v.ip->dst;
    proto.rs_ip = rs.ip;
    proto.client_port = ports.src;
    proto.vport = ports.dst;
    // DR and TUN cannot change the port: the real server sees the VIP's;
    // so does a NAT server of a port-0 service configured without a port.
    proto.rs_port = rs.method == kMethodNat && rs.port != 0 ? rs.port : ports.dst;
    proto.proto = v.proto;
    proto.state = initial;
    proto.service_id = svc.id;
    proto.rs_id = rs.id;
    proto.method = rs.method;
    // Only NAT replies come back through us; DR/TUN servers answer directly.
    proto.has_reply_key = rs.method == kMethodNat;
    proto.from_template = svc.persistent ? tmpl_.template_mark(svc.persistence_mask) : 0;
    // A NAT connection of the burst's current packet waits for its
    // reply key (settle) while its bucket is fetched.
    const bool park = proto.has_reply_key && &v == ctx_.burst_view && n_parked_ < kMaxParked;
    const uint64_t hash = ctx_.conn_hash(key);
    const uint32_t timeout = timeout_of(snap, proto.state);
    c = park ? ctx_.conns.insert_inbound(proto, ctx_.now_s, timeout, hash)
             : ctx_.conns.insert(proto, ctx_.now_s, timeout, hash);
    if (c == nullptr) {
        if (svc.persistent) tmpl_.release_template(svc.id, rs.id, proto.client_ip, snap);
        return out_.drop(m, DropReason::kConnTableFull);
    }
    account_load(c->rs_id, c->service_id, ConnState::kCount, c->state);
    if (park) {
        const uint64_t reply_hash = ctx_.conns.hash_key(c->reply_key());
        ctx_.conns.prefetch_bucket(reply_hash);
        parked_[n_parked_++] = {m, &v, c, reply_hash, continued, svc.persistent};
        return;
    }
    created(*c, continued);
    count_in_and_forward(m, v, snap, *c);
}

template <class Io>
void ConnTracker<Io>::settle(const Snapshot& snap) {
    const uint32_t n = n_parked_;
    n_parked_ = 0;
    // The reply keys' home buckets have arrived meanwhile; a full one sends
    // its key to the alternate, fetched before any is needed.
    for (uint32_t i = 0; i < n; ++i) ctx_.conns.prefetch_alternate_if_full(parked_[i].reply_hash);
    for (uint32_t i = 0; i < n; ++i) {
        const Parked& p = parked_[i];
        // Kept for a refusal: add_reply_key frees the entry.
        const Conn conn = *p.conn;
        if (!ctx_.conns.add_reply_key(p.conn, p.reply_hash)) {
            account_load(conn.rs_id, conn.service_id, conn.state, ConnState::kCount);
            if (p.persistent) {
                tmpl_.release_template(conn.service_id, conn.rs_id, conn.client_ip, snap);
            }
            out_.drop(p.m, DropReason::kConnTableFull);
            continue;
        }
        created(*p.conn, p.continued);
        count_in_and_forward(p.m, *p.v, snap, *p.conn);
    }
}

template <class Io>
inline void ConnTracker<Io>::created(const Conn& c, bool continued) {
    sync_.emit(c, SyncOp::kUpdate);
    ctx_.counters->conns_created.add();
    ctx_.counters->services[c.service_id].conns.add();
    ctx_.counters->real_servers[c.rs_id].conns.add();
    if (continued) {
        ctx_.counters->continued_no_state.add();
        ctx_.counters->services[c.service_id].continued_no_state.add();
        ctx_.counters->real_servers[c.rs_id].continued_no_state.add();
    }
}

template <class Io>
inline void ConnTracker<Io>::count_inbound(const Conn& c, uint16_t l3_len) {
    ctx_.counters->services[c.service_id].pkts_in.add();
    ctx_.counters->services[c.service_id].bytes_in.add(l3_len);
    ctx_.counters->real_servers[c.rs_id].pkts_in.add();
    ctx_.counters->real_servers[c.rs_id].bytes_in.add(l3_len);
}

// An inbound packet of a connection that goes on (continues() said so):
// the state machine, the timer, then on to the real server. Engine's
// established path (engine/established.ipp) comes here straight from the
// burst's lookup.
template <class Io>
inline void ConnTracker<Io>::established(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                         Conn& c) {
    const ConnState next = v.proto == kIpProtoTcp
                               ? tcp_next_state(c.state, Direction::kInbound, v.tcp_flags)
                               : ConnState::kUdp;
    const bool changed = next != c.state;
    if (changed) {
        account_load(c.rs_id, c.service_id, c.state, next);
        c.state = next;
    }
    ctx_.conns.touch(&c, ctx_.now_s, timeout_of(snap, next));
    if (changed) sync_.emit(c, SyncOp::kUpdate);
    count_inbound(c, v.l3_len);
    fwd_.forward(m, v, snap, c);
}

template <class Io>
bool ConnTracker<Io>::continues(const PacketView& v, const Snapshot& snap, const Service& svc,
                                const Conn& c) const {
    const bool syn_only =
        v.proto == kIpProtoTcp && (v.tcp_flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;
    if (syn_only && tcp_reusable(c.state)) return false;
    return !svc.reset_on_remove || engine_detail::rs_present(snap, c.rs_id);
}

template <class Io>
void ConnTracker<Io>::count_in_and_forward(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                           const Conn& c) {
    count_inbound(c, v.l3_len);
    fwd_.forward(m, v, snap, c);
}

// The client hears at once that nobody is there, as from IPVS's local stack:
// a SYN gets a reset from the VIP (the segment rewritten in place), a UDP
// datagram an ICMP port unreachable from the VIP. Only SYNs and first
// datagrams get here (a non-SYN without a connection is tcp_no_conn), so
// the answer is never to a reset; one per packet, no bigger than it.
template <class Io>
void ConnTracker<Io>::no_server(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                const Service& svc) {
    // A fragment is not rewritten into a reset: its datagram is incomplete.
    const bool whole =
        v.has_ports && (be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask)) == 0;
    if (!svc.reject_no_server || !whole) return out_.drop(m, DropReason::kNoRealServer);
    ctx_.counters->drop(DropReason::kNoRealServer);
    ctx_.counters->no_server_rejects.add();
    if (v.proto == kIpProtoTcp) {
        const uint16_t len = tcp_reset_to_sender(v);
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - sizeof(EthHdr) - len));
        return nbr_.route_and_send(m, snap, v.ip->dst);
    }
    fwd_.send_unreachable(v, snap, kIcmpCodePortUnreachable, v.ip->dst);
    rte_pktmbuf_free(m);
}

// Ends a connection now (its server left a service that says on_remove:
// reset): the segment's sender gets a reset back, and the segment itself goes
// on to the other end as a reset in the sender's sequence space. A receiver
// may refuse a reset whose sequence number is not exactly the one it expects
// (RFC 5961; e.g. one made from a zero-window probe) and answer with a
// challenge ACK, so the connection stays, closed, for its close timeout:
// every later segment of it, that ACK included, gets the same treatment, and
// a reset made from an ACK carries exactly the expected number. Rare: a copy
// of the packet is fine here.
template <class Io>
void ConnTracker<Io>::reset_connection(rte_mbuf* m, PacketView& v, const Snapshot& snap, Conn* c,
                                       Direction dir) {
    if (c->state != ConnState::kTcpClose) {
        ctx_.counters->removed_rs_resets.add();
        account_load(c->rs_id, c->service_id, c->state, ConnState::kTcpClose);
        c->state = ConnState::kTcpClose;
        ctx_.conns.touch(c, ctx_.now_s, snap.timeouts.of(ConnState::kTcpClose));
        sync_.emit(*c, SyncOp::kUpdate);
    }
    ctx_.conns.touch(c, ctx_.now_s, snap.timeouts.of(ConnState::kTcpClose));
    const Conn& conn = *c;
    if (!(v.tcp_flags & kTcpRst)) {  // a reset is never answered with one
        if (rte_mbuf* back = rte_pktmbuf_copy(m, ctx_.pool, 0, UINT32_MAX)) {
            PacketView bv =
                parse_frame(rte_pktmbuf_mtod(back, uint8_t*), rte_pktmbuf_data_len(back));
            const uint16_t len = tcp_reset_to_sender(bv);
            rte_pktmbuf_trim(
                back, static_cast<uint16_t>(rte_pktmbuf_data_len(back) - sizeof(EthHdr) - len));
            nbr_.route_and_send(back, snap, bv.ip->dst);
        } else {
            ctx_.counters->drop(DropReason::kMbufAllocFailed);
        }
    }
    const uint16_t len = tcp_reset_onward(v);
    rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - sizeof(EthHdr) - len));
    if (dir == Direction::kInbound) return fwd_.forward(m, v, snap, conn);
    // A NAT reply: rewritten for the client as any reply is.
    if (!nat_forward_source(v, conn.vip, conn.vport)) return out_.drop(m, DropReason::kTtlExceeded);
    nbr_.route_and_send(m, snap, conn.client_ip);
}

template <class Io>
void ConnTracker<Io>::reply(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports) {
    const FlowKey key{v.ip->src, v.ip->dst, ports.src, ports.dst, v.proto};
    ConnTable::Hit hit = ctx_.find_conn(key);
    if (hit.conn == nullptr && n_parked_ != 0) {
        // Its connection may be one of this burst's that still waits for
        // its reply key (only a crafted or replayed reply comes that fast).
        settle(snap);
        hit = ctx_.conns.lookup(key, ctx_.conn_hash(key));
    }
    if (hit.conn == nullptr || hit.dir != Direction::kReply) {
        return out_.drop(m,
                         ports.later_fragment ? DropReason::kFragNoConn : DropReason::kNoService);
    }
    Conn* c = hit.conn;
    if (!snap.ha.standby.empty() && snap.ha.is_standby(c->vip)) {
        return out_.drop(m, DropReason::kHaBackup);  // the VRRP master forwards it
    }
    if (!ports.later_fragment && reply_resets(v, snap, *c)) {
        return reset_connection(m, v, snap, c, Direction::kReply);
    }
    replied(m, v, snap, *c, ports.later_fragment);
}

template <class Io>
inline bool ConnTracker<Io>::reply_resets(const PacketView& v, const Snapshot& snap,
                                          const Conn& c) const {
    return v.proto == kIpProtoTcp && !engine_detail::rs_present(snap, c.rs_id) &&
           c.service_id < snap.services.size() && snap.services[c.service_id].reset_on_remove;
}

// A reply of connection c that goes on: the state machine, the timer, the
// rewrite for the client, counters, out. The established path
// (engine/established.ipp) comes here straight from the burst's lookup.
template <class Io>
inline void ConnTracker<Io>::replied(rte_mbuf* m, PacketView& v, const Snapshot& snap, Conn& c,
                                     bool later_fragment) {
    ConnState next = c.state;
    if (!later_fragment) {
        next = v.proto == kIpProtoTcp ? tcp_next_state(c.state, Direction::kReply, v.tcp_flags)
                                      : ConnState::kUdp;
    }
    account_load(c.rs_id, c.service_id, c.state, next);
    const bool changed = next != c.state;
    c.state = next;
    ctx_.conns.touch(&c, ctx_.now_s, timeout_of(snap, next));
    if (changed) sync_.emit(c, SyncOp::kUpdate);

    // A later fragment (no L4 header) gets the address only.
    if (!nat_forward_source(v, c.vip, c.vport)) return out_.drop(m, DropReason::kTtlExceeded);
    ctx_.counters->services[c.service_id].pkts_out.add();
    ctx_.counters->services[c.service_id].bytes_out.add(v.l3_len);
    ctx_.counters->real_servers[c.rs_id].pkts_out.add();
    ctx_.counters->real_servers[c.rs_id].bytes_out.add(v.l3_len);
    nbr_.route_and_send(m, snap, c.client_ip);
}

template <class Io>
uint32_t ConnTracker<Io>::on_expire(const Conn& c, const Snapshot& snap) {
    if (c.state == ConnState::kTemplate) {
        // A template outlives its timeout while it still places connections
        // (the paper, 4.5); it is looked at again one timeout later.
        if (c.controls > 0) {
            const bool known =
                c.service_id < snap.services.size() && snap.services[c.service_id].present;
            const uint32_t timeout = known ? snap.services[c.service_id].persistence_timeout : 0;
            const uint32_t keep = timeout ? timeout : 60;
            // Kept alive by its connections, not by touches: refresh the
            // peer's copy here, as on_rearm does for touched entries.
            if (sync_.on()) sync_.push(SyncRecord::from_conn(c, SyncOp::kUpdate, keep));
            return keep;
        }
        --ctx_.templates_live;
        sync_.emit(c, SyncOp::kRemove);
        return 0;
    }
    sync_.emit(c, SyncOp::kRemove);
    ctx_.counters->conns_expired.add();
    account_load(c.rs_id, c.service_id, c.state, ConnState::kCount);
    if (c.from_template) {
        tmpl_.release_template(c.service_id, c.rs_id, c.client_ip, snap, c.from_template);
    }
    return 0;
}

template <class Io>
void ConnTracker<Io>::account_load(uint32_t rs_id, uint16_t service_id, ConnState from,
                                   ConnState to) {
    // kCount stands for "not in the table" on either side. Most packets
    // leave the state as it was: nothing to move.
    if (from == to) return;
    BackendLoadCounters& l = ctx_.counters->rs_load[rs_id];
    if (from != ConnState::kCount) (conn_is_active(from) ? l.active : l.inactive).add(-1);
    if (to != ConnState::kCount) (conn_is_active(to) ? l.active : l.inactive).add(1);
    if (from == ConnState::kTcpSynRecv) {
        --half_open_[service_id];
        --half_open_total_;
    }
    if (to == ConnState::kTcpSynRecv) {
        ++half_open_[service_id];
        ++half_open_total_;
    }
}

template <class Io>
int32_t ConnTracker<Io>::schedule(const Service& svc, const sched::FlowInfo& flow) {
    sched::Scheduler& s = *svc.schedulers[ctx_.id];
    if (!s.needs_load()) return s.pick(flow);
    // Sum every worker's gauges: each read is a relaxed load of a value its
    // owner may be changing, so the view can lag by the connections other
    // cores placed in the last moments. That bounded staleness is what makes
    // this lock-free; docs/ARCHITECTURE.md discusses its effect.
    const size_t n = svc.pool.size();
    for (size_t i = 0; i < n; ++i) {
        int64_t active = 0, inactive = 0;
        for (uint32_t w = 0; w < ctx_.env.n_workers; ++w) {
            const BackendLoadCounters& l = ctx_.env.all_counters[w]->rs_load[svc.pool[i]];
            active += l.active.get();
            inactive += l.inactive.get();
        }
        load_scratch_[i] = {static_cast<uint32_t>(active > 0 ? active : 0),
                            static_cast<uint32_t>(inactive > 0 ? inactive : 0)};
    }
    sched::FlowInfo with_load = flow;
    with_load.load = {load_scratch_.get(), n};
    return s.pick(with_load);
}

// One slice of a connection listing per housekeeping pass: the IPv4 table,
// then the IPv6 one (when the requester gave it room).
template <class Io>
void ConnTracker<Io>::serve_dump(ConnDump& dump) {
    if (dump.cursor < ctx_.conns.capacity()) {
        dump.cursor = ctx_.conns.scan(dump.cursor, ConnDump::kSlice, [&](const Conn& c) {
            if (c.state == ConnState::kTemplate && !dump.filter.templates) return;
            if (!dump.filter.matches(c)) return;
            if (dump.count == dump.capacity) {
                dump.truncated = true;
                return;
            }
            dump.out[dump.count++] = {c, ctx_.seconds_left(c)};
        });
    } else if (dump.capacity6 != 0 && dump.cursor6 < ctx_.conns6.capacity()) {
        dump.cursor6 = ctx_.conns6.scan(dump.cursor6, ConnDump::kSlice, [&](const Conn6& c) {
            if (c.state == ConnState::kTemplate && !dump.filter.templates) return;
            if (!dump.filter.matches(c)) return;
            if (dump.count6 == dump.capacity6) {
                dump.truncated = true;
                return;
            }
            dump.out6[dump.count6++] = {c, ctx_.seconds_left(c)};
        });
    }
    const bool v6_done = dump.capacity6 == 0 || dump.cursor6 >= ctx_.conns6.capacity();
    if ((dump.cursor >= ctx_.conns.capacity() && v6_done) || dump.truncated) {
        dump.state.store(ConnDump::kDone, std::memory_order_release);
    }
}

}  // namespace dvs::dataplane
