#pragma once
// Which clients may use the monitoring listener. Pure.

#include <cstdint>
#include <vector>

#include "common/net_types.hpp"

namespace dvs::control::monitoring {

// `client` in host byte order; an empty list allows everyone.
inline bool client_allowed(const std::vector<Ipv4Prefix>& allow, uint32_t client) {
    if (allow.empty()) return true;
    for (const Ipv4Prefix& p : allow) {
        if (p.contains(client)) return true;
    }
    return false;
}

}  // namespace dvs::control::monitoring
