#pragma once
// NAT66: address and port rewrites of an IPv6 packet with incremental
// TCP/UDP checksum updates. IPv6 has no header checksum; the L4 checksum
// covers the pseudo-header (both 128-bit addresses), so an address change
// folds into it as eight 16-bit word changes (RFC 1624). UDP over IPv6
// always carries a checksum (parse_ipv6 refuses 0).

#include <cstdint>

#include "packet/flow_key.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// `p` is a parsed IPv6 TCP or UDP packet (kIpv6, has_ports).
void nat6_rewrite_destination(PacketView& p, const Ip6& new_ip, uint16_t new_port);
void nat6_rewrite_source(PacketView& p, const Ip6& new_ip, uint16_t new_port);

// A later fragment (no L4 header): the address alone. Its datagram's
// checksum is in the first fragment, which the rewrite above updated for
// the same change.
void nat6_rewrite_ip_destination(PacketView& p, const Ip6& new_ip);
void nat6_rewrite_ip_source(PacketView& p, const Ip6& new_ip);

// A router hop: false (and nothing changed) when the hop limit is 1 or 0,
// which the packet may not pass (answered with Time Exceeded).
inline bool decrement_hop_limit(Ipv6Hdr& ip) {
    if (ip.hop_limit <= 1) return false;
    --ip.hop_limit;
    return true;
}

}  // namespace dvs::dataplane
