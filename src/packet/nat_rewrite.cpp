#include "packet/nat_rewrite.hpp"

#include "packet/checksum.hpp"

namespace dvs::dataplane {

namespace {

// The L4 checksum covers the pseudo-header (addresses) and the port, so both
// changes fold into it; UDP's "no checksum" (0) must stay 0, and a computed 0
// is sent as 0xffff (RFC 768).
void update_l4(PacketView& p, uint32_t old_ip, uint32_t new_ip, uint16_t old_port,
               uint16_t new_port) {
    if (p.proto == kIpProtoTcp) {
        TcpHdr* t = p.tcp();
        uint16_t c = csum_update32(t->checksum, old_ip, new_ip);
        t->checksum = csum_update16(c, old_port, new_port);
    } else {
        UdpHdr* u = p.udp();
        if (u->checksum == 0) return;
        uint16_t c = csum_update32(u->checksum, old_ip, new_ip);
        c = csum_update16(c, old_port, new_port);
        u->checksum = c == 0 ? 0xffff : c;
    }
}

}  // namespace

void nat_rewrite_destination(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    const uint32_t old_ip = p.ip->dst;
    const uint16_t old_port = p.dst_port;
    p.ip->dst = new_ip;
    p.ip->checksum = csum_update32(p.ip->checksum, old_ip, new_ip);
    update_l4(p, old_ip, new_ip, old_port, new_port);
    // Port fields sit at the same offsets in TCP and UDP.
    p.udp()->dst_port = new_port;
    p.dst_port = new_port;
}

void nat_rewrite_source(PacketView& p, uint32_t new_ip, uint16_t new_port) {
    const uint32_t old_ip = p.ip->src;
    const uint16_t old_port = p.src_port;
    p.ip->src = new_ip;
    p.ip->checksum = csum_update32(p.ip->checksum, old_ip, new_ip);
    update_l4(p, old_ip, new_ip, old_port, new_port);
    p.udp()->src_port = new_port;
    p.src_port = new_port;
}

void nat_rewrite_ip_destination(PacketView& p, uint32_t new_ip) {
    const uint32_t old_ip = p.ip->dst;
    p.ip->dst = new_ip;
    p.ip->checksum = csum_update32(p.ip->checksum, old_ip, new_ip);
}

void nat_rewrite_ip_source(PacketView& p, uint32_t new_ip) {
    const uint32_t old_ip = p.ip->src;
    p.ip->src = new_ip;
    p.ip->checksum = csum_update32(p.ip->checksum, old_ip, new_ip);
}

bool decrement_ttl(Ipv4Hdr& ip) {
    if (ip.ttl <= 1) return false;
    // TTL is the high byte of the 16-bit word it shares with protocol.
    const uint16_t old_word = static_cast<uint16_t>(ip.ttl | (ip.protocol << 8));
    --ip.ttl;
    const uint16_t new_word = static_cast<uint16_t>(ip.ttl | (ip.protocol << 8));
    ip.checksum = csum_update16(ip.checksum, old_word, new_word);
    return true;
}

}  // namespace dvs::dataplane
