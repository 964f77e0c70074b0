#include "packet/nat6_rewrite.hpp"

#include <cstring>

#include "packet/checksum.hpp"

namespace dvs::dataplane {

namespace {

// One's-complement update of `csum` for 16 bytes changing from `old_v` to
// `new_v` and a 16-bit port from old_port to new_port.
uint16_t update_sum(uint16_t csum, const uint8_t* old_v, const uint8_t* new_v, uint16_t old_port,
                    uint16_t new_port) {
    uint32_t sum = static_cast<uint16_t>(~csum);
    for (int i = 0; i < 16; i += 2) {
        uint16_t o, n;
        std::memcpy(&o, old_v + i, 2);
        std::memcpy(&n, new_v + i, 2);
        sum += static_cast<uint16_t>(~o);
        sum += n;
    }
    sum += static_cast<uint16_t>(~old_port);
    sum += new_port;
    return static_cast<uint16_t>(~csum_fold(sum));
}

// addr: the address in the IPv6 header; port_off: 0 (source) or 2
// (destination), the same in TCP and UDP. Fields are read and written as
// bytes: the headers may sit at any alignment.
void rewrite(PacketView& p, uint8_t* addr, const Ip6& new_ip, unsigned port_off,
             uint16_t new_port) {
    uint8_t* checksum_at = p.l4 + (p.proto == kIpProtoTcp ? 16 : 6);
    uint16_t checksum, old_port;
    std::memcpy(&checksum, checksum_at, 2);
    std::memcpy(&old_port, p.l4 + port_off, 2);
    uint16_t c = update_sum(checksum, addr, new_ip.b, old_port, new_port);
    // UDP: a computed 0 is sent as 0xffff (0 would mean "none", which IPv6
    // forbids); TCP takes either spelling.
    if (c == 0 && p.proto == kIpProtoUdp) c = 0xffff;
    std::memcpy(checksum_at, &c, 2);
    std::memcpy(addr, new_ip.b, 16);
    std::memcpy(p.l4 + port_off, &new_port, 2);
}

}  // namespace

void nat6_rewrite_destination(PacketView& p, const Ip6& new_ip, uint16_t new_port) {
    rewrite(p, p.ip6->dst, new_ip, 2, new_port);
    p.dst_port = new_port;
}

void nat6_rewrite_source(PacketView& p, const Ip6& new_ip, uint16_t new_port) {
    rewrite(p, p.ip6->src, new_ip, 0, new_port);
    p.src_port = new_port;
}

void nat6_rewrite_ip_destination(PacketView& p, const Ip6& new_ip) {
    std::memcpy(p.ip6->dst, new_ip.b, 16);
}

void nat6_rewrite_ip_source(PacketView& p, const Ip6& new_ip) {
    std::memcpy(p.ip6->src, new_ip.b, 16);
}

}  // namespace dvs::dataplane
