#pragma once
// Stable ids for services and real servers across reloads.
//
// Connections, templates, counters and worker messages carry these ids, so a
// service keeps its id while (VIP, port, protocol) stays in the config, and a
// real server keeps its id while (service, address, port) stays. Ids of
// removed entries are reused only when nothing can still refer to them (the
// caller says, from the workers' gauges). Control thread only.

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

#include "control/config/config.hpp"

namespace dvs::control {

struct IdAssignment {
    std::vector<uint16_t> service;                   // per config.services index
    std::vector<std::vector<uint32_t>> real_server;  // per service, per real server
    // Per service: the sorry server's id, kNoSorryServer without one. It is a
    // real server like the others to the dataplane (counters, connections).
    std::vector<uint32_t> sorry_server;
};

inline constexpr uint32_t kNoSorryServer = UINT32_MAX;

class IdRegistry {
public:
    IdRegistry(uint32_t max_services, uint32_t max_real_servers);

    // Ids for every service and real server of `config`; entries no longer
    // in it give their ids back. rs_idle(id) tells whether a freed real
    // server id holds no connection any more, so it may be reused. Throws
    // ConfigError when the limits are exceeded.
    IdAssignment assign(const Config& config, const std::function<bool(uint32_t)>& rs_idle);

private:
    using ServiceKey = std::tuple<IpAddress, uint16_t, Protocol>;
    using ServerKey = std::tuple<uint16_t, IpAddress, uint16_t>;  // service id, address, port

    uint32_t max_services_;
    uint32_t max_real_servers_;
    std::map<ServiceKey, uint16_t> services_;
    std::map<ServerKey, uint32_t> servers_;
    uint32_t next_service_ = 0;
    uint32_t next_server_ = 0;
    std::vector<uint16_t> free_services_;
    std::vector<uint32_t> free_servers_;
};

}  // namespace dvs::control
