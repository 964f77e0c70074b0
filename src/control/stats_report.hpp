#pragma once
// Renders the workers' counters for operators (a table for the log) and for
// tools (JSON). Reads counters that workers keep writing: the figures are a
// moment's view, each counter individually consistent.

#include <string>
#include <vector>

#include "control/config/config.hpp"
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
    // mbufs: pool size and free count summed over the pools (free includes
    // the per-lcore caches), and RX drops for want of an mbuf (rte_eth_stats
    // rx_nombuf, summed over ports). The daemon fills them; 0 in tests.
    uint64_t mbuf_pool_size = 0;
    uint64_t mbuf_pool_free = 0;
    uint64_t rx_nombuf = 0;
};

std::string render_stats_json(const StatsView& view);
std::string render_stats_table(const StatsView& view);

}  // namespace dvs::control
