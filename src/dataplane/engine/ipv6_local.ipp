// IPv6 as it arrives: Neighbor Discovery, echo, then services (Ipv6Forward).
// Part of Engine<Io> (engine.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
void Ipv6Local<Io>::receive(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index) {
    if (v.has_ports) {
        if (fwd6_.receive(m, v, snap)) return;
        return local(m, v, snap);  // false only for our own addresses
    }
    if (v.proto == kIpProtoIcmpv6) {
        switch (nd_check_solicit(v)) {
            case NsCheck::kValid:
                learn(m, v, snap, port_index);
                return solicitation(m, v, snap, port_index);
            case NsCheck::kInvalid:
                return out_.drop(m, DropReason::kNdInvalid);
            case NsCheck::kNotNs:
                break;
        }
        const uint8_t type = v.l4_len > 0 ? v.l4[0] : 0;
        if (type == kNdNeighborAdvert) {
            if (!learn(m, v, snap, port_index)) return out_.drop(m, DropReason::kNdInvalid);
            rte_pktmbuf_free(m);  // consumed
            return;
        }
        // Router solicitations and advertisements, redirects: not used
        // (hosts solicit routers as their IPv6 comes up).
        if (type >= 133 && type <= 137) return out_.drop(m, DropReason::kNdRouterMessage);
        // MLD queries, reports and done (RFC 2710, RFC 3810): hosts report
        // their groups as their IPv6 comes up and when they add an address.
        if (type == kMldQuery || type == kMldReport || type == kMldDone || type == kMld2Report) {
            return out_.drop(m, DropReason::kIpv6Mld);
        }
        if (icmp6_is_error(v)) {
            if (!snap.is_local6(v.ip6->dst)) return fwd6_.icmp_error(m, v, snap);
            // To our own address: about the kernel's packets (its sockets),
            // except an error quoting our IPv6-in-IPv6 (TUN) traffic.
            if (icmp6_error_quotes_tunnel(v)) return out_.drop(m, DropReason::kIpv6Unhandled);
            return local(m, v, snap);
        }
        if (icmp6_is_echo_request(v) && (snap.is_local6(v.ip6->dst) || snap.is_vip6(v.ip6->dst))) {
            if (snap.is_local6(v.ip6->src)) return out_.drop(m, DropReason::kSpoofedOwnAddress);
            if (snap.ha.is_standby6(v.ip6->dst)) return out_.drop(m, DropReason::kHaBackup);
            return echo(m, v, port_index);
        }
    }
    // A VRRP advert from the wire: to the exception path, where ha.interface
    // may be this port's tap (without one: ipv6_unhandled, as before).
    if (is_vrrp_advert(v) && kernel_.to_kernel(m)) return;  // counted to_kernel
    if (snap.is_local6(v.ip6->dst)) return local(m, v, snap);
    out_.drop(m, DropReason::kIpv6Unhandled);
}

// Echo requests stay with the dataplane (above), as for IPv4; the rest for
// our addresses is the kernel's: replies to its connections and pings, its
// listening sockets. A source that is one of ours is refused first.
template <class Io>
void Ipv6Local<Io>::local(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    if (snap.is_local6(v.ip6->src) || snap.is_vip6(v.ip6->src)) {
        return out_.drop(m, DropReason::kSpoofedOwnAddress);
    }
    if (kernel_.to_kernel(m)) return;  // counted to_kernel (or kernel_rate_limited)
    out_.drop(m, DropReason::kIpv6Unhandled);
}

// RFC 4861 7.2.5 and 7.2.3: an advertisement's target link-layer address,
// a solicitation's source link-layer address. Learned (within the rules of
// Neighbors: connected subnets, the learning rate for strangers) here and
// on every other core, whose resolutions may be waiting for it.
template <class Io>
bool Ipv6Local<Io>::learn(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index) {
    const NdSender s = nd_sender(v);
    if (s.invalid) return false;
    if (!s.found) return true;
    if (snap.is_local6(s.ip.b) || snap.is_vip6(s.ip.b)) return true;  // never learn ours
    nbr_.learn6(snap, port_index, s.ip, s.mac);
    for (uint32_t w = 0; w < ctx_.env.n_workers; ++w) {
        if (w == ctx_.id) continue;
        rte_mbuf* copy = rte_pktmbuf_copy(m, ctx_.pool, 0, UINT32_MAX);
        if (copy == nullptr) {
            ctx_.counters->drop(DropReason::kMbufAllocFailed);
            continue;
        }
        copy->port = m->port;
        out_.handoff(w, copy, HandoffKind::kLearn, v);
    }
    return true;
}

template <class Io>
void Ipv6Local<Io>::learn_only(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    const NdSender s = nd_sender(v);
    if (s.found && !snap.is_local6(s.ip.b) && !snap.is_vip6(s.ip.b)) {
        nbr_.learn6(snap, ctx_.env.ports->index_of_port_id[m->port], s.ip, s.mac);
    }
    rte_pktmbuf_free(m);
}

// RFC 4861 7.2.3/7.2.4: a valid solicitation for an address of ours on this
// port is answered with a solicited advertisement (override set: the address
// is ours, not anycast). A probe from :: is duplicate address detection by
// a host that wants the address: it is not answered (that would tell it the
// address is taken, and nothing here defends addresses yet).
template <class Io>
void Ipv6Local<Io>::solicitation(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                 uint16_t port_index) {
    // Our addresses on this port, and VIPs on any port (as ARP answers them).
    if (!snap.is_local6(nd_target(v), port_index) && !snap.is_vip6(nd_target(v))) {
        return out_.drop(m, DropReason::kNdNotOurs);
    }
    static constexpr uint8_t kUnspecified[16] = {};
    if (std::memcmp(v.ip6->src, kUnspecified, 16) == 0) {
        return out_.drop(m, DropReason::kNdDadProbe);
    }
    // A VRRP address this box is BACKUP for: the master answers (as ARP).
    if (snap.ha.is_standby6(nd_target(v))) return out_.drop(m, DropReason::kHaBackup);
    // The advertisement has its own size: the solicitation's options and
    // extension headers go, a target link-layer option comes.
    const uint32_t len = rte_pktmbuf_data_len(m);
    if (len < kNdAdvertFrameLen) {
        if (rte_pktmbuf_append(m, static_cast<uint16_t>(kNdAdvertFrameLen - len)) == nullptr) {
            return out_.drop(m, DropReason::kMbufAllocFailed);
        }
    } else if (len > kNdAdvertFrameLen) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(len - kNdAdvertFrameLen));
    }
    nd_advert_in_place(rte_pktmbuf_mtod(m, uint8_t*), v, ctx_.env.ports->ports[port_index].mac);
    ctx_.counters->nd_adverts_sent.add();
    out_.transmit(port_index, m);
}

template <class Io>
void Ipv6Local<Io>::echo(rte_mbuf* m, PacketView& v, uint16_t port_index) {
    icmp6_echo_reply_in_place(v);
    std::memcpy(v.eth->dst, v.eth->src, 6);
    std::memcpy(v.eth->src, ctx_.env.ports->ports[port_index].mac, 6);
    ctx_.counters->icmp6_echo_replies.add();
    out_.transmit(port_index, m);
}

}  // namespace dvs::dataplane
