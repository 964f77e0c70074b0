#include "packet/nat_rewrite.hpp"

namespace dvs::dataplane {

using nat_detail::nat_rewrite;
using nat_detail::nat_rewrite_ip;
using nat_detail::ttl_down;

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

bool decrement_ttl(Ipv4Hdr& ip) {
    if (ip.ttl <= 1) return false;
    ip.checksum = csum_adjust(ip.checksum, ttl_down(ip));
    return true;
}

}  // namespace dvs::dataplane
