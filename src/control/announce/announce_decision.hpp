#pragma once
// Which VIPs this box announces to the routers (README "Scale-out"). Pure:
// the inputs are what the control thread knows, the answer one verdict per
// VIP with the reason an operator reads in `dvsadm fleet`.
//
// A VIP is announced while dvsd is ready, not drained, not stopping, and at
// least one service on it has a usable server (a pool entry with weight >
// 0 after health checks; a sorry server in use counts, since it answers).

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/net_types.hpp"

namespace dvs::control {

enum class AnnounceReason {
    kServing,         // announced: a service on the VIP has a usable server
    kNotReady,        // withdrawn: the dataplane is not forwarding yet
    kDrained,         // withdrawn: the operator drained the box
    kStopping,        // withdrawn: SIGTERM, forwarding through the grace period
    kNoUsableServer,  // withdrawn: every server of every service on it is down
};

// The word `dvsadm fleet` and the management answer use.
std::string_view to_string(AnnounceReason r);

struct VipServing {
    IpAddress vip;                 // IPv4 or IPv6 (announced as /32 or /128)
    uint32_t services = 0;         // services on the VIP
    uint32_t usable_services = 0;  // of those, with a usable server
};

struct AnnounceInputs {
    bool ready = false;
    bool drained = false;
    bool stopping = false;
    std::vector<VipServing> vips;
};

struct VipVerdict {
    IpAddress vip;
    bool announced = false;
    AnnounceReason reason = AnnounceReason::kNotReady;
    bool operator==(const VipVerdict&) const = default;
};

// One verdict per input VIP, in input order. The box-wide reasons come
// first (stopping, drained, not ready), so an operator sees why the whole
// box is silent before any one VIP's state.
std::vector<VipVerdict> decide_announcements(const AnnounceInputs& in);

}  // namespace dvs::control
