// ARP and the neighbour cache: answering for our addresses and VIPs,
// learning on connected subnets (Neighbors::arp), resolving next hops with held
// packets (Neighbors<Io>, neighbors.hpp). Included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
void Neighbors<Io>::arp(rte_mbuf* m, PacketView& v, const Snapshot& snap, bool learn_only) {
    ArpHdr& a = *v.arp;
    if (!arp_is_valid(a)) return out_.drop(m, DropReason::kArpMalformed);
    const uint16_t port_index = env_.ports->index_of_port_id[m->port];
    // Another host claiming our address or a VIP (spoofed or misconfigured):
    // neither learned nor answered (0.0.0.0 is a probe, RFC 5227: answered).
    if (a.spa != 0 && (snap.is_local(a.spa) || snap.is_vip(a.spa))) {
        // While our VRRP instance is BACKUP the master announces it: expected.
        if (snap.ha.is_standby(a.spa)) return out_.drop(m, DropReason::kHaBackup);
        return out_.drop(m, DropReason::kArpConflict);
    }

    // Learn senders on our connected subnets only (RFC 826's merge, bounded).
    const auto nh = snap.route(a.spa);
    const bool learnable = nh && nh->port == port_index && nh->ip == a.spa && a.spa != 0;
    if (learnable) {
        learn(port_index, a.spa, a.sha);
        if (!learn_only) {
            for (uint32_t w = 0; w < env_.n_workers; ++w) {
                if (w == id_) continue;
                rte_mbuf* copy = rte_pktmbuf_copy(m, pool_, 0, UINT32_MAX);
                if (copy == nullptr) {
                    counters_.drop(DropReason::kMbufAllocFailed);
                    continue;
                }
                copy->port = m->port;
                out_.handoff(w, copy, HandoffKind::kLearn, v);  // same offsets in the copy
            }
        }
    }
    if (learn_only) {
        rte_pktmbuf_free(m);
        return;
    }
    bool ours = false;
    for (const LocalAddress& la : snap.local_addresses) {
        if (la.ip == a.tpa && la.port == port_index) ours = true;
    }
    if (be16(a.op) == kArpRequest && (ours || snap.is_vip(a.tpa))) {
        if (snap.ha.is_standby(a.tpa)) return out_.drop(m, DropReason::kHaBackup);
        arp_reply_in_place(*v.eth, a, env_.ports->ports[port_index].mac);
        counters_.arp_replies_sent.add();
        out_.transmit(port_index, m);
        return;
    }
    if (learnable) {
        rte_pktmbuf_free(m);  // a reply or announcement we learned from: consumed
        return;
    }
    out_.drop(m, DropReason::kArpIgnored);
}

template <class Io>
Neighbors<Io>::Neighbors(uint32_t id, const WorkerEnv& env, rte_mempool* pool,
                         WorkerCounters& counters, Egress<Io>& out, const uint64_t& now_tsc,
                         uint64_t tsc_hz)
    : id_(id),
      env_(env),
      pool_(pool),
      counters_(counters),
      out_(out),
      now_tsc_(now_tsc),
      ms_(tsc_hz / 1000),
      table_(std::make_unique<NeighborTable>()),
      table6_(std::make_unique<NeighborTable6>()),
      max_pending_(hold_budget(pool, env.n_workers)) {
    learn_limit_.configure(kLearnRate, kLearnBurst, tsc_hz, now_tsc);
}

// An ARP packet from `ip`: a neighbour we know (asked for, or learned) is
// confirmed and what waited for it goes. One we never asked for is learned
// only within the learning rate: spoofed announcements from a whole subnet
// must not fill the cache with live entries that cannot be evicted.
template <class Io>
template <class Table>
void Neighbors<Io>::learn_in(Table& table, uint16_t port_index, const typename Table::Address& ip,
                             const uint8_t mac[6]) {
    using Entry = typename Table::Entry;
    Entry* e = table.find(port_index, ip);
    if (e == nullptr) {
        if (!learn_limit_.take(now_tsc_)) {
            counters_.neighbor_learn_limited.add();
            return;
        }
        e = table.find_or_add(port_index, ip, now_tsc_, [this](Entry& old) {
            counters_.neighbor_evicted.add();
            forget(old);
        });
        if (e == nullptr) return;  // every slot live: packets needing it are counted when dropped
    }
    std::memcpy(e->mac, mac, 6);
    e->state = Table::State::kReachable;
    e->confirmed_tsc = now_tsc_;
    const PortInfo& port = env_.ports->ports[port_index];
    for (uint8_t i = 0; i < e->n_pending; ++i) {
        rte_mbuf* p = e->pending[i];
        engine_detail::set_eth(*rte_pktmbuf_mtod(p, EthHdr*), e->mac, port.mac,
                               engine_detail::ether_type_of(ip));
        out_.transmit(port_index, p);
    }
    pending_ -= e->n_pending;
    e->n_pending = 0;
}

// Only neighbours on a connected IPv6 subnet of the receiving port (the
// route to them is the port itself, no gateway) are learned, as for ARP.
template <class Io>
void Neighbors<Io>::learn6(const Snapshot& snap, uint16_t port_index, const Ip6& ip,
                           const uint8_t mac[6]) {
    const auto nh = snap.route6(ip);
    if (!nh || nh->port != port_index || !(nh->ip == ip)) return;
    learn_in(*table6_, port_index, ip, mac);
}

template <class Io>
inline void Neighbors<Io>::route_and_send(rte_mbuf* m, const Snapshot& snap, uint32_t dst_ip) {
    const Route* r = snap.route_to(dst_ip);
    if (r == nullptr) return out_.drop(m, DropReason::kNoRoute);
    // Through a gateway: the hop finalize worked out (no static-neighbour search).
    if (r->hop.routed) return send_hop(m, snap, r->hop);
    send(m, snap, r->port, r->via ? r->via : dst_ip);
}

template <class Io>
void Neighbors<Io>::route_and_send6(rte_mbuf* m, const Snapshot& snap, const Ip6& dst) {
    const auto nh = snap.route6(dst);
    if (!nh) return out_.drop(m, DropReason::kNoRoute);
    send6(m, snap, nh->port, nh->ip);
}

template <class Io>
template <class Table>
void Neighbors<Io>::send_in(Table& table, rte_mbuf* m, const Snapshot& snap, uint16_t port_index,
                            const typename Table::Address& nh_ip) {
    constexpr uint16_t ether_type = engine_detail::ether_type_of(typename Table::Address{});
    const PortInfo& port = env_.ports->ports[port_index];
    EthHdr& eth = *rte_pktmbuf_mtod(m, EthHdr*);
    if constexpr (ether_type == kEtherTypeIpv6) {
        if (const StaticNeighbor6* sn = snap.static_neighbor6(port_index, nh_ip)) {
            engine_detail::set_eth(eth, sn->mac, port.mac, ether_type);
            return out_.transmit(port_index, m);
        }
    } else if (const StaticNeighbor* sn = snap.static_neighbor(port_index, nh_ip)) {
        engine_detail::set_eth(eth, sn->mac, port.mac);
        return out_.transmit(port_index, m);
    }
    send_resolved(table, m, snap, port_index, nh_ip);
}

template <class Io>
inline void Neighbors<Io>::send_hop(rte_mbuf* m, const Snapshot& snap, const ServerHop& hop) {
    if (!hop.routed) return out_.drop(m, DropReason::kNoRoute);
    if (hop.static_neighbor >= 0) {
        engine_detail::set_eth(*rte_pktmbuf_mtod(m, EthHdr*),
                               snap.static_neighbors[hop.static_neighbor].mac,
                               env_.ports->ports[hop.port].mac);
        return out_.transmit(hop.port, m);
    }
    send_resolved(*table_, m, snap, hop.port, hop.ip);
}

template <class Io>
template <class Table>
void Neighbors<Io>::send_resolved(Table& table, rte_mbuf* m, const Snapshot& snap,
                                  uint16_t port_index, const typename Table::Address& nh_ip) {
    using State = typename Table::State;
    using Entry = typename Table::Entry;
    constexpr uint16_t ether_type = engine_detail::ether_type_of(typename Table::Address{});
    const PortInfo& port = env_.ports->ports[port_index];
    EthHdr& eth = *rte_pktmbuf_mtod(m, EthHdr*);
    Entry* e = table.find_or_add(port_index, nh_ip, now_tsc_, [this](Entry& old) {
        counters_.neighbor_evicted.add();
        forget(old);
    });
    if (e == nullptr) return out_.drop(m, DropReason::kNeighborTableFull);
    if (e->state == State::kIncomplete) return hold(*e, m, snap);
    e->used_tsc = now_tsc_;
    if (e->state == State::kReachable &&
        now_tsc_ - e->confirmed_tsc > engine_detail::kArpReachableMs * ms_) {
        e->state = State::kStale;
        counters_.neighbor_stale.add();
    }
    if (e->state == State::kStale) {
        // Used again after going stale: ask (the reply makes it reachable
        // again), keep sending to the MAC we know meanwhile.
        send_request(snap, port_index, nh_ip);
        e->requested_tsc = now_tsc_;
        e->queued_tsc = now_tsc_;  // probing since
        e->state = State::kProbe;
    }
    engine_detail::set_eth(eth, e->mac, port.mac, ether_type);
    out_.transmit(port_index, m);
}

template <class Io>
template <class Entry>
void Neighbors<Io>::hold(Entry& e, rte_mbuf* m, const Snapshot& snap) {
    if (e.n_pending == NeighborTable::kMaxPending || pending_ >= max_pending_ || pool_low(pool_)) {
        out_.drop(m, DropReason::kNeighborQueueFull);
    } else {
        if (e.n_pending == 0) e.queued_tsc = now_tsc_;
        e.pending[e.n_pending++] = m;
        ++pending_;
    }
    if (e.requested_tsc == 0 || now_tsc_ - e.requested_tsc > engine_detail::kArpRetryMs * ms_) {
        send_request(snap, e.port, e.ip);
        e.requested_tsc = now_tsc_;
    }
}

template <class Io>
template <class Entry>
void Neighbors<Io>::forget(Entry& e) {
    for (uint8_t i = 0; i < e.n_pending; ++i) {
        out_.drop(e.pending[i], DropReason::kNeighborUnresolved);
    }
    pending_ -= e.n_pending;
    e.state = decltype(e.state)::kEmpty;
    e.n_pending = 0;
}

template <class Io>
void Neighbors<Io>::send_request(const Snapshot& snap, uint16_t port_index, uint32_t target_ip) {
    // Source: our address on the target's subnet (the route knows it).
    uint32_t src_ip = 0;
    const auto nh = snap.route(target_ip);
    if (nh && nh->port == port_index) {
        src_ip = nh->src;
    } else {
        for (const LocalAddress& la : snap.local_addresses) {
            if (la.port == port_index) {
                src_ip = la.ip;
                break;
            }
        }
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) {
        counters_.drop(DropReason::kMbufAllocFailed);
        return;
    }
    auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kArpFrameLen));
    arp_build_request(frame, env_.ports->ports[port_index].mac, src_ip, target_ip);
    counters_.arp_requests_sent.add();
    out_.transmit(port_index, m);
}

template <class Io>
void Neighbors<Io>::send_request(const Snapshot& snap, uint16_t port_index, const Ip6& target) {
    // Source: our address facing the target (the route's), else the port's
    // first IPv6 address; none (a port without IPv6): nothing to ask from.
    Ip6 src;
    const auto nh = snap.route6(target);
    if (nh && nh->port == port_index) src = nh->src;
    if (src.is_unspecified()) {
        for (const LocalAddress6& la : snap.local_addresses6) {
            if (la.port == port_index) {
                src = Ip6::from(la.ip.data());
                break;
            }
        }
    }
    if (src.is_unspecified()) return;
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) {
        counters_.drop(DropReason::kMbufAllocFailed);
        return;
    }
    auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kNdSolicitFrameLen));
    nd_build_solicit(frame, env_.ports->ports[port_index].mac, src, target);
    counters_.nd_solicits_sent.add();
    out_.transmit(port_index, m);
}

// The life cycle (neighbor_table.hpp): an entry asked for without an
// answer for the give-up time goes (incomplete: with its waiting packets;
// probing: it was stale and nobody confirmed it), a reachable one not
// confirmed for the reachable time becomes stale, a stale one unused for
// the stale time goes. Requests are repeated every second meanwhile.
template <class Io>
void Neighbors<Io>::expire(const Snapshot& snap) {
    expire_in(*table_, snap);
    expire_in(*table6_, snap);
}

template <class Io>
template <class Table>
void Neighbors<Io>::expire_in(Table& table, const Snapshot& snap) {
    using State = typename Table::State;
    using Entry = typename Table::Entry;
    const uint64_t give_up = engine_detail::kArpGiveUpMs * ms_;
    const uint64_t retry = engine_detail::kArpRetryMs * ms_;
    table.for_each([&](Entry& e) {
        switch (e.state) {
            case State::kIncomplete:
            case State::kProbe: {
                // Asked since: created (incomplete), or went probing
                // (queued_tsc: a probing entry holds no packets).
                const uint64_t since = e.state == State::kIncomplete ? e.created_tsc : e.queued_tsc;
                if (now_tsc_ - since > give_up) {
                    counters_.neighbor_expired.add();
                    return forget(e);
                }
                if (now_tsc_ - e.requested_tsc > retry) {
                    send_request(snap, e.port, e.ip);
                    e.requested_tsc = now_tsc_;
                }
                return;
            }
            case State::kReachable:
                if (now_tsc_ - e.confirmed_tsc > engine_detail::kArpReachableMs * ms_) {
                    e.state = State::kStale;
                    counters_.neighbor_stale.add();
                }
                return;
            case State::kStale:
                if (now_tsc_ - e.used_tsc > engine_detail::kArpStaleMs * ms_) {
                    counters_.neighbor_expired.add();
                    Table::remove(e);
                }
                return;
            case State::kEmpty:
                return;
        }
    });
}

template <class Io>
void Neighbors<Io>::release_held() {
    const auto free_held = [](auto& e) {
        for (uint8_t i = 0; i < e.n_pending; ++i) rte_pktmbuf_free(e.pending[i]);
        e.n_pending = 0;
    };
    table_->for_each(free_held);
    table6_->for_each(free_held);
    pending_ = 0;
}

}  // namespace dvs::dataplane
