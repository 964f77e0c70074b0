#pragma once
// What the benchmarks share: a real Worker built from YAML text the way dvsd
// builds one (config -> Snapshot -> publisher -> WorkerEnv), and small
// helpers for arguments and results. Control-path code: exceptions allowed.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "control/config/config.hpp"
#include "control/snapshot_builder.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "dataplane/snapshot_publisher.hpp"
#include "dataplane/worker.hpp"

namespace dvs::bench {

// One worker (id 0 of 1) with its Snapshot published. `stop` is the flag
// its WorkerEnv points at: clear it before launching Worker::run, set it to
// end the loop. The object must outlive every run of the worker.
class BenchWorker {
public:
    BenchWorker(const std::string& config_yaml, uint64_t capacity,
                const dataplane::PortLayout& ports, rte_mempool* pool)
        : publisher_(1) {
        const control::Config cfg = control::load_config_text(config_yaml, "bench");
        publisher_.publish(control::build_snapshot(cfg, 1, 1));
        env_.n_workers = 1;
        env_.ports = &ports;
        env_.snapshots = &publisher_;
        env_.rings = &rings_;
        env_.stop = &stop;
        env_.all_counters = all_.data();
        worker_ =
            std::make_unique<dataplane::Worker>(0, env_, static_cast<uint32_t>(capacity), pool);
        all_[0] = &worker_->counters();
    }

    dataplane::Worker& worker() { return *worker_; }
    std::atomic<bool> stop{false};

private:
    dataplane::HandoffRings rings_;  // none: one worker hands nothing over
    dataplane::SnapshotPublisher publisher_;
    dataplane::WorkerEnv env_;
    std::array<const dataplane::WorkerCounters*, dataplane::kMaxWorkers> all_{};
    std::unique_ptr<dataplane::Worker> worker_;
};

inline uint64_t drops_total(const dataplane::WorkerCounters& c) {
    uint64_t d = 0;
    for (const auto& x : c.drops) d += x.get();
    return d;
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// "a,b,c" -> items, each through `convert`.
template <typename T, typename F>
std::vector<T> parse_list(const std::string& s, F convert) {
    std::vector<T> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(convert(item));
    return out;
}

}  // namespace dvs::bench
