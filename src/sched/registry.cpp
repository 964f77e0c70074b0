#include "sched/registry.hpp"

#include <algorithm>
#include <array>

#include "sched/rr.hpp"
#include "sched/wrr.hpp"

namespace dvs::sched {

namespace {
constexpr std::array<std::string_view, 2> kAvailable = {"rr", "wrr"};
}

std::span<const std::string_view> available_schedulers() { return kAvailable; }

bool is_available(std::string_view name) {
    return std::find(kAvailable.begin(), kAvailable.end(), name) != kAvailable.end();
}

std::unique_ptr<Scheduler> make_scheduler(std::string_view name, std::span<const Backend> pool,
                                          const SchedulerOptions&) {
    if (name == "rr") return std::make_unique<RoundRobin>(pool);
    if (name == "wrr") return std::make_unique<WeightedRoundRobin>(pool);
    return nullptr;
}

}  // namespace dvs::sched
