#pragma once
// Shortest expected delay (IPVS ip_vs_sed.c): the backend with the lowest
// (active + 1) / weight, the delay a new connection would see; inactive
// connections do not count. Cross-multiplied in 64 bits like wlc; ties go to
// the first in pool order; weight 0 is never picked.

#include "sched/scheduler.hpp"

namespace dvs::sched {

class ShortestExpectedDelay final : public Scheduler {
public:
    // Throws std::invalid_argument for a weight above kMaxWeight.
    explicit ShortestExpectedDelay(std::span<const Backend> pool);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "sed"; }
    bool needs_load() const override { return true; }

private:
    std::vector<uint32_t> weights_;
};

}  // namespace dvs::sched
