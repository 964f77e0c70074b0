#include "sched/sed.hpp"

#include "sched/load.hpp"

namespace dvs::sched {

ShortestExpectedDelay::ShortestExpectedDelay(std::span<const Backend> pool)
    : weights_(detail::checked_weights(pool, "sed")) {}

int32_t ShortestExpectedDelay::pick(const FlowInfo& flow) {
    // ip_vs_sed_dest_overhead(): activeconns + 1.
    return detail::least_weighted(weights_, flow.load, [](const BackendLoad& l) {
        return static_cast<uint64_t>(l.active) + 1;
    });
}

}  // namespace dvs::sched
