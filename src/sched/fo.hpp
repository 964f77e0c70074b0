#pragma once
// Weighted failover (IPVS ip_vs_fo.c): every new connection goes to the
// available server with the highest weight; ties go to the first in pool
// order. Weights are fixed per instance, so the answer is found once, at
// construction.

#include "sched/scheduler.hpp"

namespace dvs::sched {

class WeightedFailover final : public Scheduler {
public:
    explicit WeightedFailover(std::span<const Backend> pool);
    int32_t pick(const FlowInfo&) override { return chosen_; }
    std::string_view name() const override { return "fo"; }

private:
    int32_t chosen_ = kNoBackend;
};

}  // namespace dvs::sched
