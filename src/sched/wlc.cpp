#include "sched/wlc.hpp"

#include "sched/load.hpp"

namespace dvs::sched {

WeightedLeastConnection::WeightedLeastConnection(std::span<const Backend> pool)
    : weights_(detail::checked_weights(pool, "wlc")) {}

int32_t WeightedLeastConnection::pick(const FlowInfo& flow) {
    // A lambda, not the function's address, so the overhead is inlined.
    return detail::least_weighted(weights_, flow.load,
                                  [](const BackendLoad& l) { return detail::conn_overhead(l); });
}

}  // namespace dvs::sched
