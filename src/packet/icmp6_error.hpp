#pragma once
// ICMPv6 errors about connections of IPv6 services (RFC 4443: Destination
// Unreachable, Packet Too Big, Time Exceeded, Parameter Problem), the IPv6
// half of icmp_error.hpp. Pure functions over a parsed view; addresses and
// ports in network byte order.
//
// An error quotes as much of the offending packet as fits 1280 bytes.
// Reversing the quoted tuple gives the connection's key: from outside (a
// router on the client's path, quoting VIP -> client) its inbound key;
// from a NAT66 real server (quoting client -> RS) its reply key.

#include <cstdint>

#include "packet/flow_key.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

struct QuotedPacket6 {
    Ipv6Hdr* ip = nullptr;  // inside the ICMPv6 message
    uint8_t* l4 = nullptr;  // the quoted TCP/UDP header: ports at offsets 0 and 2
    uint16_t l4_len = 0;    // quoted bytes from l4 (at least 8)
    FlowKey6 reversed;      // the quoted tuple, reversed
};

// An ICMPv6 error message (types 1 to 4) with its 8-byte header.
bool icmp6_is_error(const PacketView& p);

// Parses the quoted packet of an ICMPv6 error: an IPv6 header, extension
// headers (hop-by-hop, routing, destination options; within the bounds of
// parse_ipv6, never a fragment), then TCP or UDP with at least its 8 first
// bytes. False for anything else.
bool icmp6_parse_quoted(const PacketView& p, QuotedPacket6& q);

// From outside to a NAT66 real server: outer destination VIP -> rs_ip,
// quoted source VIP:vport -> rs_ip:rs_port (the quoted L4 checksum updated
// when the quote holds it), ICMPv6 checksum recomputed.
void icmp6_error_nat_inbound(PacketView& p, QuotedPacket6& q, const Ip6& rs_ip, uint16_t rs_port);

// From a NAT66 real server to the client: outer source RS -> VIP, quoted
// destination RS:rport -> VIP:vport.
void icmp6_error_nat_reply(PacketView& p, QuotedPacket6& q, const Ip6& vip, uint16_t vport);

}  // namespace dvs::dataplane
