#pragma once
// IPv6 half of parse_frame (packet_view.hpp): the fixed header, a bounded
// walk over the extension headers, and the L4 header behind them. Pure code
// over bytes, like the IPv4 parse; never reads past the frame.
//
// What is refused, each under its own drop reason: a truncated packet or a
// payload length the frame does not hold (ipv6_malformed); more than
// kIpv6MaxExtHeaders extension headers or kIpv6MaxExtBytes of them, or a
// hop-by-hop header that is not first (ipv6_ext_chain); a routing header of
// type 0 (RFC 5095) or one with segments left, which would make us a router
// of source routes (ipv6_routing_header); the fragments that fail a guard:
// a fragment header inside a fragment (ipv6_frag_nested), a first fragment
// without the whole header chain and L4 header (RFC 7112: ipv6_frag_chain)
// or without TCP's options (frag_tiny), a TCP fragment at offset 8 bytes
// (frag_tiny_overlap), a fragment whose fragmentable part is not TCP or UDP
// itself (ipv6_fragment: not followed). A fragment that passes is kIpv6
// with frag6 set (its ports only in the first: the engine follows the rest,
// engine/fragments.hpp); an atomic fragment (offset 0, no more fragments,
// RFC 6946) is a whole packet and goes on; sources no host sends from
// (bad_source_address); the L4 checks
// of IPv4 (tcp_bad_flags, l4_malformed), plus a UDP checksum of 0, which
// IPv6 forbids (RFC 8200 8.1); an ICMPv6 checksum that does not verify
// (icmp_bad_checksum). The source :: passes only for ICMPv6: a DAD probe.

#include <cstdint>

#include "packet/packet_view.hpp"

namespace dvs::dataplane {

inline constexpr unsigned kIpv6MaxExtHeaders = 8;
inline constexpr unsigned kIpv6MaxExtBytes = 256;

// `v` has data, frame_len and eth set; `l3` points at the IPv6 header with
// `l3_avail` bytes of frame from there.
PacketView parse_ipv6(PacketView v, uint8_t* l3, uint32_t l3_avail);

// Folded one's-complement sum of the IPv6 pseudo-header (RFC 8200 8.1):
// source, destination, upper-layer length, next header.
uint32_t ipv6_pseudo_sum(const Ipv6Hdr& ip, uint32_t l4_len, uint8_t proto);

}  // namespace dvs::dataplane
