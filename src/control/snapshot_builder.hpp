#pragma once
// Turns a validated Config into the Snapshot the workers read.
// Control path: allocation and exceptions are fine here.

#include <cstdint>
#include <memory>

#include "control/config/config.hpp"
#include "control/health/health_overlay.hpp"
#include "control/id_registry.hpp"
#include "dataplane/snapshot.hpp"

namespace dvs::control {

// Port indices in the Snapshot follow the order of config.ports. Service and
// real server ids come from `ids` (stable across reloads; see IdRegistry) or,
// without it, from their positions in the file. One scheduler instance per
// service per worker; a service whose scheduling is unchanged from
// `previous` shares that Snapshot's instances, keeping their state. Throws
// ConfigError if the config exceeds dataplane limits.
//
// `health` (positions as in config) says which real servers failed their
// checks and what agents asked for: a failed server gets weight 0
// (inhibit) or leaves the pool (remove); agent "drain" gives weight 0 and a
// percentage scales the weight. Every server stays present, so its
// connections, counters and id carry on. When no real server of a service
// is healthy, its sorry server is the whole pool.
std::unique_ptr<dataplane::Snapshot> build_snapshot(const Config& config, uint32_t workers,
                                                    uint64_t version,
                                                    const IdAssignment* ids = nullptr,
                                                    const dataplane::Snapshot* previous = nullptr,
                                                    const HealthOverlay* health = nullptr);

}  // namespace dvs::control
