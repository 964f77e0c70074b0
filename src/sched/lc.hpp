#pragma once
// Least connections (IPVS ip_vs_lc.c): the available backend with the lowest
// overhead active * 256 + inactive; ties go to the first in pool order.
// Weights only decide availability (0 = quiesced).

#include "sched/scheduler.hpp"

namespace dvs::sched {

class LeastConnection final : public Scheduler {
public:
    explicit LeastConnection(std::span<const Backend> pool);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "lc"; }
    bool needs_load() const override { return true; }

private:
    std::vector<uint8_t> available_;  // weight > 0, per pool index
};

}  // namespace dvs::sched
