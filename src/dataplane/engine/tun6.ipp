// TUN for IPv6 services: IPv6-in-IPv6 (RFC 2473) to the real server, within
// the egress MTU; Packet Too Big to the client otherwise.
// Part of Ipv6Forward<Io> (ipv6_forward.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// The client's packet unchanged (hop limit too: as for IPv4 TUN, the
// tunnel is no hop of the inner packet) behind an outer IPv6 header from
// our address facing the next hop, routed like anything else (a gateway is
// fine). IPv6 routers never fragment (RFC 8200 5), and the outer packet is
// ours to send: one that would not fit the egress link is dropped and the
// client told the MTU that fits (RFC 4443 3.2, RFC 2473 7.1), so its
// kernel lowers its path MTU to the VIP and sends smaller packets.
template <class Io>
void Ipv6Forward<Io>::forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                  const Conn6& c) {
    const auto nh = snap.route6(c.rs_ip);
    if (!nh || nh->src.is_unspecified()) return out_.drop(m, DropReason::kNoRoute);
    const uint16_t mtu = ctx_.env.ports->ports[nh->port].mtu;
    const uint16_t inner_len = v.l3_len;
    if (inner_len + sizeof(Ipv6Hdr) > mtu) {
        if (send_error(v, snap, kIcmp6PacketTooBig, tun6_inner_mtu(mtu))) {
            ctx_.counters->icmp6_packet_too_big.add();
        }
        return out_.drop(m, DropReason::kPacketTooBig);
    }
    // Ethernet padding must not become part of the tunnelled packet.
    const uint32_t frame_len = sizeof(EthHdr) + inner_len;
    if (rte_pktmbuf_data_len(m) > frame_len) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - frame_len));
    }
    const Ipv6Hdr inner = *v.ip6;
    auto* front = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, sizeof(Ipv6Hdr)));
    if (front == nullptr) return out_.drop(m, DropReason::kMbufAllocFailed);  // no headroom
    std::memmove(front, front + sizeof(Ipv6Hdr), sizeof(EthHdr));
    auto* outer = reinterpret_cast<Ipv6Hdr*>(front + sizeof(EthHdr));
    tun6_write_outer(*outer, inner, inner_len, nh->src, c.rs_ip);
    nbr_.send6(m, snap, nh->port, nh->ip);
}

}  // namespace dvs::dataplane
