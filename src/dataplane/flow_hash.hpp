#pragma once
// Hashes over flow identities: the conn-table hash and the owner-core choice.
//
// The owner core of a flow is a function of the client endpoint only, so an
// inbound packet (client is the source) and a NAT reply (client is the
// destination) of one connection map to the same core and table. It is the
// queue a NIC steering by RSS on that endpoint delivers the packet to
// (rss_hash.hpp), so on such NICs no packet needs the handoff ring.

#include <cstdint>

#include "dataplane/rss_hash.hpp"
#include "sched/hash.hpp"

namespace dvs::dataplane {

// One mixer for the whole project (MurmurHash3's finaliser).
using sched::detail::mix64;

// ip and port in network byte order; result in [0, n_workers).
inline uint32_t owner_core(uint32_t client_ip, uint16_t client_port, uint32_t n_workers) {
    const uint32_t entry = rss_hash_endpoint4(client_ip, client_port) & (kRetaEntries - 1);
    return worker_of_reta_entry(entry, n_workers);
}

}  // namespace dvs::dataplane
