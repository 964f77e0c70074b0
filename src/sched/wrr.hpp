#pragma once
// Weighted round-robin as in the LVS paper and IPVS (ip_vs_wrr.c): the
// current weight steps down by the gcd of the weights each time the index
// wraps, and a backend is picked when its weight reaches the current weight.
// Weights 4,3,2 give AABABCABC per period of sum(weights) picks.

#include "sched/scheduler.hpp"

namespace dvs::sched {

class WeightedRoundRobin final : public Scheduler {
public:
    explicit WeightedRoundRobin(std::span<const Backend> pool);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "wrr"; }

private:
    std::vector<Backend> pool_;
    int64_t index_ = -1;   // last picked; -1 before the first pick
    int64_t current_ = 0;  // current weight
    int64_t max_weight_ = 0;
    int64_t gcd_ = 1;
};

}  // namespace dvs::sched
