#include "sched/fo.hpp"

namespace dvs::sched {

WeightedFailover::WeightedFailover(std::span<const Backend> pool) {
    // Strictly greater, starting from 0: weight 0 never wins, ties keep the first.
    uint32_t highest = 0;
    for (size_t i = 0; i < pool.size(); ++i) {
        if (pool[i].weight > highest) {
            highest = pool[i].weight;
            chosen_ = static_cast<int32_t>(i);
        }
    }
}

}  // namespace dvs::sched
