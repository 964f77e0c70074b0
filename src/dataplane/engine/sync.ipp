// The engine's side of high availability: the connection sync stream (both
// directions) and gratuitous ARPs. See sync_rings.hpp for the rings and
// docs/ARCHITECTURE.md "High availability" for the whole picture.

// SyncAgent<Io> (sync_agent.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

namespace engine_detail {

// A synced entry lives this much longer than the master's timeout said, so
// the master's next refresh (sent when its own timer comes due while the
// connection is active) arrives before the copy expires.
inline constexpr uint32_t kSyncGraceSeconds = 10;
// Table slots walked per loop iteration for a full transfer.
inline constexpr uint32_t kFullSyncSlice = 256;

}  // namespace engine_detail

template <class Io>
void SyncAgent<Io>::push(const SyncRecord& r) {
    if (count_ == kSyncBatch) flush();
    buf_[count_++] = r;
}

template <class Io>
void SyncAgent<Io>::flush() {
    if (count_ == 0) return;
    const unsigned done = rte_ring_sp_enqueue_burst_elem(ctx_.env.sync->worker(ctx_.id).out, buf_,
                                                         sizeof(SyncRecord), count_, nullptr);
    ctx_.counters->sync_emitted.add(done);
    // The ring is full: the control thread cannot keep up with a burst.
    // Lost, not waited for; the peer's copy is then refreshed or never made.
    if (done < count_) ctx_.counters->sync_lost.add(count_ - done);
    count_ = 0;
}

template <class Io>
void SyncAgent<Io>::poll(const Snapshot& snap, uint32_t& work) {
    if (ctx_.env.sync == nullptr) return;
    WorkerSyncRings& rings = ctx_.env.sync->worker(ctx_.id);
    SyncRecord in[Egress<Io>::kBurst];
    const unsigned n = rte_ring_sc_dequeue_burst_elem(rings.in, in, sizeof(SyncRecord),
                                                      Egress<Io>::kBurst, nullptr);
    work += n;
    for (unsigned i = 0; i < n; ++i) install_synced(in[i], snap);
    serve_full_sync(rings);
}

// A record from the peer, with our ids, for a flow this worker owns.
template <class Io>
void SyncAgent<Io>::install_synced(const SyncRecord& r, const Snapshot& snap) {
    if (r.is_v6()) return install_synced6(r);
    const ConnTable::Hit hit = ctx_.conns.lookup(r.key());
    Conn* c = hit.dir == Direction::kInbound ? hit.conn : nullptr;
    if (r.op == SyncOp::kRemove) {
        if (c != nullptr) {
            remove_entry(c, snap);
            ctx_.counters->sync_removed.add();
        }
        return;
    }
    const uint32_t timeout = r.timeout + engine_detail::kSyncGraceSeconds;
    if (c != nullptr) {
        if (r.flags & kSyncKeepExisting) {
            ctx_.counters->sync_kept.add();
            return;
        }
        if (c->rs_ip == r.rs_ip && c->rs_port == r.rs_port && c->method == r.method &&
            c->rs_id == r.rs_id) {
            if (c->state != ConnState::kTemplate) {
                track_.account_load(c->rs_id, c->service_id, c->state, r.state);
            }
            c->state = r.state;
            ctx_.conns.touch(c, ctx_.now_s, timeout);
            ctx_.counters->sync_updated.add();
            return;
        }
        remove_entry(c, snap);  // now on another server: replaced below
    }
    Conn proto{};
    proto.client_ip = r.client_ip;
    proto.vip = r.vip;
    proto.rs_ip = r.rs_ip;
    proto.client_port = r.client_port;
    proto.vport = r.vport;
    proto.rs_port = r.rs_port;
    proto.proto = r.proto;
    proto.state = r.state;
    proto.service_id = r.service_id;
    proto.rs_id = r.rs_id;
    proto.method = r.method;
    proto.has_reply_key = r.method == kMethodNat && !r.is_template();
    // A synced connection does not count on a template here: templates come
    // with their own timeouts and refreshes from the master.
    proto.from_template = 0;
    proto.controls = 0;
    c = ctx_.conns.insert(proto, ctx_.now_s, timeout);
    if (c == nullptr) {
        ctx_.counters->sync_install_failed.add();
        return;
    }
    if (r.is_template()) {
        ++ctx_.templates_live;
    } else {
        track_.account_load(c->rs_id, c->service_id, ConnState::kCount, c->state);
    }
    if (r.flags & kSyncRestored) {
        ctx_.counters->conns_restored.add();
    } else {
        ctx_.counters->sync_installed.add();
    }
}

// The same for an IPv6 connection (no templates: Conn6 has none).
template <class Io>
void SyncAgent<Io>::install_synced6(const SyncRecord& r) {
    const ConnTable6::Hit hit = ctx_.conns6.lookup(r.key6());
    Conn6* c = hit.dir == Direction::kInbound ? hit.conn : nullptr;
    // Templates hold no load, and synced entries count on no template here
    // (as for IPv4: templates come with their own timeouts and refreshes).
    const auto take_out = [&](Conn6* entry) {
        if (entry->state == ConnState::kTemplate) {
            --ctx_.templates_live;
        } else {
            track_.account_load(entry->rs_id, entry->service_id, entry->state, ConnState::kCount);
        }
        ctx_.conns6.erase(entry);
    };
    if (r.op == SyncOp::kRemove) {
        if (c != nullptr) {
            take_out(c);
            ctx_.counters->sync_removed.add();
        }
        return;
    }
    const uint32_t timeout = r.timeout + engine_detail::kSyncGraceSeconds;
    if (c != nullptr) {
        if (r.flags & kSyncKeepExisting) {
            ctx_.counters->sync_kept.add();
            return;
        }
        if (c->rs_ip == r.rs_ip6 && c->rs_port == r.rs_port && c->method == r.method &&
            c->rs_id == r.rs_id) {
            if (c->state != ConnState::kTemplate) {
                track_.account_load(c->rs_id, c->service_id, c->state, r.state);
            }
            c->state = r.state;
            ctx_.conns6.touch(c, ctx_.now_s, timeout);
            ctx_.counters->sync_updated.add();
            return;
        }
        take_out(c);  // now on another server: replaced below
    }
    Conn6 proto{};
    proto.client_ip = r.client_ip6;
    proto.vip = r.vip6;
    proto.rs_ip = r.rs_ip6;
    proto.client_port = r.client_port;
    proto.vport = r.vport;
    proto.rs_port = r.rs_port;
    proto.proto = r.proto;
    proto.state = r.state;
    proto.service_id = r.service_id;
    proto.rs_id = r.rs_id;
    proto.method = r.method;
    proto.has_reply_key = r.method == kMethodNat && !r.is_template();
    c = ctx_.conns6.insert(proto, ctx_.now_s, timeout);
    if (c == nullptr) {
        ctx_.counters->sync_install_failed.add();
        return;
    }
    if (r.is_template()) {
        ++ctx_.templates_live;
    } else {
        track_.account_load(c->rs_id, c->service_id, ConnState::kCount, c->state);
    }
    if (r.flags & kSyncRestored) {
        ctx_.counters->conns_restored.add();
    } else {
        ctx_.counters->sync_installed.add();
    }
}

template <class Io>
void SyncAgent<Io>::remove_entry(Conn* c, const Snapshot& snap) {
    if (c->state == ConnState::kTemplate) {
        --ctx_.templates_live;
    } else {
        track_.account_load(c->rs_id, c->service_id, c->state, ConnState::kCount);
        // Placed here through a template while this box was master.
        if (c->from_template) {
            tmpl_.release_template(c->service_id, c->rs_id, c->client_ip, snap, c->from_template);
        }
    }
    ctx_.conns.erase(c);
}

// A full transfer: every entry of the table, a slice per iteration, only
// while `out` has room for a whole slice (none of it may be lost).
template <class Io>
void SyncAgent<Io>::serve_full_sync(WorkerSyncRings& rings) {
    const uint32_t wanted = rings.full_requested.load(std::memory_order_acquire);
    if (wanted == full_served_) return;
    if (!walking_) {
        walking_ = true;
        walk_cursor_ = walk_cursor6_ = 0;
    }
    flush();
    if (rte_ring_free_count(rings.out) < engine_detail::kFullSyncSlice + kSyncBatch) return;
    if (walk_cursor_ < ctx_.conns.capacity()) {
        walk_cursor_ =
            ctx_.conns.scan(walk_cursor_, engine_detail::kFullSyncSlice, [&](const Conn& c) {
                push(SyncRecord::from_conn(c, SyncOp::kUpdate, ctx_.seconds_left(c)));
            });
    } else {
        walk_cursor6_ =
            ctx_.conns6.scan(walk_cursor6_, engine_detail::kFullSyncSlice, [&](const Conn6& c) {
                push(SyncRecord::from_conn6(c, SyncOp::kUpdate, ctx_.seconds_left(c)));
            });
    }
    flush();
    if (walk_cursor_ >= ctx_.conns.capacity() && walk_cursor6_ >= ctx_.conns6.capacity()) {
        walking_ = false;
        full_served_ = wanted;
        rings.full_done.store(wanted, std::memory_order_release);
    }
}

// On becoming VRRP master (or healing a split brain): announce each address
// on its port, so neighbours' caches and switches move to this box.
template <class Io>
void SyncAgent<Io>::send_garps(const Snapshot& snap) {
    for (const GratuitousArp& g : snap.ha.garp) {
        if (g.port >= ctx_.env.ports->ports.size()) continue;
        rte_mbuf* m = rte_pktmbuf_alloc(ctx_.pool);
        if (m == nullptr) {
            ctx_.counters->drop(DropReason::kMbufAllocFailed);
            continue;
        }
        auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kArpFrameLen));
        arp_build_request(frame, ctx_.env.ports->ports[g.port].mac, g.ip, g.ip);
        ctx_.counters->garps_sent.add();
        out_.transmit(g.port, m);
    }
    // IPv6 addresses: unsolicited Neighbor Advertisements to all nodes.
    for (const UnsolicitedNa& na : snap.ha.na) {
        if (na.port >= ctx_.env.ports->ports.size()) continue;
        rte_mbuf* m = rte_pktmbuf_alloc(ctx_.pool);
        if (m == nullptr) {
            ctx_.counters->drop(DropReason::kMbufAllocFailed);
            continue;
        }
        auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kNdAdvertFrameLen));
        nd_build_unsolicited_advert(frame, ctx_.env.ports->ports[na.port].mac, na.ip);
        ctx_.counters->unsolicited_nas_sent.add();
        out_.transmit(na.port, m);
    }
}

}  // namespace dvs::dataplane
