#pragma once
// Never queue (IPVS ip_vs_nq.c): the first available backend with no active
// connection, if any; otherwise shortest expected delay, (active + 1) / weight,
// cross-multiplied in 64 bits, ties to the first in pool order.

#include "sched/scheduler.hpp"

namespace dvs::sched {

class NeverQueue final : public Scheduler {
public:
    // Throws std::invalid_argument for a weight above kMaxWeight.
    explicit NeverQueue(std::span<const Backend> pool);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "nq"; }
    bool needs_load() const override { return true; }

private:
    std::vector<uint32_t> weights_;
};

}  // namespace dvs::sched
