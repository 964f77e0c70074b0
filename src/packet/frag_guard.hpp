#pragma once
// What a later fragment may not change (RFC 1858, RFC 3128).
//
// The dataplane does not reassemble: the fragment core (frag_table.hpp)
// learns a datagram's ports from its first fragment and sends every
// fragment of it to that connection. The real server reassembles, and
// where fragments overlap its stack picks which bytes win (Linux: drops
// the datagram; others: first or last wins). So no fragment may be allowed
// to reach it that could replace the L4 header we decided on:
//   - a TCP fragment at offset 8 bytes (flags, data offset): parse_frame,
//     frag_tiny_overlap;
//   - a first fragment without the whole L4 header: parse_frame, frag_tiny;
//   - a later fragment starting inside the first fragment's L4 header
//     (TCP options, checksum, or a longer header), or a second first
//     fragment with other ports: frag_overlap (here).
// Overlaps in the payload are left to the real server, as a router would.
// IPv6 fragments (RFC 8200 4.5) are followed the same way: the fragment
// header holds what IPv4's header does (id, offset, more), and an offset
// counts from the fragmentable part as IPv4's counts from the L4 header.
// Pure code, unit-tested without EAL.

#include <cstdint>

#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// What either family's header says about a fragment (v accepted by
// parse_frame, an IPv4 fragment or an IPv6 one with frag6 set).
struct FragFields {
    uint32_t id;       // IPv4: 16 bits; network byte order either way
    uint16_t offset8;  // in 8-byte units
    bool more;
    uint32_t bytes;  // what it carries of the datagram (IPv6: of the fragmentable part)
};

inline FragFields frag_fields(const PacketView& v) {
    if (v.kind == FrameKind::kIpv6) {
        const Ipv6FragHdr& h = *v.frag6_hdr();
        const uint16_t om = be16(h.offset_m);
        return {h.id, static_cast<uint16_t>(om >> 3), (om & 1) != 0,
                static_cast<uint32_t>(v.l3_len - v.frag6 - sizeof(Ipv6FragHdr))};
    }
    const uint16_t fo = be16(v.ip->frag_off);
    return {v.ip->id, static_cast<uint16_t>(fo & kIpFragOffsetMask),
            (fo & kIpFlagMoreFragments) != 0,
            uint32_t{v.l3_len} - uint32_t{static_cast<uint8_t>(v.ip->version_ihl & 0x0f)} * 4};
}

// Bytes of L4 header a first fragment carries (parse_frame checked they are
// all there): the TCP data offset, or 8 for UDP.
inline uint8_t frag_l4_header_len(const PacketView& v) {
    if (v.proto == kIpProtoTcp) return static_cast<uint8_t>((v.tcp()->data_off >> 4) * 4u);
    return static_cast<uint8_t>(sizeof(UdpHdr));
}

// A later fragment whose data would start inside the first one's L4 header.
inline bool frag_overlaps_header(uint16_t frag_off_field, uint8_t l4_header_len) {
    return (frag_off_field & kIpFragOffsetMask) * 8u < l4_header_len;
}

// A first fragment seen again: the same ports are a duplicate (forwarded
// like any retransmission); other ports would move the datagram.
inline bool frag_first_conflicts(uint16_t known_src, uint16_t known_dst, const PacketView& v) {
    return v.src_port != known_src || v.dst_port != known_dst;
}

}  // namespace dvs::dataplane
