#include "sched/lc.hpp"

#include <limits>

#include "sched/load.hpp"

namespace dvs::sched {

LeastConnection::LeastConnection(std::span<const Backend> pool) {
    available_.reserve(pool.size());
    for (const Backend& b : pool) available_.push_back(b.weight > 0);
}

int32_t LeastConnection::pick(const FlowInfo& flow) {
    // Overheads stay below 2^41, so the first available backend always beats
    // the initial value.
    int32_t best = kNoBackend;
    uint64_t best_oh = std::numeric_limits<uint64_t>::max();
    detail::scan_load(flow.load, available_.size(), [&](size_t i, const BackendLoad& l) {
        const uint64_t oh = detail::conn_overhead(l);
        // Strict: an equal overhead keeps the earlier backend, as IPVS does.
        if (available_[i] && oh < best_oh) [[unlikely]] {
            best = static_cast<int32_t>(i);
            best_oh = oh;
        }
        return true;
    });
    return best;
}

}  // namespace dvs::sched
