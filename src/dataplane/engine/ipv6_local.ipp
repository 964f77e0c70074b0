// IPv6 for the balancer itself: Neighbor Discovery and echo.
// Part of Engine<Io> (engine.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
void Ipv6Local<Io>::receive(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index) {
    if (v.proto == kIpProtoIcmpv6) {
        switch (nd_check_solicit(v)) {
            case NsCheck::kValid:
                return solicitation(m, v, snap, port_index);
            case NsCheck::kInvalid:
                return out_.drop(m, DropReason::kNdInvalid);
            case NsCheck::kNotNs:
                break;
        }
        // Router and neighbour advertisements, redirects: nothing uses
        // them until IPv6 forwarding has a neighbour table.
        const uint8_t type = v.l4_len > 0 ? v.l4[0] : 0;
        if (type >= 133 && type <= 137) return out_.drop(m, DropReason::kNdNotOurs);
        if (icmp6_is_echo_request(v) && snap.is_local6(v.ip6->dst)) {
            if (snap.is_local6(v.ip6->src)) return out_.drop(m, DropReason::kSpoofedOwnAddress);
            return echo(m, v, port_index);
        }
    }
    out_.drop(m, DropReason::kIpv6Unhandled);
}

// RFC 4861 7.2.3/7.2.4: a valid solicitation for an address of ours on this
// port is answered with a solicited advertisement (override set: the address
// is ours, not anycast). A probe from :: is duplicate address detection by
// a host that wants the address: it is not answered (that would tell it the
// address is taken, and nothing here defends addresses yet).
template <class Io>
void Ipv6Local<Io>::solicitation(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                 uint16_t port_index) {
    if (!snap.is_local6(nd_target(v), port_index)) return out_.drop(m, DropReason::kNdNotOurs);
    static constexpr uint8_t kUnspecified[16] = {};
    if (std::memcmp(v.ip6->src, kUnspecified, 16) == 0) {
        return out_.drop(m, DropReason::kNdDadProbe);
    }
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
