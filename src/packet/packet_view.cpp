#include "packet/packet_view.hpp"

#include <new>

#include "packet/checksum.hpp"
#include "packet/ipv6_view.hpp"

namespace dvs::dataplane {

namespace {

void refuse(PacketView& v, DropReason r) {
    v.kind = FrameKind::kDropped;
    v.drop = r;
}

}  // namespace

// The work on the caller's view: every way out leaves its result in `v`,
// so parse_frame returns one named object and the view is built straight
// in the caller's slot (returning a different PacketView per exit made the
// compiler build each on the stack and copy its 64 bytes out).
void parse_frame_into(PacketView& v, uint8_t* data, uint32_t len) {
    v.data = data;
    v.frame_len = len;
    if (len < sizeof(EthHdr)) return refuse(v, DropReason::kL2Malformed);
    v.eth = reinterpret_cast<EthHdr*>(data);
    const uint16_t type = be16(v.eth->ether_type);
    const uint32_t l3_avail = len - sizeof(EthHdr);
    uint8_t* l3 = data + sizeof(EthHdr);

    if (type == kEtherTypeArp) {
        if (l3_avail < sizeof(ArpHdr)) return refuse(v, DropReason::kArpMalformed);
        v.arp = reinterpret_cast<ArpHdr*>(l3);
        v.kind = FrameKind::kArp;
        return;
    }
    if (type != kEtherTypeIpv4) {
        if (type == kEtherTypeIpv6) {
            // parse_ipv6's result built in v's place (no copy through a
            // temporary); its argument is a copy taken before.
            ::new (&v) PacketView(parse_ipv6(v, l3, l3_avail));
            return;
        }
        return refuse(v, DropReason::kL3Unsupported);
    }

    if (l3_avail < sizeof(Ipv4Hdr)) return refuse(v, DropReason::kIpMalformed);
    v.ip = reinterpret_cast<Ipv4Hdr*>(l3);
    const uint32_t ihl = (v.ip->version_ihl & 0x0f) * 4u;
    if ((v.ip->version_ihl >> 4) != 4 || ihl < sizeof(Ipv4Hdr) || ihl > l3_avail) {
        return refuse(v, DropReason::kIpMalformed);
    }
    v.l3_len = be16(v.ip->total_length);
    // Frames may carry Ethernet padding beyond the IP packet, never less.
    if (v.l3_len < ihl || v.l3_len > l3_avail) return refuse(v, DropReason::kIpMalformed);
    if (ipv4_header_sum(v.ip, ihl) != 0xffff) {
        return refuse(v, DropReason::kIpBadChecksum);
    }
    // TTL 0 should never be on the wire: no method forwards it, DR and TUN
    // (which keep the TTL) included (RFC 1812, 4.2.2.9). TTL 1 is the
    // worker's to judge: NAT decrements it, DR/TUN do not.
    if (v.ip->ttl == 0) return refuse(v, DropReason::kTtlExceeded);
    // Sources no host sends from (RFC 1812, 5.3.7; RFC 6890): "this network"
    // 0/8 (0.0.0.0 only in DHCP, which we do not serve), loopback 127/8,
    // multicast 224/4, reserved 240/4 and limited broadcast. Nothing can
    // answer them; they are spoofed or broken. One load and two compares.
    const uint8_t src_a = static_cast<uint8_t>(be32(v.ip->src) >> 24);
    if (src_a == 0 || src_a == 127 || src_a >= 224) {
        return refuse(v, DropReason::kBadSourceAddress);
    }
    v.proto = v.ip->protocol;
    v.kind = FrameKind::kIpv4;

    const uint16_t frag = be16(v.ip->frag_off);
    if (frag & kIpFragOffsetMask) {
        // A later fragment: no L4 header here. One at offset 1 (8 bytes) of
        // TCP can only mean to overwrite the data offset and flags of the
        // header the first fragment carried (RFC 1858, 3.2; RFC 3128).
        if (v.proto == kIpProtoTcp && (frag & kIpFragOffsetMask) == 1) {
            return refuse(v, DropReason::kFragTinyOverlap);
        }
        return;
    }
    v.l4 = l3 + ihl;
    v.l4_len = static_cast<uint16_t>(v.l3_len - ihl);
    // A first fragment must carry the whole L4 header (RFC 1858's tiny
    // fragment: flags or ports pushed into the second fragment, where no
    // filter looks).
    const bool first_fragment = frag & kIpFlagMoreFragments;

    if (v.proto == kIpProtoTcp) {
        if (v.l4_len < sizeof(TcpHdr)) {
            return refuse(v, first_fragment ? DropReason::kFragTiny : DropReason::kL4Malformed);
        }
        const uint32_t doff = (v.tcp()->data_off >> 4) * 4u;
        if (doff < sizeof(TcpHdr)) return refuse(v, DropReason::kL4Malformed);
        if (doff > v.l4_len) {
            return refuse(v, first_fragment ? DropReason::kFragTiny : DropReason::kL4Malformed);
        }
        v.src_port = v.tcp()->src_port;
        v.dst_port = v.tcp()->dst_port;
        v.tcp_flags = v.tcp()->flags;
        if (tcp_flags_invalid(v.tcp_flags)) return refuse(v, DropReason::kTcpBadFlags);
        v.has_ports = true;
    } else if (v.proto == kIpProtoUdp) {
        if (v.l4_len < sizeof(UdpHdr)) {
            return refuse(v, first_fragment ? DropReason::kFragTiny : DropReason::kL4Malformed);
        }
        const uint16_t ulen = be16(v.udp()->length);
        // A first fragment carries only part of the datagram the length covers.
        if (ulen < sizeof(UdpHdr) || (ulen > v.l4_len && !first_fragment)) {
            return refuse(v, DropReason::kL4Malformed);
        }
        v.src_port = v.udp()->src_port;
        v.dst_port = v.udp()->dst_port;
        v.has_ports = true;
    } else if (v.proto == kIpProtoIcmp && !(frag & kIpFlagMoreFragments)) {
        // ICMP is rare and small: verify it here, so a corrupted error is
        // never forwarded with a freshly computed (valid) checksum by the
        // NAT rewrites of icmp_error, which recompute it. (An ICMP first
        // fragment carries only part of the message; fragments are dropped.)
        if (csum_fold(csum_partial(v.l4, v.l4_len)) != 0xffff) {
            return refuse(v, DropReason::kIcmpBadChecksum);
        }
    }
}

}  // namespace dvs::dataplane
