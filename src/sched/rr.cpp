#include "sched/rr.hpp"

namespace dvs::sched {

RoundRobin::RoundRobin(std::span<const Backend> pool)
    : pool_(pool.begin(), pool.end()), last_(pool.empty() ? 0 : pool.size() - 1) {}

int32_t RoundRobin::pick(const FlowInfo&) {
    // Wraps by compare, not by a division per step: pick runs for every new
    // connection.
    const size_t n = pool_.size();
    size_t i = last_;
    for (size_t step = 1; step <= n; ++step) {
        if (++i == n) i = 0;
        if (pool_[i].weight > 0) {
            last_ = i;
            return static_cast<int32_t>(i);
        }
    }
    return kNoBackend;
}

}  // namespace dvs::sched
