// Persistence templates: kept on the core of the masked client address;
// connections placed through one are counted on it until they end.
// Templates<Io> (templates.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
uint32_t Templates<Io>::template_core(const Service& svc, uint32_t client_ip) const {
    return owner_core(client_ip & svc.persistence_mask, svc.port, ctx_.env.n_workers);
}

// On the template core: pick the real server through the client's template
// (creating it if needed), then send the packet back to the flow's owner.
template <class Io>
void Templates<Io>::template_assign(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                    const Service& svc, const Ports& ports) {
    const RealServer* rs = template_pick(snap, svc, v.ip->src, ports);
    if (rs == nullptr) return track_.no_server(m, v, snap, svc);
    const uint32_t owner = owner_core(v.ip->src, ports.src, ctx_.env.n_workers);
    if (owner == ctx_.id) return track_.inbound(m, v, snap, svc, ports, rs->id);
    out_.handoff(owner, m, HandoffKind::kScheduled, v, &ports, rs->id);
}

template <class Io>
const RealServer* Templates<Io>::template_pick(const Snapshot& snap, const Service& svc,
                                               uint32_t client_ip, const Ports& ports) {
    const uint32_t masked = client_ip & svc.persistence_mask;
    const FlowKey key{masked, svc.vip, 0, svc.port,
                      static_cast<uint8_t>(svc.proto | kTemplateProtoFlag)};
    Conn* t = ctx_.conns.lookup(key).conn;
    if (t != nullptr) {
        // A template keeps pointing at its server while that server is still
        // in the pool (a quiesced one included, as IPVS does by default).
        const bool still_there =
            std::find(svc.pool.begin(), svc.pool.end(), t->rs_id) != svc.pool.end() &&
            snap.real_servers[t->rs_id].present && snap.real_servers[t->rs_id].ip == t->rs_ip;
        if (still_there) {
            ++t->controls;
            ctx_.conns.touch(t, ctx_.now_s, svc.persistence_timeout);
            return &snap.real_servers[t->rs_id];
        }
        // Its server left; later releases for it are ignored. The peer is
        // told as for an expiry, in case no new template replaces it there
        // (the insert below can fail).
        sync_.emit(*t, SyncOp::kRemove);
        ctx_.conns.erase(t);
        --ctx_.templates_live;
    }
    const int32_t pick = track_.schedule(svc, {client_ip, ports.src, svc.vip, ports.dst, {}});
    if (pick == sched::kNoBackend) return nullptr;
    const RealServer& rs = snap.real_servers[svc.pool[pick]];
    Conn proto{};
    proto.client_ip = masked;
    proto.vip = svc.vip;
    proto.vport = svc.port;
    proto.rs_ip = rs.ip;
    proto.rs_port = rs.port;
    proto.proto = static_cast<uint8_t>(svc.proto | kTemplateProtoFlag);
    proto.state = ConnState::kTemplate;
    proto.service_id = svc.id;
    proto.rs_id = rs.id;
    proto.method = rs.method;
    proto.controls = 1;
    const Conn* created = ctx_.conns.insert(proto, ctx_.now_s, svc.persistence_timeout);
    if (created == nullptr) {
        ctx_.counters->templates_failed.add();
        return &rs;  // placed without a template: persistence lost for this one
    }
    ctx_.counters->templates_created.add();
    ++ctx_.templates_live;
    sync_.emit(*created, SyncOp::kUpdate);
    return &rs;
}

// A connection placed by a template is gone: tell the template's core.
template <class Io>
void Templates<Io>::release_template(uint16_t service_id, uint32_t rs_id, uint32_t client_ip,
                                     const Snapshot& snap, uint8_t from_template) {
    if (service_id >= snap.services.size() || !snap.services[service_id].present) return;
    const Service& svc = snap.services[service_id];
    const uint32_t mask = from_template != 0 ? mask_of_mark(from_template) : svc.persistence_mask;
    const TemplateRelease r{service_id, rs_id, client_ip & mask};
    const uint32_t tcore = owner_core(client_ip & mask, svc.port, ctx_.env.n_workers);
    if (tcore == ctx_.id) return apply_release(r, snap);
    void* msg = reinterpret_cast<void*>(static_cast<uintptr_t>(r.encode()));
    if (rte_ring_sp_enqueue(ctx_.env.rings->msg[ctx_.id][tcore], msg) != 0) {
        // Ring full: the template then never sees this connection end and
        // outlives it (until its server leaves). Counted so it shows.
        ctx_.counters->template_releases_lost.add();
    }
}

template <class Io>
void Templates<Io>::apply_release(const TemplateRelease& r, const Snapshot& snap) {
    if (r.service_id >= snap.services.size() || !snap.services[r.service_id].present) return;
    const Service& svc = snap.services[r.service_id];
    const FlowKey key{r.client, svc.vip, 0, svc.port,
                      static_cast<uint8_t>(svc.proto | kTemplateProtoFlag)};
    Conn* t = ctx_.conns.lookup(key).conn;
    // A template replaced since (its server left) must not lose a count.
    if (t != nullptr && t->rs_id == r.rs_id && t->controls > 0) --t->controls;
}

// Releases other cores sent for templates this core keeps.
template <class Io>
void Templates<Io>::poll_messages(const Snapshot& snap) {
    void* msgs[Egress<Io>::kBurst];
    TemplateRelease6 msgs6[Egress<Io>::kBurst];
    for (uint32_t from = 0; from < ctx_.env.n_workers; ++from) {
        rte_ring* r = ctx_.env.rings->msg[from][ctx_.id];
        if (r == nullptr) continue;
        const unsigned n = rte_ring_sc_dequeue_burst(r, msgs, Egress<Io>::kBurst, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            apply_release(TemplateRelease::decode(reinterpret_cast<uintptr_t>(msgs[i])), snap);
        }
        rte_ring* r6 = ctx_.env.rings->msg6[from][ctx_.id];
        if (r6 == nullptr) continue;
        const unsigned n6 = rte_ring_sc_dequeue_burst_elem(r6, msgs6, sizeof(TemplateRelease6),
                                                           Egress<Io>::kBurst, nullptr);
        for (unsigned i = 0; i < n6; ++i) apply_release6(msgs6[i], snap);
    }
}

// IPv6: template_pick's twin over conns6, keyed by the client's prefix.
template <class Io>
const RealServer* Templates<Io>::template_pick6(const Snapshot& snap, const Service& svc,
                                                const Ip6& client, const Ports& ports) {
    const FlowKey6 key =
        template_key6(client, svc.persistence_prefix6, svc.vip6, svc.port, svc.proto);
    Conn6* t = ctx_.conns6.lookup(key).conn;
    if (t != nullptr) {
        const bool still_there =
            std::find(svc.pool.begin(), svc.pool.end(), t->rs_id) != svc.pool.end() &&
            snap.real_servers[t->rs_id].present && snap.real_servers[t->rs_id].ip6 == t->rs_ip;
        if (still_there) {
            ++t->controls;
            ctx_.conns6.touch(t, ctx_.now_s, svc.persistence_timeout);
            return &snap.real_servers[t->rs_id];
        }
        sync_.emit(*t, SyncOp::kRemove);  // its server left, as for IPv4
        ctx_.conns6.erase(t);
        --ctx_.templates_live;
    }
    // The schedulers see the client folded to 32 bits, as for any IPv6 flow.
    const int32_t pick =
        track_.schedule(svc, {client.fold(), ports.src, svc.vip6.fold(), ports.dst, {}});
    if (pick == sched::kNoBackend) return nullptr;
    const RealServer& rs = snap.real_servers[svc.pool[pick]];
    Conn6 proto{};
    proto.client_ip = key.src_ip;
    proto.vip = svc.vip6;
    proto.vport = svc.port;
    proto.rs_ip = rs.ip6;
    proto.rs_port = rs.port;
    proto.proto = key.proto;
    proto.state = ConnState::kTemplate;
    proto.service_id = svc.id;
    proto.rs_id = rs.id;
    proto.method = rs.method;
    proto.controls = 1;
    const Conn6* created = ctx_.conns6.insert(proto, ctx_.now_s, svc.persistence_timeout);
    if (created == nullptr) {
        ctx_.counters->templates_failed.add();
        return &rs;  // placed without a template: persistence lost for this one
    }
    ctx_.counters->templates_created.add();
    ++ctx_.templates_live;
    sync_.emit(*created, SyncOp::kUpdate);
    return &rs;
}

template <class Io>
void Templates<Io>::release_template6(uint16_t service_id, uint32_t rs_id, const Ip6& client,
                                      const Snapshot& snap, uint8_t from_template) {
    if (service_id >= snap.services.size() || !snap.services[service_id].present) return;
    const Service& svc = snap.services[service_id];
    const uint8_t prefix =
        from_template != 0 ? static_cast<uint8_t>(from_template - 1) : svc.persistence_prefix6;
    TemplateRelease6 r{client.masked(prefix), rs_id, service_id};  // DPDK's elem API takes void*
    const uint32_t tcore = owner_core(r.client, svc.port, ctx_.env.n_workers);
    if (tcore == ctx_.id) return apply_release6(r, snap);
    if (rte_ring_sp_enqueue_elem(ctx_.env.rings->msg6[ctx_.id][tcore], &r, sizeof(r)) != 0) {
        ctx_.counters->template_releases_lost.add();  // as for IPv4: the template outlives it
    }
}

template <class Io>
void Templates<Io>::apply_release6(const TemplateRelease6& r, const Snapshot& snap) {
    if (r.service_id >= snap.services.size() || !snap.services[r.service_id].present) return;
    const Service& svc = snap.services[r.service_id];
    // r.client is masked already (to the prefix the connection was placed under).
    const FlowKey6 key = template_key6(r.client, 128, svc.vip6, svc.port, svc.proto);
    Conn6* t = ctx_.conns6.lookup(key).conn;
    if (t != nullptr && t->rs_id == r.rs_id && t->controls > 0) --t->controls;
}

// As ConnTracker::on_expire does for an IPv4 template (the paper, 4.5).
template <class Io>
uint32_t Templates<Io>::expire6(const Conn6& t, const Snapshot& snap) {
    if (t.controls > 0) {
        const bool known =
            t.service_id < snap.services.size() && snap.services[t.service_id].present;
        const uint32_t timeout = known ? snap.services[t.service_id].persistence_timeout : 0;
        const uint32_t keep = timeout ? timeout : 60;
        if (sync_.on()) sync_.push(SyncRecord::from_conn6(t, SyncOp::kUpdate, keep));
        return keep;
    }
    --ctx_.templates_live;
    sync_.emit(t, SyncOp::kRemove);
    return 0;
}

}  // namespace dvs::dataplane
