#pragma once
// What the benchmarks share: a real Worker built from YAML text the way dvsd
// builds one (config -> Snapshot -> publisher -> WorkerEnv), and small
// helpers for arguments and results. Control-path code: exceptions allowed.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <fstream>
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
#include "packet/wire.hpp"

namespace dvs::bench {

// `workers` workers (ids 0 .. workers-1) with their Snapshot published and,
// with more than one, real handoff rings between them, as dvsd wires them
// (control/dataplane_startup.cpp). `stop` is the flag every WorkerEnv points
// at: clear it before launching Worker::run, set it to end the loops. The
// object must outlive every run of its workers.
class BenchWorker {
public:
    static constexpr unsigned kHandoffRingSize = 4096;  // dvsd's
    static constexpr uint64_t kHashSeed = 0xb5ad4eceda1ce2a9ull;

    BenchWorker(const std::string& config_yaml, uint64_t capacity,
                const dataplane::PortLayout& ports, rte_mempool* pool, uint32_t workers = 1)
        : publisher_(workers), n_workers_(workers) {
        const control::Config cfg = control::load_config_text(config_yaml, "bench");
        publisher_.publish(control::build_snapshot(cfg, workers, 1));
        if (workers > 1) rings_ = dataplane::create_handoff_rings(workers, kHandoffRingSize);
        env_.n_workers = workers;
        env_.conn6_capacity = cfg.dataplane.conn6_capacity;  // as dvsd: 0 is the default share
        env_.ports = &ports;
        env_.snapshots = &publisher_;
        env_.rings = &rings_;
        env_.stop = &stop;
        env_.all_counters = all_.data();
        // Fixed, not dvsd's random seed: every run places the same flows
        // in the same buckets, so instruction counts compare across builds.
        env_.conn_hash_seed = {kHashSeed};
        for (uint32_t w = 0; w < workers; ++w) {
            workers_.push_back(std::make_unique<dataplane::Worker>(
                w, env_, static_cast<uint32_t>(capacity), pool));
            all_[w] = &workers_[w]->counters();
        }
    }
    ~BenchWorker() { dataplane::free_handoff_rings(rings_, n_workers_); }
    BenchWorker(const BenchWorker&) = delete;
    BenchWorker& operator=(const BenchWorker&) = delete;

    dataplane::Worker& worker(uint32_t w = 0) { return *workers_[w]; }
    uint32_t workers() const { return n_workers_; }
    std::atomic<bool> stop{false};

private:
    dataplane::HandoffRings rings_;  // none with one worker: it hands nothing over
    dataplane::SnapshotPublisher publisher_;
    uint32_t n_workers_;
    dataplane::WorkerEnv env_;
    std::array<const dataplane::WorkerCounters*, dataplane::kMaxWorkers> all_{};
    std::vector<std::unique_ptr<dataplane::Worker>> workers_;
};

// What a bare forwarder does to each frame: swap the Ethernet addresses.
inline void swap_macs(rte_mbuf** b, uint16_t n) {
    for (uint16_t i = 0; i < n; ++i) {
        auto* eth = rte_pktmbuf_mtod(b[i], dataplane::EthHdr*);
        uint8_t tmp[6];
        std::memcpy(tmp, eth->dst, 6);
        std::memcpy(eth->dst, eth->src, 6);
        std::memcpy(eth->src, tmp, 6);
    }
}

inline uint64_t drops_total(const dataplane::WorkerCounters& c) {
    uint64_t d = 0;
    for (const auto& x : c.drops) d += x.get();
    return d;
}

// xorshift64 and a multiply-shift range reduction (no division per packet):
// random flow order, so a large table is not walked sequentially.
struct Rng {
    uint64_t s = 0x9e3779b97f4a7c15ull;
    uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    uint32_t below(uint64_t n) {
        return static_cast<uint32_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
    }
};

// Closes the JSON array of result rows in `json` and writes it to `file`
// (none when empty).
inline void write_json(std::ostringstream& json, const std::string& file) {
    json << "\n]\n";
    if (!file.empty()) std::ofstream(file) << json.str();
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
