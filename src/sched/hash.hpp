#pragma once
// Hash helpers shared by the hashing schedulers (sh, dh, mh). Internal to
// src/sched; FlowInfo carries network byte order, IPVS hashes host order.

#include <bit>
#include <cstdint>

namespace dvs::sched::detail {

constexpr uint32_t host32(uint32_t net) {
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap32(net);
    return net;
}

constexpr uint16_t host16(uint16_t net) {
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap16(net);
    return net;
}

// Linux include/linux/hash.h hash_32(): multiply by the 32-bit golden ratio,
// keep the top `bits`. What ip_vs_sh.c and ip_vs_dh.c use for their buckets.
constexpr uint32_t hash_32(uint32_t value, unsigned bits) {
    return (value * 0x61C88647u) >> (32 - bits);
}

// MurmurHash3's 64-bit finaliser: a bijection with full avalanche. mh uses it
// in place of IPVS's hsiphash; only the distribution matters, not the values.
constexpr uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

// Maps a 32-bit hash uniformly onto [0, n) without a division (Lemire).
constexpr uint32_t reduce(uint32_t hash, uint32_t n) {
    return static_cast<uint32_t>((static_cast<uint64_t>(hash) * n) >> 32);
}

}  // namespace dvs::sched::detail
