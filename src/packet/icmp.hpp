#pragma once
// ICMP handled by the balancer itself. Pure functions over a parsed view.

#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// True if `p` is a well-formed ICMP echo request.
bool icmp_is_echo_request(const PacketView& p);

// Turns an echo request into its reply in place: addresses swapped, type 0,
// TTL 64, checksums updated. The Ethernet header is left for the sender.
void icmp_echo_reply_in_place(PacketView& p);

}  // namespace dvs::dataplane
