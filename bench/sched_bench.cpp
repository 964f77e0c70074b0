// ns per pick for every scheduler at 8 and 1000 servers, and the time to build
// an instance (the control thread's cost; mh fills its table then).
//
// The floor, measured in the same run, is a scheduler that returns its first
// backend through the same interface and loop: what any pick costs before
// it decides anything. The ratio columns divide by it, so they survive a
// noisy host better than the raw figures.
//
// Each figure is the median of kRuns timed runs of ~20 ms. Flows are random
// clients cycled from a pre-built array; load-based schedulers get a filled,
// unchanging load span (in dvsd it changes slowly). The call goes through the
// Scheduler interface, as the worker makes it.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string_view>
#include <vector>

#include "sched/registry.hpp"

using namespace dvs::sched;
using Clock = std::chrono::steady_clock;

namespace {

int kRuns = 7;
double kRunNs = 20e6;
constexpr size_t kFlows = 4096;  // power of two: cycled with a mask

volatile int64_t g_sink;

struct Setup {
    std::vector<Backend> pool;
    std::vector<BackendLoad> load;
    std::vector<FlowInfo> flows;
};

Setup make_setup(size_t servers) {
    std::mt19937_64 rng(servers);
    Setup s;
    for (size_t i = 0; i < servers; ++i) {
        s.pool.push_back({static_cast<uint32_t>(1 + rng() % 10), rng() | 1});
        s.load.push_back(
            {static_cast<uint32_t>(rng() % 1000), static_cast<uint32_t>(rng() % 5000)});
    }
    for (size_t i = 0; i < kFlows; ++i) {
        const uint64_t r = rng();
        s.flows.push_back(
            {static_cast<uint32_t>(r), static_cast<uint16_t>(r >> 32), 0x6400000a, 0x5000, s.load});
    }
    return s;
}

double ns_per_call(const auto& body, int64_t iterations) {
    const auto t0 = Clock::now();
    body(iterations);
    const auto t1 = Clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() /
           static_cast<double>(iterations);
}

// Median over kRuns of a run sized to last about kRunNs.
double median_ns(const auto& body) {
    int64_t n = 16;
    while (ns_per_call(body, n) * static_cast<double>(n) < kRunNs / 10 && n < (int64_t{1} << 40)) {
        n *= 2;
    }
    const int64_t iterations =
        std::max<int64_t>(1, static_cast<int64_t>(kRunNs / std::max(ns_per_call(body, n), 0.01)));
    std::vector<double> runs;
    for (int r = 0; r < kRuns; ++r) runs.push_back(ns_per_call(body, iterations));
    std::sort(runs.begin(), runs.end());
    return runs[kRuns / 2];
}

class FloorScheduler final : public Scheduler {
public:
    int32_t pick(const FlowInfo& flow) override {
        return static_cast<int32_t>(flow.client_port & 0);
    }
    std::string_view name() const override { return "floor"; }
};

double pick_ns_of(Scheduler* p, const Setup& s) {
    return median_ns([&](int64_t iterations) {
        int64_t sum = 0;
        for (int64_t i = 0; i < iterations; ++i) sum += p->pick(s.flows[i & (kFlows - 1)]);
        g_sink = sum;
    });
}

double pick_ns(std::string_view name, const Setup& s) {
    auto sched = make_scheduler(name, s.pool);
    return pick_ns_of(sched.get(), s);
}

double build_ns(std::string_view name, const Setup& s) {
    return median_ns([&](int64_t iterations) {
        for (int64_t i = 0; i < iterations; ++i) {
            auto sched = make_scheduler(name, s.pool);
            g_sink = sched->pick(s.flows[0]);
        }
    });
}

}  // namespace

int main(int argc, char** argv) {
    // --smoke: one short run each, so CI checks the benchmark still works.
    if (argc > 1 && std::string_view(argv[1]) == "--smoke") {
        kRuns = 1;
        kRunNs = 1e5;
    }
    const Setup small = make_setup(8);
    const Setup large = make_setup(1000);
    FloorScheduler floor;
    // Through a volatile pointer, so the call stays virtual like the others'.
    Scheduler* volatile floor_ptr = &floor;
    const double floor_small = pick_ns_of(floor_ptr, small);
    const double floor_large = pick_ns_of(floor_ptr, large);
    std::printf(
        "scheduler  pick ns (8)  x floor  pick ns (1000)  x floor  build us (8)  "
        "build us (1000)\n");
    std::printf("%-9s  %11.1f  %7.1f  %14.1f  %7.1f  %12s  %15s\n", "floor", floor_small, 1.0,
                floor_large, 1.0, "-", "-");
    for (std::string_view name : available_schedulers()) {
        const double a = pick_ns(name, small), b = pick_ns(name, large);
        std::printf("%-9.*s  %11.1f  %7.1f  %14.1f  %7.1f  %12.2f  %15.2f\n",
                    static_cast<int>(name.size()), name.data(), a, a / floor_small, b,
                    b / floor_large, build_ns(name, small) / 1e3, build_ns(name, large) / 1e3);
        std::fflush(stdout);
    }
    return 0;
}
