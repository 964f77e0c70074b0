#include "packet/ipv6_view.hpp"

#include <cstring>

#include "packet/checksum.hpp"

namespace dvs::dataplane {

namespace {

bool is_unspecified(const uint8_t* a) {
    static constexpr uint8_t kZero[16] = {};
    return std::memcmp(a, kZero, 16) == 0;
}

// Sources no host sends from: multicast, loopback, IPv4-mapped (RFC 4291
// 2.5.5.2: never on the wire). The unspecified address is judged later.
bool is_bad_source(const uint8_t* a) {
    static constexpr uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return a[0] == 0xff || std::memcmp(a, kLoopback, 16) == 0 || std::memcmp(a, kMapped, 12) == 0;
}

}  // namespace

uint32_t ipv6_pseudo_sum(const Ipv6Hdr& ip, uint32_t l4_len, uint8_t proto) {
    uint32_t sum = csum_partial(ip.src, 16);
    sum = csum_partial(ip.dst, 16, sum);
    const uint32_t tail[2] = {be32(l4_len), be32(proto)};
    return csum_partial(tail, sizeof tail, sum);
}

PacketView parse_ipv6(PacketView v, uint8_t* l3, uint32_t l3_avail) {
    if (l3_avail < sizeof(Ipv6Hdr)) return dropped(v, DropReason::kIpv6Malformed);
    v.ip6 = reinterpret_cast<Ipv6Hdr*>(l3);
    const Ipv6Hdr& ip = *v.ip6;
    if ((be32(ip.vtc_flow) >> 28) != 6) return dropped(v, DropReason::kIpv6Malformed);
    // Frames may carry Ethernet padding beyond the packet, never less. A
    // jumbogram (payload length 0 with a hop-by-hop option) is not for us.
    const uint32_t payload = be16(ip.payload_len);
    if (payload == 0 || sizeof(Ipv6Hdr) + payload > l3_avail) {
        return dropped(v, DropReason::kIpv6Malformed);
    }
    v.l3_len = static_cast<uint16_t>(sizeof(Ipv6Hdr) + payload);
    if (ip.hop_limit == 0) return dropped(v, DropReason::kTtlExceeded);
    if (is_bad_source(ip.src)) return dropped(v, DropReason::kBadSourceAddress);

    // The extension header chain, bounded in count and bytes.
    uint8_t next = ip.next_header;
    uint32_t off = sizeof(Ipv6Hdr);
    unsigned headers = 0;
    // A first fragment must hold the whole chain up to the L4 header (RFC
    // 7112): what it lacks is a truncation the reassembled packet would
    // not have, and no filter could see.
    DropReason cut = DropReason::kIpv6Malformed;
    bool first_fragment = false;
    bool fragment_seen = false;
    while (next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestOptions ||
           next == kIpv6FragmentHdr) {
        if (++headers > kIpv6MaxExtHeaders) return dropped(v, DropReason::kIpv6ExtChain);
        // RFC 8200 4.1: hop-by-hop only right after the IPv6 header.
        if (next == kIpv6HopByHop && headers != 1) return dropped(v, DropReason::kIpv6ExtChain);
        if (off + 8 > v.l3_len) return dropped(v, cut);
        const uint8_t* h = l3 + off;
        if (next == kIpv6FragmentHdr) {
            // A fragment inside a fragment: no sender makes one (RFC 8200
            // 4.5 fragments once, at the source).
            if (fragment_seen) return dropped(v, DropReason::kIpv6FragNested);
            fragment_seen = true;
            if (off + 8 - sizeof(Ipv6Hdr) > kIpv6MaxExtBytes) {
                return dropped(v, DropReason::kIpv6ExtChain);
            }
            const uint16_t frag = static_cast<uint16_t>(h[2] << 8 | h[3]);
            const uint16_t frag_offset = frag >> 3;
            const bool more = frag & 1;
            if (frag_offset == 0 && !more) {  // an atomic fragment (RFC 6946): a whole packet
                next = h[0];
                off += 8;
                continue;
            }
            if (frag_offset != 0) {
                // A later fragment: no L4 header. One at 8 bytes into TCP can
                // only mean to overwrite the flags (RFC 1858, as for IPv4).
                if (h[0] == kIpProtoTcp && frag_offset == 1) {
                    return dropped(v, DropReason::kFragTinyOverlap);
                }
                // Followed to its connection (engine/fragments.hpp) when its
                // fragmentable part is TCP or UDP itself.
                if (h[0] != kIpProtoTcp && h[0] != kIpProtoUdp) {
                    return dropped(v, DropReason::kIpv6Fragment);
                }
                if (is_unspecified(ip.src)) return dropped(v, DropReason::kBadSourceAddress);
                v.proto = h[0];
                v.frag6 = static_cast<uint16_t>(off);
                v.kind = FrameKind::kIpv6;
                return v;
            }
            first_fragment = true;
            v.frag6 = static_cast<uint16_t>(off);
            cut = DropReason::kIpv6FragChain;
            next = h[0];
            off += 8;
            continue;
        }
        const uint32_t len = (h[1] + 1u) * 8u;
        if (next == kIpv6Routing && (h[2] == 0 || h[3] != 0)) {
            return dropped(v, DropReason::kIpv6RoutingHeader);  // type 0, or segments left
        }
        if (off + len - sizeof(Ipv6Hdr) > kIpv6MaxExtBytes) {
            return dropped(v, DropReason::kIpv6ExtChain);
        }
        if (off + len > v.l3_len) return dropped(v, cut);
        next = h[0];
        off += len;
    }
    v.proto = next;
    v.l4 = l3 + off;
    v.l4_len = static_cast<uint16_t>(v.l3_len - off);
    // Only a DAD probe (ICMPv6 Neighbor Solicitation) comes from ::.
    if (is_unspecified(ip.src) && next != kIpProtoIcmpv6) {
        return dropped(v, DropReason::kBadSourceAddress);
    }

    if (first_fragment) {
        // The chain's L4 header must be whole here too (RFC 7112), TCP's
        // options included (RFC 1858's tiny fragment, as for IPv4).
        const uint32_t fixed = next == kIpProtoTcp   ? sizeof(TcpHdr)
                               : next == kIpProtoUdp ? sizeof(UdpHdr)
                                                     : 0;
        if (v.l4_len < fixed) return dropped(v, DropReason::kIpv6FragChain);
        if (next == kIpProtoTcp && (v.tcp()->data_off >> 4) * 4u > v.l4_len) {
            return dropped(v, DropReason::kFragTiny);
        }
        // Only TCP and UDP are followed, and only when they are the whole
        // fragmentable part (what the later fragments name too).
        const uint8_t carried = v.frag6_hdr()->next_header;
        if (carried != kIpProtoTcp && carried != kIpProtoUdp) {
            return dropped(v, DropReason::kIpv6Fragment);
        }
    }
    if (next == kIpProtoTcp) {
        if (v.l4_len < sizeof(TcpHdr)) return dropped(v, DropReason::kL4Malformed);
        const uint32_t doff = (v.tcp()->data_off >> 4) * 4u;
        if (doff < sizeof(TcpHdr) || doff > v.l4_len) return dropped(v, DropReason::kL4Malformed);
        v.src_port = v.tcp()->src_port;
        v.dst_port = v.tcp()->dst_port;
        v.tcp_flags = v.tcp()->flags;
        if (tcp_flags_invalid(v.tcp_flags)) return dropped(v, DropReason::kTcpBadFlags);
        v.has_ports = true;
    } else if (next == kIpProtoUdp) {
        if (v.l4_len < sizeof(UdpHdr)) return dropped(v, DropReason::kL4Malformed);
        const uint16_t ulen = be16(v.udp()->length);
        // A first fragment carries the start of the datagram UDP's length covers.
        const uint32_t carried = first_fragment ? 0xffff : v.l4_len;
        if (ulen < sizeof(UdpHdr) || ulen > carried || v.udp()->checksum == 0) {
            return dropped(v, DropReason::kL4Malformed);
        }
        v.src_port = v.udp()->src_port;
        v.dst_port = v.udp()->dst_port;
        v.has_ports = true;
    } else if (next == kIpProtoIcmpv6) {
        // Small and rare, and answered by us: verified here, as ICMP is.
        if (v.l4_len < 4) return dropped(v, DropReason::kIpv6Malformed);
        const uint32_t sum = ipv6_pseudo_sum(ip, v.l4_len, kIpProtoIcmpv6);
        if (csum_fold(csum_partial(v.l4, v.l4_len, sum)) != 0xffff) {
            return dropped(v, DropReason::kIcmpBadChecksum);
        }
    }
    v.kind = FrameKind::kIpv6;
    return v;
}

}  // namespace dvs::dataplane
