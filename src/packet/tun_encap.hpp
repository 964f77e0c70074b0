#pragma once
// IP-in-IP (TUN) encapsulation and outer-packet fragmentation. Pure
// functions over bytes (no DPDK); the worker does the mbuf handling.
// Addresses in network byte order.

#include <cstdint>

#include "packet/wire.hpp"

namespace dvs::dataplane {

inline constexpr uint8_t kIpProtoIpip = 4;
inline constexpr uint8_t kTunTtl = 64;

// Writes the outer header for `inner` (inner_len bytes of IP packet): TOS and
// DF copied from the inner header, TTL 64, protocol 4, checksum computed.
void tun_write_outer(Ipv4Hdr& outer, const Ipv4Hdr& inner, uint16_t inner_len, uint32_t src,
                     uint32_t dst, uint16_t id);

// Payload bytes per fragment of an IP packet with a 20-byte header at `mtu`.
inline uint16_t fragment_payload(uint16_t mtu) { return static_cast<uint16_t>((mtu - 20) & ~7u); }

// Writes fragment `offset` (bytes into the payload, a multiple of 8) of the
// packet `outer` + `payload` (payload_len bytes) into out: a header copy with
// MF/offset/length/checksum set, then the chunk. Returns the fragment's
// length (header + chunk).
uint16_t write_fragment(uint8_t* out, const Ipv4Hdr& outer, const uint8_t* payload,
                        uint16_t payload_len, uint16_t offset, uint16_t mtu);

}  // namespace dvs::dataplane
