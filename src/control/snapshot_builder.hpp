#pragma once
// Turns a validated Config into the Snapshot the workers read.
// Control path: allocation and exceptions are fine here.

#include <cstdint>
#include <memory>

#include "control/config.hpp"
#include "dataplane/snapshot.hpp"

namespace dvs::control {

// Port indices in the Snapshot follow the order of config.ports. One
// scheduler instance per service per worker. Throws ConfigError if the config
// exceeds dataplane limits (services, real servers).
std::unique_ptr<dataplane::Snapshot> build_snapshot(const Config& config, uint32_t workers,
                                                    uint64_t version);

}  // namespace dvs::control
