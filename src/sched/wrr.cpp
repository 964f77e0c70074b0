#include "sched/wrr.hpp"

#include <algorithm>
#include <numeric>

namespace dvs::sched {

WeightedRoundRobin::WeightedRoundRobin(std::span<const Backend> pool)
    : pool_(pool.begin(), pool.end()) {
    int64_t g = 0;
    for (const Backend& b : pool_) {
        max_weight_ = std::max<int64_t>(max_weight_, b.weight);
        if (b.weight > 0) g = std::gcd(g, static_cast<int64_t>(b.weight));
    }
    gcd_ = g > 0 ? g : 1;
}

int32_t WeightedRoundRobin::pick(const FlowInfo&) {
    const int64_t n = static_cast<int64_t>(pool_.size());
    if (n == 0 || max_weight_ == 0) return kNoBackend;
    // Terminates: within one full cycle of current weights some backend with
    // weight == max_weight_ > 0 qualifies.
    for (;;) {
        index_ = (index_ + 1) % n;
        if (index_ == 0) {
            current_ -= gcd_;
            if (current_ <= 0) current_ = max_weight_;
        }
        if (static_cast<int64_t>(pool_[index_].weight) >= current_) {
            return static_cast<int32_t>(index_);
        }
    }
}

}  // namespace dvs::sched
