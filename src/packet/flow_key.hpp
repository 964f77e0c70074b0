#pragma once
// The identity of a packet's flow as seen on the wire: what the connection
// table is keyed by and what ICMP errors quote.

#include <cstdint>

namespace dvs::dataplane {

// Identity of a packet's flow as seen on the wire (network byte order).
struct FlowKey {
    uint32_t src_ip = 0;
    uint32_t dst_ip = 0;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint8_t proto = 0;

    bool operator==(const FlowKey&) const = default;
};

}  // namespace dvs::dataplane
