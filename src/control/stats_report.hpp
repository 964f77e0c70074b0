#pragma once
// Renders the workers' counters for operators (a table for the log) and for
// tools (JSON). Reads counters that workers keep writing: the figures are a
// moment's view, each counter individually consistent.

#include <string>
#include <vector>

#include "control/config.hpp"
#include "control/id_registry.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/snapshot.hpp"

namespace dvs::control {

struct StatsView {
    const Config* config = nullptr;
    const dataplane::Snapshot* snapshot = nullptr;
    std::vector<const dataplane::WorkerCounters*> workers;
    bool last_reload_ok = true;
    std::string last_reload_message;
    const IdAssignment* ids = nullptr;  // config positions -> ids (null in tests without one)
};

std::string render_stats_json(const StatsView& view);
std::string render_stats_table(const StatsView& view);

}  // namespace dvs::control
