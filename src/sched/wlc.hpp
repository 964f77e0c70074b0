#pragma once
// Weighted least connections (IPVS ip_vs_wlc.c): the backend with the lowest
// (active * 256 + inactive) / weight, compared by cross-multiplying in 64
// bits (weights <= kMaxWeight keep the products below 2^57). Ties go to the
// first in pool order; weight 0 is never picked.

#include "sched/scheduler.hpp"

namespace dvs::sched {

class WeightedLeastConnection final : public Scheduler {
public:
    // Throws std::invalid_argument for a weight above kMaxWeight.
    explicit WeightedLeastConnection(std::span<const Backend> pool);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "wlc"; }
    bool needs_load() const override { return true; }

private:
    std::vector<uint32_t> weights_;
};

}  // namespace dvs::sched
