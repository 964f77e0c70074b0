#pragma once
// Round-robin: each backend with a non-zero weight in turn.

#include "sched/scheduler.hpp"

namespace dvs::sched {

class RoundRobin final : public Scheduler {
public:
    explicit RoundRobin(std::span<const Backend> pool);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "rr"; }

private:
    std::vector<Backend> pool_;
    size_t last_;  // index picked last; starts at the end so the first pick is 0
};

}  // namespace dvs::sched
