#pragma once
// Per-core counters. Each worker writes only its own WorkerCounters; the
// control thread reads all of them and sums. A Counter is a relaxed atomic
// so that cross-thread reads are well defined, yet an increment compiles to
// a plain load/add/store (no lock prefix): there is exactly one writer.

#include <array>
#include <atomic>
#include <cstdint>

#include "common/counter_list.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/drop_reason.hpp"

namespace dvs::dataplane {

class Counter {
public:
    // Forced: GCC left it a call in the established path, whose inlining
    // budget the forced-inline forwarding had used up (four calls a packet,
    // about 30 instructions).
    [[gnu::always_inline]] void add(uint64_t n = 1) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }
    uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> v_{0};
};

// A level that goes up and down (connections held); one writer, like Counter.
class Gauge {
public:
    [[gnu::always_inline]] void add(int64_t n) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    int64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> v_{0};
};

// Connections this worker holds for one real server, as schedulers count
// them (lc, wlc, sed, nq read the sum over workers).
struct BackendLoadCounters {
    Gauge active;    // TCP ESTABLISHED
    Gauge inactive;  // every other connection state
};

// Traffic of one service or one real server (common/counter_list.hpp).
struct TrafficCounters {
#define DVS_TRAFFIC_FIELD(name, rate_name, help) Counter name;
    DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
};

struct alignas(64) WorkerCounters {
    // One Counter per entry of common/counter_list.hpp (gauges too: the
    // worker set()s them).
#define DVS_WORKER_FIELD(group, name, kind, label, help) Counter name;
    DVS_WORKER_COUNTERS(DVS_WORKER_FIELD)
#undef DVS_WORKER_FIELD
    // Exception path drops are DropReason::kKernel*.
    std::array<Counter, static_cast<size_t>(DropReason::kCount)> drops;
    std::array<TrafficCounters, kMaxServices> services;
    std::array<TrafficCounters, kMaxRealServers> real_servers;
    std::array<BackendLoadCounters, kMaxRealServers> rs_load;
    // l4_checksum_bad by port index: the control thread names the port.
    std::array<Counter, kMaxPorts> l4_checksum_bad_by_port;

    void drop(DropReason r, uint64_t n = 1) { drops[static_cast<size_t>(r)].add(n); }
};

// Every worker counter as a member pointer, in kWorker's order, so the
// control thread can sum and print them in a loop.
inline constexpr std::array<Counter WorkerCounters::*, counters::kWorker.size()>
    kWorkerCounterFields = {
#define DVS_WORKER_MEMBER(group, name, kind, label, help) &WorkerCounters::name,
        DVS_WORKER_COUNTERS(DVS_WORKER_MEMBER)
#undef DVS_WORKER_MEMBER
};

}  // namespace dvs::dataplane
