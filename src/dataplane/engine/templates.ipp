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
    for (uint32_t from = 0; from < ctx_.env.n_workers; ++from) {
        rte_ring* r = ctx_.env.rings->msg[from][ctx_.id];
        if (r == nullptr) continue;
        const unsigned n = rte_ring_sc_dequeue_burst(r, msgs, Egress<Io>::kBurst, nullptr);
        for (unsigned i = 0; i < n; ++i) {
            apply_release(TemplateRelease::decode(reinterpret_cast<uintptr_t>(msgs[i])), snap);
        }
    }
}

}  // namespace dvs::dataplane
