#pragma once
// Which endpoint is the client in the packets each port receives, for RSS
// steering (dataplane/rss_steering.hpp), decided from the configuration at
// start-up.
//
// A port is "servers" when NAT real servers are reached through it (by its
// own prefixes or a route) and clients are not: it carries no default route
// and another port does not reach NAT servers only. Every other port is
// "clients". A one-armed box (clients and NAT servers on one port) steers
// the inbound side; replies there reach their owner through the handoff
// ring. Real servers added later by reload or dvsadm do not change the
// decision: a wrong guess costs handoffs, never a wrongly forwarded packet.

#include <string>
#include <vector>

#include "control/config/model.hpp"
#include "dataplane/rss_steering.hpp"

namespace dvs::control {

struct PortFacingPlan {
    std::vector<dataplane::PortFacing> facing;  // by index in config.ports
    std::vector<std::string> why;               // by index: the reason, for the log
};

PortFacingPlan plan_port_facing(const Config& config);

}  // namespace dvs::control
