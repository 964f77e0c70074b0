#include "sched/bucket_table.hpp"

namespace dvs::sched::detail {

BucketTable::BucketTable(std::span<const Backend> pool, bool weighted, bool fallback) {
    // ip_vs_sh_reassign() / ip_vs_dh_reassign().
    size_t dest = 0;
    uint32_t count = 0;
    for (uint32_t b = 0; b < kSize; ++b) {
        if (pool.empty()) {
            buckets_[b] = kNoBackend;
            continue;
        }
        buckets_[b] = static_cast<int32_t>(dest);
        if (!weighted || ++count >= pool[dest].weight) {
            dest = (dest + 1) % pool.size();
            count = 0;
        }
    }

    const auto available = [&](int32_t d) { return d != kNoBackend && pool[d].weight > 0; };
    for (uint32_t h = 0; h < kSize; ++h) {
        const int32_t d = buckets_[h];
        resolved_[h] = available(d) ? d : kNoBackend;
        if (resolved_[h] != kNoBackend || !fallback || d == kNoBackend) continue;
        // ip_vs_sh_get_fallback(): probe with hashkey(offset = (i + ihash) % size),
        // and hashkey(offset) = (offset + ihash) & mask, so bucket 2*ihash + i.
        for (uint32_t i = 0; i < kSize; ++i) {
            const uint32_t roffset = (i + h) % kSize;
            const int32_t probe = buckets_[(roffset + h) & (kSize - 1)];
            if (available(probe)) {
                resolved_[h] = probe;
                break;
            }
        }
    }
}

}  // namespace dvs::sched::detail
