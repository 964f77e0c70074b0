#pragma once
// Helpers shared by the load-based schedulers (lc, wlc, sed, nq). Internal to
// src/sched.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "sched/scheduler.hpp"

namespace dvs::sched::detail {

// Calls fn(i, load of i) for i in [0, n) while fn returns true. The caller
// may hand a shorter span (nothing counted yet): missing backends are idle.
// Two loops so the common, covered case reads the span without a bound check.
template <class Fn>
void scan_load(std::span<const BackendLoad> load, size_t n, Fn&& fn) {
    const size_t covered = load.size() < n ? load.size() : n;
    for (size_t i = 0; i < covered; ++i) {
        if (!fn(i, load[i])) return;
    }
    for (size_t i = covered; i < n; ++i) {
        if (!fn(i, BackendLoad{})) return;
    }
}

// IPVS ip_vs_dest_conn_overhead() (include/net/ip_vs.h): an active connection
// costs 256 inactive ones. 64-bit here, so it cannot wrap (< 2^41); IPVS's
// int would from 2^23 active connections on.
inline uint64_t conn_overhead(const BackendLoad& l) {
    return (static_cast<uint64_t>(l.active) << 8) + l.inactive;
}

// Weights copied out of the pool, checked against kMaxWeight so that
// overhead * weight stays below 2^41 * 2^16 = 2^57.
inline std::vector<uint32_t> checked_weights(std::span<const Backend> pool, const char* who) {
    std::vector<uint32_t> weights;
    weights.reserve(pool.size());
    for (const Backend& b : pool) {
        if (b.weight > kMaxWeight) {
            throw std::invalid_argument(std::string(who) + ": weight " + std::to_string(b.weight) +
                                        " exceeds " + std::to_string(kMaxWeight));
        }
        weights.push_back(b.weight);
    }
    return weights;
}

// The loop of ip_vs_wlc.c and ip_vs_sed.c: the backend with the smallest
// overhead/weight, compared as overhead_a * weight_b < overhead_b * weight_a
// so no division and no rounding; ties go to the earliest; weight 0 never
// wins.
//
// Four interleaved lanes, each keeping the earliest minimum of its own
// backends, then merged by (ratio, index): the same answer as one pass, but
// the compare-and-keep chains run in parallel (one chain is a multiply, a
// compare and a conditional move per backend: ~2.5x slower at 1000 servers).
template <class Overhead>
int32_t least_weighted(std::span<const uint32_t> weights, std::span<const BackendLoad> load,
                       Overhead overhead) {
    struct Best {
        uint64_t oh = 1;
        uint64_t w = 0;  // 0: nothing kept yet; then any weight > 0 wins
        size_t index = 0;
    };
    // Strictly better, so the earlier backend of a lane stays on a tie. A
    // weight-0 backend never wins: 0 > x is false.
    const auto keep = [&](Best& b, size_t i, const BackendLoad& l) {
        const uint64_t w = weights[i];
        const uint64_t oh = overhead(l);
        if (b.oh * w > oh * b.w) b = {oh, w, i};
    };
    constexpr size_t kLanes = 4;
    Best lanes[kLanes];
    const size_t n = weights.size();
    const size_t covered = load.size() < n ? load.size() : n;
    size_t i = 0;
    for (; i + kLanes <= covered; i += kLanes) {
        for (size_t k = 0; k < kLanes; ++k) keep(lanes[k], i + k, load[i + k]);
    }
    // The rest, in order, into lane 0 (its kept index is still the earliest).
    for (; i < covered; ++i) keep(lanes[0], i, load[i]);
    for (; i < n; ++i) keep(lanes[0], i, BackendLoad{});  // missing load: idle

    Best best = lanes[0];
    for (size_t k = 1; k < kLanes; ++k) {
        const Best& c = lanes[k];
        if (c.w == 0) continue;
        const uint64_t lhs = best.oh * c.w, rhs = c.oh * best.w;
        if (lhs > rhs || (lhs == rhs && c.index < best.index)) best = c;
    }
    return best.w == 0 ? kNoBackend : static_cast<int32_t>(best.index);
}

}  // namespace dvs::sched::detail
