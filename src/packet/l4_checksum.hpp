#pragma once
// Full TCP/UDP checksum verification, for the sampled audit of ports whose
// device verifies nothing (net_af_packet, net_null): a sender that leaves
// checksum offload on (a veth lab without `ethtool -K IF tx off`) hands us
// segments whose checksum field holds only the pseudo-header sum. NAT's
// incremental update keeps such a checksum wrong, and the real server drops
// the packet; the audit is how dvsd says so instead of staying silent.

#include <cstdint>

#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// The pseudo-header's one's-complement sum (RFC 793 / RFC 768): addresses,
// protocol and L4 length, not folded.
uint32_t pseudo_header_sum(const Ipv4Hdr& ip, uint8_t proto, uint16_t l4_len);

enum class L4ChecksumCheck : uint8_t {
    kGood,
    kBad,
    kNotChecked,  // not TCP/UDP with its whole segment here (a fragment), or UDP without one
};

// Verifies `v`'s TCP or UDP checksum over the whole segment.
L4ChecksumCheck check_l4_checksum(const PacketView& v);

}  // namespace dvs::dataplane
