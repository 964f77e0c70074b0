#include "sched/registry.hpp"

#include <algorithm>
#include <array>

#include "sched/dh.hpp"
#include "sched/fo.hpp"
#include "sched/lc.hpp"
#include "sched/mh.hpp"
#include "sched/nq.hpp"
#include "sched/rr.hpp"
#include "sched/sed.hpp"
#include "sched/sh.hpp"
#include "sched/wlc.hpp"
#include "sched/wrr.hpp"

namespace dvs::sched {

namespace {
constexpr std::array<std::string_view, 10> kAvailable = {"rr", "wrr", "lc", "wlc", "sed",
                                                         "nq", "sh",  "dh", "mh",  "fo"};
}

std::span<const std::string_view> available_schedulers() { return kAvailable; }

bool is_available(std::string_view name) {
    return std::find(kAvailable.begin(), kAvailable.end(), name) != kAvailable.end();
}

std::unique_ptr<Scheduler> make_scheduler(std::string_view name, std::span<const Backend> pool,
                                          const SchedulerOptions& options) {
    if (name == "rr") return std::make_unique<RoundRobin>(pool);
    if (name == "wrr") return std::make_unique<WeightedRoundRobin>(pool);
    if (name == "lc") return std::make_unique<LeastConnection>(pool);
    if (name == "wlc") return std::make_unique<WeightedLeastConnection>(pool);
    if (name == "sed") return std::make_unique<ShortestExpectedDelay>(pool);
    if (name == "nq") return std::make_unique<NeverQueue>(pool);
    if (name == "sh") return std::make_unique<SourceHash>(pool, options);
    if (name == "dh") return std::make_unique<DestinationHash>(pool, options);
    if (name == "mh") return std::make_unique<MaglevHash>(pool, options);
    if (name == "fo") return std::make_unique<WeightedFailover>(pool);
    return nullptr;
}

}  // namespace dvs::sched
