#include "packet/nat_rewrite.hpp"

#include "packet/checksum.hpp"

namespace dvs::dataplane {

namespace {

// The L4 checksum covers the pseudo-header (addresses) and the port, so both
// changes arrive here as one delta; UDP's "no checksum" (0) must stay 0, and
// a computed 0 is sent as 0xffff (RFC 768).
void adjust_l4(PacketView& p, uint64_t delta) {
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
uint64_t ttl_down(Ipv4Hdr& ip) {
    const auto old_word = static_cast<uint16_t>(ip.ttl | (ip.protocol << 8));
    --ip.ttl;
    return csum_delta16(old_word, static_cast<uint16_t>(ip.ttl | (ip.protocol << 8)));
}

// The rewritten side: the destination (inbound) or the source (replies).
// Plain member access, not member pointers: the headers are packed and an
// address in a frame is only 2-byte aligned, which a uint32_t Ipv4Hdr::*
// no longer says (UBSan's misaligned load in fuzz_packet).
template <bool Dst>
uint32_t address(const Ipv4Hdr& ip) {
    return Dst ? ip.dst : ip.src;
}
template <bool Dst>
void set_address(Ipv4Hdr& ip, uint32_t a) {
    if constexpr (Dst) {
        ip.dst = a;
    } else {
        ip.src = a;
    }
}
// Port fields sit at the same offsets in TCP and UDP.
template <bool Dst>
uint16_t wire_port(const PacketView& p) {
    return Dst ? p.udp()->dst_port : p.udp()->src_port;
}
template <bool Dst>
void set_port(PacketView& p, uint16_t port) {
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
bool nat_rewrite(PacketView& p, uint32_t new_ip, uint16_t new_port, bool ttl) {
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
bool nat_rewrite_ip(PacketView& p, uint32_t new_ip, bool ttl) {
    if (ttl && p.ip->ttl <= 1) return false;
    const uint64_t ip_delta = ttl ? ttl_down(*p.ip) : 0;
    p.ip->checksum =
        csum_adjust(p.ip->checksum, ip_delta + csum_delta32(address<Dst>(*p.ip), new_ip));
    set_address<Dst>(*p.ip, new_ip);
    return true;
}

}  // namespace

void nat_rewrite_destination(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    nat_rewrite<true>(p, new_ip, new_port, false);
}

void nat_rewrite_source(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    nat_rewrite<false>(p, new_ip, new_port, false);
}

void nat_rewrite_ip_destination(PacketView& p, uint32_t new_ip) {
    nat_rewrite_ip<true>(p, new_ip, false);
}

void nat_rewrite_ip_source(PacketView& p, uint32_t new_ip) {
    nat_rewrite_ip<false>(p, new_ip, false);
}

bool nat_forward_destination(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    if (p.l4 != nullptr && (p.proto == kIpProtoTcp || p.proto == kIpProtoUdp)) {
        return nat_rewrite<true>(p, new_ip, new_port, true);
    }
    return nat_rewrite_ip<true>(p, new_ip, true);
}

bool nat_forward_source(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    if (p.l4 != nullptr && (p.proto == kIpProtoTcp || p.proto == kIpProtoUdp)) {
        return nat_rewrite<false>(p, new_ip, new_port, true);
    }
    return nat_rewrite_ip<false>(p, new_ip, true);
}

bool decrement_ttl(Ipv4Hdr& ip) {
    if (ip.ttl <= 1) return false;
    ip.checksum = csum_adjust(ip.checksum, ttl_down(ip));
    return true;
}

}  // namespace dvs::dataplane
