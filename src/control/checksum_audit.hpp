#pragma once
// Turns the workers' sampled checksum verdicts (l4_checksum_bad_by_port,
// counted on ports whose device checks no L4 checksums) into one warning
// per port that names it and the likely fix. Workers cannot log; the
// control thread polls this once a second.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/counters.hpp"

namespace dvs::control {

class ChecksumAudit {
public:
    // ports: how to name each port index in a warning, e.g. "wan (net_af_packet0)".
    explicit ChecksumAudit(std::vector<std::string> ports) : ports_(std::move(ports)) {}

    // Warnings for ports whose count of bad checksums has grown since the
    // last poll, each port at most once per process.
    std::vector<std::string> poll(const std::vector<const dataplane::WorkerCounters*>& workers);

private:
    std::vector<std::string> ports_;
    std::vector<bool> warned_ = std::vector<bool>(dataplane::kMaxPorts, false);
};

}  // namespace dvs::control
