#pragma once
// NAT rewrites over a parsed view, with incremental checksum updates.
//
// Inbound (client -> VIP:vport) becomes client -> RIP:rport; replies
// (RIP:rport -> client) become VIP:vport -> client. Only TCP and UDP with
// has_ports are rewritten; the caller checks. Addresses and ports are in
// network byte order. A UDP checksum of zero (none) stays zero.

#include <cstdint>

#include "packet/checksum.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

void nat_rewrite_destination(PacketView& p, uint32_t new_ip, uint16_t new_port);
void nat_rewrite_source(PacketView& p, uint32_t new_ip, uint16_t new_port);

// For later fragments, which carry no L4 header: the address only (the L4
// checksum sits in the first fragment and was updated there).
void nat_rewrite_ip_destination(PacketView& p, uint32_t new_ip);
void nat_rewrite_ip_source(PacketView& p, uint32_t new_ip);

// A router hop towards the real server (inbound) or the client (replies):
// TTL down by one and the destination (or source) rewritten, one checksum
// update per header for both. A packet without its L4 header (a later
// fragment) gets the address only. Returns false, the packet untouched,
// when the TTL would reach zero.
// Inline: every NAT packet of an established connection takes one.
[[gnu::always_inline]] inline bool nat_forward_destination(PacketView& p, uint32_t new_ip,
                                                           uint16_t new_port);
[[gnu::always_inline]] inline bool nat_forward_source(PacketView& p, uint32_t new_ip,
                                                      uint16_t new_port);

// Decrements TTL with an incremental header checksum update. Returns false
// (and leaves the packet alone) when the TTL would reach zero.
bool decrement_ttl(Ipv4Hdr& ip);

// The rewrites' parts, inline for the two hops above (nat_rewrite.cpp
// builds the rest from them).
namespace nat_detail {

// The L4 checksum covers the pseudo-header (addresses) and the port, so both
// changes arrive here as one delta; UDP's "no checksum" (0) must stay 0, and
// a computed 0 is sent as 0xffff (RFC 768).
[[gnu::always_inline]] inline void adjust_l4(PacketView& p, uint64_t delta) {
    if (p.proto == kIpProtoTcp) {
        TcpHdr* t = p.tcp();
        t->checksum = csum_adjust(t->checksum, delta);
    } else {
        UdpHdr* u = p.udp();
        if (u->checksum == 0) return;
        const uint16_t c = csum_adjust(u->checksum, delta);
        u->checksum = c == 0 ? 0xffff : c;
    }
}

// TTL down by one (the caller checked it is above 1); returns the header
// checksum's term for it. TTL is the high byte of the 16-bit word it shares
// with protocol.
inline uint64_t ttl_down(Ipv4Hdr& ip) {
    const auto old_word = static_cast<uint16_t>(ip.ttl | (ip.protocol << 8));
    --ip.ttl;
    return csum_delta16(old_word, static_cast<uint16_t>(ip.ttl | (ip.protocol << 8)));
}

// The rewritten side: the destination (inbound) or the source (replies).
// Plain member access, not member pointers: the headers are packed and an
// address in a frame is only 2-byte aligned, which a uint32_t Ipv4Hdr::*
// no longer says (UBSan's misaligned load in fuzz_packet).
template <bool Dst>
inline uint32_t address(const Ipv4Hdr& ip) {
    return Dst ? ip.dst : ip.src;
}
template <bool Dst>
inline void set_address(Ipv4Hdr& ip, uint32_t a) {
    if constexpr (Dst) {
        ip.dst = a;
    } else {
        ip.src = a;
    }
}
// Port fields sit at the same offsets in TCP and UDP.
template <bool Dst>
inline uint16_t wire_port(const PacketView& p) {
    return Dst ? p.udp()->dst_port : p.udp()->src_port;
}
template <bool Dst>
inline void set_port(PacketView& p, uint16_t port) {
    if constexpr (Dst) {
        p.udp()->dst_port = port;
        p.dst_port = port;
    } else {
        p.udp()->src_port = port;
        p.src_port = port;
    }
}

// Address and port of one side; with `ttl`, also TTL down by one, in the
// same checksum update.
template <bool Dst>
[[gnu::always_inline]] inline bool nat_rewrite(PacketView& p, uint32_t new_ip, uint16_t new_port,
                                               bool ttl) {
    if (ttl && p.ip->ttl <= 1) return false;
    const uint64_t ip_delta = ttl ? ttl_down(*p.ip) : 0;
    const uint64_t addr_delta = csum_delta32(address<Dst>(*p.ip), new_ip);
    p.ip->checksum = csum_adjust(p.ip->checksum, ip_delta + addr_delta);
    adjust_l4(p, addr_delta + csum_delta16(wire_port<Dst>(p), new_port));
    set_address<Dst>(*p.ip, new_ip);
    set_port<Dst>(p, new_port);
    return true;
}

template <bool Dst>
[[gnu::always_inline]] inline bool nat_rewrite_ip(PacketView& p, uint32_t new_ip, bool ttl) {
    if (ttl && p.ip->ttl <= 1) return false;
    const uint64_t ip_delta = ttl ? ttl_down(*p.ip) : 0;
    p.ip->checksum =
        csum_adjust(p.ip->checksum, ip_delta + csum_delta32(address<Dst>(*p.ip), new_ip));
    set_address<Dst>(*p.ip, new_ip);
    return true;
}

}  // namespace nat_detail

inline bool nat_forward_destination(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    if (p.l4 != nullptr && (p.proto == kIpProtoTcp || p.proto == kIpProtoUdp)) {
        return nat_detail::nat_rewrite<true>(p, new_ip, new_port, true);
    }
    return nat_detail::nat_rewrite_ip<true>(p, new_ip, true);
}

inline bool nat_forward_source(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    if (p.l4 != nullptr && (p.proto == kIpProtoTcp || p.proto == kIpProtoUdp)) {
        return nat_detail::nat_rewrite<false>(p, new_ip, new_port, true);
    }
    return nat_detail::nat_rewrite_ip<false>(p, new_ip, true);
}

}  // namespace dvs::dataplane
