#pragma once
// ARP frames: building requests and turning a request into a reply in place.
// Pure functions over bytes (no DPDK). Addresses in network byte order.

#include <cstdint>

#include "packet/wire.hpp"

namespace dvs::dataplane {

inline constexpr uint32_t kArpFrameLen = 60;  // Ethernet minimum, padded

// True for an Ethernet/IPv4 ARP header we can use.
bool arp_is_valid(const ArpHdr& a);

// Writes a broadcast who-has `target_ip` frame of kArpFrameLen bytes.
void arp_build_request(uint8_t* frame, const uint8_t our_mac[6], uint32_t our_ip,
                       uint32_t target_ip);

// Rewrites the request in `frame` into the reply "target_ip is at our_mac".
void arp_reply_in_place(EthHdr& eth, ArpHdr& arp, const uint8_t our_mac[6]);

}  // namespace dvs::dataplane
