#pragma once
// Hashes over flow identities: the conn-table hash and the owner-core choice.
//
// The owner core of a flow is a function of the client endpoint only, so an
// inbound packet (client is the source) and a NAT reply (client is the
// destination) of one connection map to the same core and table.

#include <cstdint>

#include "sched/hash.hpp"

namespace dvs::dataplane {

// One mixer for the whole project (MurmurHash3's finaliser).
using sched::detail::mix64;

// ip and port in network byte order; result in [0, n_workers).
inline uint32_t owner_core(uint32_t client_ip, uint16_t client_port, uint32_t n_workers) {
    const uint64_t h = mix64((uint64_t{client_ip} << 16) ^ client_port ^ 0x5bd1e995ULL);
    return static_cast<uint32_t>(((h >> 32) * n_workers) >> 32);
}

}  // namespace dvs::dataplane
