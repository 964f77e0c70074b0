#pragma once
// IP-in-IP and IPv6-in-IPv6 (TUN) encapsulation, and outer-packet
// fragmentation (IPv4). Pure
// functions over bytes (no DPDK); the worker does the mbuf handling.
// Addresses in network byte order.

#include <cstdint>

#include "packet/checksum.hpp"
#include "packet/flow_key.hpp"
#include "packet/wire.hpp"

namespace dvs::dataplane {

inline constexpr uint8_t kIpProtoIpip = 4;
inline constexpr uint8_t kTunTtl = 64;

// Writes the outer header for `inner` (inner_len bytes of IP packet): TOS and
// DF copied from the inner header, TTL 64, protocol 4, checksum computed.
// Inline, with the fixed 20-byte sum: every TUN packet writes one, and the
// generic byte-pair loop it replaced cost about 50 instructions a packet.
[[gnu::always_inline]] inline void tun_write_outer(Ipv4Hdr& outer, const Ipv4Hdr& inner,
                                                   uint16_t inner_len, uint32_t src, uint32_t dst,
                                                   uint16_t id) {
    outer.version_ihl = 0x45;
    outer.tos = inner.tos;
    outer.total_length = be16(static_cast<uint16_t>(inner_len + sizeof(Ipv4Hdr)));
    outer.id = be16(id);
    // DF travels with the inner packet so path MTU discovery keeps working
    // end to end (RFC 2003, 5.1).
    outer.frag_off = be16(be16(inner.frag_off) & kIpFlagDontFragment);
    outer.ttl = kTunTtl;
    outer.protocol = kIpProtoIpip;
    outer.src = src;
    outer.dst = dst;
    outer.checksum = 0;
    outer.checksum = static_cast<uint16_t>(~ipv4_header_sum20(&outer));
}

// IPv6-in-IPv6 (RFC 2473): the outer header for `inner` (inner_len bytes
// of IPv6 packet): traffic class and flow label copied from the inner
// header (the flow stays one flow on the path, RFC 6438's aim), hop limit
// 64, next header 41. No extension headers: no tunnel encapsulation limit
// option (we never nest tunnels).
inline constexpr uint8_t kTun6HopLimit = 64;
void tun6_write_outer(Ipv6Hdr& outer, const Ipv6Hdr& inner, uint16_t inner_len, const Ip6& src,
                      const Ip6& dst);

// The ICMPv6 Packet Too Big MTU for a tunnel over a link of `link_mtu`:
// what is left for the inner packet, never below the IPv6 minimum (a path
// below it is the tunnel's to fragment, RFC 2473 7.1; we do not).
inline uint16_t tun6_inner_mtu(uint16_t link_mtu) {
    const int inner = int{link_mtu} - int{sizeof(Ipv6Hdr)};
    return static_cast<uint16_t>(inner < kIpv6MinMtu ? kIpv6MinMtu : inner);
}

// Payload bytes per fragment of an IP packet with a 20-byte header at `mtu`.
inline uint16_t fragment_payload(uint16_t mtu) { return static_cast<uint16_t>((mtu - 20) & ~7u); }

// Writes fragment `offset` (bytes into the payload, a multiple of 8) of the
// packet `outer` + `payload` (payload_len bytes) into out: a header copy with
// MF/offset/length/checksum set, then the chunk. Returns the fragment's
// length (header + chunk).
uint16_t write_fragment(uint8_t* out, const Ipv4Hdr& outer, const uint8_t* payload,
                        uint16_t payload_len, uint16_t offset, uint16_t mtu);

}  // namespace dvs::dataplane
