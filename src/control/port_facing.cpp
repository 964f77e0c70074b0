#include "control/port_facing.hpp"

#include <optional>

namespace dvs::control {

namespace {

// The port (index) an address is reached through: the longest of the ports'
// own prefixes and the routes that contains it.
std::optional<size_t> egress_port(const Config& config, const IpAddress& ip) {
    std::optional<size_t> best;
    int best_len = -1;
    for (size_t i = 0; i < config.ports.size(); ++i) {
        for (const IpPrefix& a : config.ports[i].addresses) {
            if (a.contains(ip) && a.length > best_len) {
                best = i;
                best_len = a.length;
            }
        }
    }
    for (const RouteConfig& r : config.routes) {
        if (!r.prefix.contains(ip) || r.prefix.length <= best_len) continue;
        for (size_t i = 0; i < config.ports.size(); ++i) {
            if (config.ports[i].name == r.port) {
                best = i;
                best_len = r.prefix.length;
            }
        }
    }
    return best;
}

bool has_default_route(const Config& config, const std::string& port) {
    for (const RouteConfig& r : config.routes) {
        if (r.port == port && r.prefix.length == 0) return true;
    }
    return false;
}

}  // namespace

PortFacingPlan plan_port_facing(const Config& config) {
    const size_t n = config.ports.size();
    std::vector<bool> reaches_nat(n, false);
    for (const ServiceConfig& svc : config.services) {
        for (const RealServerConfig& rs : svc.real_servers) {
            if (rs.forward != ForwardMethod::kNat) continue;
            if (auto port = egress_port(config, rs.address)) reaches_nat[*port] = true;
        }
    }
    size_t nat_ports = 0;
    for (bool b : reaches_nat) nat_ports += b;

    PortFacingPlan plan;
    plan.facing.assign(n, dataplane::PortFacing::kClients);
    plan.why.assign(n, "no NAT real server is reached through it");
    for (size_t i = 0; i < n; ++i) {
        if (!reaches_nat[i]) continue;
        if (nat_ports == n) {
            plan.why[i] =
                "every port reaches NAT real servers (one-armed), so clients "
                "arrive on it too: NAT replies reach their worker through the "
                "handoff ring";
        } else if (has_default_route(config, config.ports[i].name)) {
            plan.why[i] =
                "it reaches NAT real servers but holds the default route, so "
                "clients arrive on it too: NAT replies reach their worker through "
                "the handoff ring";
        } else {
            plan.facing[i] = dataplane::PortFacing::kServers;
            plan.why[i] = "NAT real servers are reached through it";
        }
    }
    return plan;
}

}  // namespace dvs::control
