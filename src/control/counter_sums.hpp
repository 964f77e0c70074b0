#pragma once
// The workers' counters summed for a report: every field of
// common/counter_list.hpp, the drops, and per service / per real server
// traffic and load. Reads counters the workers keep writing (relaxed loads,
// never a lock): each figure is individually consistent, a moment's view.
// Shared by the stats report and the monitoring pages.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/counter_list.hpp"
#include "dataplane/counters.hpp"
#include "packet/drop_reason.hpp"

namespace dvs::control {

// One service's or real server's traffic (DVS_TRAFFIC_COUNTERS).
struct TrafficSum {
#define DVS_TRAFFIC_FIELD(name, rate_name, help) uint64_t name = 0;
    DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
    void add(const dataplane::TrafficCounters& t) {
#define DVS_TRAFFIC_FIELD(name, rate_name, help) name += t.name.get();
        DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
    }
};

// DVS_WORKER_COUNTERS and the drops, of one worker or summed.
struct WorkerSum {
#define DVS_WORKER_FIELD(group, name, kind, label, help) uint64_t name = 0;
    DVS_WORKER_COUNTERS(DVS_WORKER_FIELD)
#undef DVS_WORKER_FIELD
    uint64_t drops[static_cast<size_t>(dataplane::DropReason::kCount)] = {};
    void add(const dataplane::WorkerCounters& w) {
#define DVS_WORKER_FIELD(group, name, kind, label, help) name += w.name.get();
        DVS_WORKER_COUNTERS(DVS_WORKER_FIELD)
#undef DVS_WORKER_FIELD
        for (size_t i = 0; i < w.drops.size(); ++i) drops[i] += w.drops[i].get();
    }
    uint64_t total_drops() const {
        uint64_t s = 0;
        for (uint64_t d : drops) s += d;
        return s;
    }
    // The i-th counter of DVS_WORKER_COUNTERS (counters::kWorker[i]).
    uint64_t at(size_t i) const {
        static constexpr uint64_t WorkerSum::*kFields[] = {
#define DVS_WORKER_MEMBER(group, name, kind, label, help) &WorkerSum::name,
            DVS_WORKER_COUNTERS(DVS_WORKER_MEMBER)
#undef DVS_WORKER_MEMBER
        };
        return this->*kFields[i];
    }
};

using WorkerList = std::vector<const dataplane::WorkerCounters*>;

inline TrafficSum service_traffic(const WorkerList& workers, uint16_t id) {
    TrafficSum t;
    for (const dataplane::WorkerCounters* w : workers) t.add(w->services[id]);
    return t;
}

inline TrafficSum server_traffic(const WorkerList& workers, uint32_t id) {
    TrafficSum t;
    for (const dataplane::WorkerCounters* w : workers) t.add(w->real_servers[id]);
    return t;
}

// Connections a real server holds now as the schedulers see them: active
// (TCP ESTABLISHED) and inactive (every other state).
inline std::pair<int64_t, int64_t> server_load(const WorkerList& workers, uint32_t id) {
    int64_t active = 0, inactive = 0;
    for (const dataplane::WorkerCounters* w : workers) {
        active += w->rs_load[id].active.get();
        inactive += w->rs_load[id].inactive.get();
    }
    return {active, inactive};
}

}  // namespace dvs::control
