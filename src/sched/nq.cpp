#include "sched/nq.hpp"

#include "sched/load.hpp"

namespace dvs::sched {

NeverQueue::NeverQueue(std::span<const Backend> pool)
    : weights_(detail::checked_weights(pool, "nq")) {}

int32_t NeverQueue::pick(const FlowInfo& flow) {
    // As least_weighted() (load.hpp), plus the idle check of ip_vs_nq.c.
    int32_t best = kNoBackend;
    uint64_t best_oh = 1;
    uint64_t best_w = 0;
    detail::scan_load(flow.load, weights_.size(), [&](size_t i, const BackendLoad& l) {
        const uint64_t w = weights_[i];
        if (w == 0) return true;
        // An idle server serves at once: take it without looking further.
        if (l.active == 0) {
            best = static_cast<int32_t>(i);
            return false;
        }
        const uint64_t oh = static_cast<uint64_t>(l.active) + 1;
        if (best_oh * w > oh * best_w) [[unlikely]] {
            best = static_cast<int32_t>(i);
            best_oh = oh;
            best_w = w;
        }
        return true;
    });
    return best;
}

}  // namespace dvs::sched
