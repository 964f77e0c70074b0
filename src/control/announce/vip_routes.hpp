#pragma once
// The announced VIPs as /32 (IPv6: /128) routes in a kernel routing table of dvsd's own
// namespace (the exception path's), written over rtnetlink. The box's BIRD
// learns that table (kernel protocol, `learn`, `import all`) and exports it
// over BGP, so BIRD restarts need nothing from dvsd and dvsd never waits on
// BIRD. The routes point at the exception path's interface: when dvsd dies
// the interface goes and the kernel removes them (and BIRD withdraws).
//
// Routes carry protocol kRouteProtocol so an operator (`ip route show table
// N proto 200`) and BIRD filters can tell them apart. Control thread only;
// each call is one request and its acknowledgement (no waiting on BIRD).

#include <cstdint>
#include <string>

#include "common/net_types.hpp"

namespace dvs::control {

class VipRoutes {
public:
    static constexpr uint8_t kRouteProtocol = 200;  // "dvs" (not in /etc/iproute2/rt_protos)

    VipRoutes(uint32_t table, std::string interface);
    ~VipRoutes();
    VipRoutes(const VipRoutes&) = delete;
    VipRoutes& operator=(const VipRoutes&) = delete;

    // Adds (replaces) or removes the route to `vip` (IPv4: /32, IPv6:
    // /128; the interface must carry IPv6 for the latter). Returns "" or
    // what went wrong; removing an absent route is not an error.
    std::string set(const IpAddress& vip, bool present);

    uint32_t table() const { return table_; }
    const std::string& interface() const { return interface_; }

private:
    std::string request(uint16_t type, uint16_t flags, const IpAddress& vip, int ifindex);

    uint32_t table_;
    std::string interface_;
    int fd_ = -1;
    uint32_t seq_ = 0;
};

}  // namespace dvs::control
