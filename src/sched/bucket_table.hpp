#pragma once
// The 256-bucket table of IPVS sh and dh (ip_vs_sh.c, ip_vs_dh.c), shared by
// SourceHash and DestinationHash. Internal to src/sched.
//
// Buckets are dealt to the pool in order, wrapping around. sh deals each
// server `weight` consecutive buckets; dh deals one each. As in IPVS, a
// server with weight 0 still gets one bucket per round (`++count >= 0` moves
// on after one): a flow that hashes there finds it unavailable.

#include <array>
#include <cstdint>
#include <span>

#include "sched/scheduler.hpp"

namespace dvs::sched::detail {

class BucketTable {
public:
    static constexpr unsigned kBits = 8;  // IP_VS_SH_TAB_BITS, IP_VS_DH_TAB_BITS
    static constexpr uint32_t kSize = 1u << kBits;

    // `weighted`: sh's dealing (weight turns each); otherwise dh's (one each).
    BucketTable(std::span<const Backend> pool, bool weighted, bool fallback);

    // `hash` is in [0, kSize). The answer for a flow in that bucket, fallback
    // included, is resolved at construction: weights are fixed per instance.
    int32_t lookup(uint32_t hash) const { return resolved_[hash]; }

    // The bucket's owner before availability is applied (tests).
    int32_t owner(uint32_t bucket) const { return buckets_[bucket]; }

private:
    std::array<int32_t, kSize> buckets_;
    std::array<int32_t, kSize> resolved_;
};

}  // namespace dvs::sched::detail
