#pragma once
// NAT rewrites over a parsed view, with incremental checksum updates.
//
// Inbound (client -> VIP:vport) becomes client -> RIP:rport; replies
// (RIP:rport -> client) become VIP:vport -> client. Only TCP and UDP with
// has_ports are rewritten; the caller checks. Addresses and ports are in
// network byte order. A UDP checksum of zero (none) stays zero.

#include <cstdint>

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
bool nat_forward_destination(PacketView& p, uint32_t new_ip, uint16_t new_port);
bool nat_forward_source(PacketView& p, uint32_t new_ip, uint16_t new_port);

// Decrements TTL with an incremental header checksum update. Returns false
// (and leaves the packet alone) when the TTL would reach zero.
bool decrement_ttl(Ipv4Hdr& ip);

}  // namespace dvs::dataplane
