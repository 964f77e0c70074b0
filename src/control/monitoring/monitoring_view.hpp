#pragma once
// What /metrics and /status.json are rendered from: the stats view (the
// workers' counters, read without locking them: relaxed loads of fields
// only their worker writes), the health checks' verdicts, HA's status and
// the reload history. The daemon fills one per request on the control
// thread; the renderers are pure functions of it, so tests build one by hand.

#include <cstdint>
#include <optional>
#include <vector>

#include "control/ha/ha_status.hpp"
#include "control/health/health_monitor.hpp"
#include "control/stats_report.hpp"

namespace dvs::control::monitoring {

// Reloads of the configuration file (SIGHUP, dvsadm's reload) since start.
struct ReloadHistory {
    uint64_t attempts = 0;
    uint64_t failures = 0;    // refused: the running configuration stayed
    int64_t last_unix_s = 0;  // 0: none since start
};

struct MonitoringView {
    StatsView stats;  // config, snapshot, ids and workers must be set
    // Per service, per real server of *stats.config (may be shorter: then
    // the servers count as up, without a check).
    std::vector<std::vector<ServerHealthInfo>> health;
    std::optional<HaStatus> ha;
    ReloadHistory reloads;
    int64_t now_unix_ms = 0;  // when the view was taken: the pages' clock
};

}  // namespace dvs::control::monitoring
