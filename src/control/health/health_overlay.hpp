#pragma once
// What health checks and agents say about each real server, laid over the
// Config when a Snapshot is built (snapshot_builder.cpp). The Config stays
// what the operator wrote; this is what the checks found. Positions follow
// the Config the overlay was made for (HealthMonitor::overlay_for).
// Plain values; control thread only.

#include <cstdint>
#include <vector>

#include "control/config/config.hpp"

namespace dvs::control {

struct ServerVerdict {
    bool failed = false;  // its health check (or agent "down") says so
    FailureAction on_failure = FailureAction::kInhibit;
    bool drain = false;      // agent "drain": weight 0, still healthy
    uint32_t percent = 100;  // agent weight factor
};

struct HealthOverlay {
    // Per config service, per real server. A missing entry means healthy at
    // the configured weight.
    std::vector<std::vector<ServerVerdict>> servers;

    const ServerVerdict* find(size_t service, size_t server) const {
        if (service >= servers.size() || server >= servers[service].size()) return nullptr;
        return &servers[service][server];
    }
};

}  // namespace dvs::control
