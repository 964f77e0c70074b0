#pragma once
// Which clients may use the monitoring listener. Pure.

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "common/net_types.hpp"

namespace dvs::control::monitoring {

// An empty list allows everyone. A listener on [::] sees IPv4 clients as
// IPv4-mapped (::ffff:a.b.c.d); they are matched as the IPv4 address they
// are, so `127.0.0.0/8` still admits 127.0.0.1 there.
inline bool client_allowed(const std::vector<IpPrefix>& allow, IpAddress client) {
    if (allow.empty()) return true;
    static constexpr std::array<uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (client.is_v6() && std::equal(kMapped.begin(), kMapped.end(), client.bytes.begin())) {
        client = IpAddress::v4(uint32_t{client.bytes[12]} << 24 | uint32_t{client.bytes[13]} << 16 |
                               uint32_t{client.bytes[14]} << 8 | client.bytes[15]);
    }
    for (const IpPrefix& p : allow) {
        if (p.contains(client)) return true;
    }
    return false;
}

}  // namespace dvs::control::monitoring
