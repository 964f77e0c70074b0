#pragma once
// TCP resets written over the segment that provokes them.
//
// Used when a connection must end now rather than drain (a real server left
// a service that says `on_remove: reset`): both ends get a reset they will
// accept (RFC 9293, 3.10.7.1 and "Reset Generation") and no data is
// forwarded. Pure code over a PacketView, like the other rewrites.

#include <cstdint>

#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// Both rewrite the TCP segment `v` (v.has_ports, TCP, not a fragment) into a
// bare reset: IP options and payload dropped, checksums recomputed, `v`
// updated. Each returns the new IP total length (the frame becomes
// 14 + that many bytes).

// A reset from the segment's destination back to its source (addresses and
// ports swapped, TTL 64). If the segment carried ACK, the reset's sequence
// number is that ack; otherwise it is RST|ACK acknowledging the segment.
uint16_t tcp_reset_to_sender(PacketView& v);
// The same for an IPv6 segment (kIpv6, not a fragment): extension headers
// dropped, hop limit 64, traffic class and flow label 0; returns 40 + 20.
uint16_t tcp6_reset_to_sender(PacketView& v);

// A reset that continues the segment's way, to its destination, in the
// sender's sequence space (same addresses, ports, TTL and sequence number),
// for the receiver to accept as the next segment.
uint16_t tcp_reset_onward(PacketView& v);

}  // namespace dvs::dataplane
