#pragma once
// Hashes over flow identities: the conn-table hash and the owner-core choice.
//
// The owner core of a flow is a function of the client endpoint only, so an
// inbound packet (client is the source) and a NAT reply (client is the
// destination) of one connection map to the same core and table. It is the
// queue a NIC steering by RSS on that endpoint delivers the packet to
// (rss_hash.hpp), so on such NICs no packet needs the handoff ring.

#include <cstdint>
#include <cstring>

#include "dataplane/rss_hash.hpp"
#include "packet/flow_key.hpp"
#include "sched/hash.hpp"

namespace dvs::dataplane {

// One mixer for the whole project (MurmurHash3's finaliser).
using sched::detail::mix64;

// The key of the connection tables' hash (hash_flow). dvsd draws one per
// process at start (random_flow_hash_seed, through WorkerEnv) and every
// worker's tables use it; only tests and benches fix one, to replay the
// same placement.
struct FlowHashSeed {
    uint64_t value = 0;
};
// Eight bytes from getrandom(2). Control path only (a syscall); throws
// std::system_error when the kernel has none to give.
FlowHashSeed random_flow_hash_seed();

// The connection tables' hashes (conn_table.hpp). IPv4: the key as two
// words loaded whole (the addresses; the ports and protocol), the second
// mixed before it meets the first. A multiply alone is not enough there:
// its low half depends only on the low half of the ports word, so a client
// could pick ports and addresses whose NAT reply keys all share one hash
// (test_conn_table.cpp, "crafted NAT reply keys").
//
// Keyed, as Linux keys its connection hashes with a random seed, so that
// nobody can compute offline a family of keys that fills one bucket pair
// (16 keys; the next is conn_table_full). The seed goes in before the
// inner mix64, not only before the outer one: the outer mix64 is a
// bijection, so keys with equal input (addresses ^ mix64(ports word))
// would collide under any seed XORed there. Before the inner one, what
// meets the addresses is unknown; keys that differ in addresses alone
// meet one unknown constant c, mix64(addresses ^ c). One XOR a hash. Not
// a cryptographic PRF (SipHash, as Linux now uses, costs tens of
// instructions more): it stops precomputation, not someone who watches
// the table fill to learn the seed.
inline uint64_t hash_flow(const FlowKey& k, FlowHashSeed seed) {
    return mix64(k.addresses() ^ mix64(((uint64_t{k.ports()} << 8) | k.proto) ^ seed.value));
}
// IPv6: the seed goes in twice, innermost on each side. The ports word
// keys the branch over the destination and the ports. The source address
// is folded to 64 bits before it meets that branch, so its low half is
// keyed too: unkeyed, a client could choose any low half w1 and the high
// half K ^ mix64(w1), and every such address would fold to K under any
// seed (test_conn_table.cpp, "IPv6 sources folded").
inline uint64_t hash_flow(const FlowKey6& k, FlowHashSeed seed) {
    uint64_t w[4];
    std::memcpy(w, k.src_ip.b, 16);
    std::memcpy(w + 2, k.dst_ip.b, 16);
    const uint64_t b = (uint64_t{k.src_port} << 24) | (uint64_t{k.dst_port} << 8) | k.proto;
    return mix64(mix64(w[0] ^ mix64(w[1] ^ seed.value)) ^
                 mix64(w[2] ^ mix64(w[3] ^ mix64(b ^ seed.value))));
}

// ip and port in network byte order; result in [0, n_workers).
inline uint32_t owner_core(uint32_t client_ip, uint16_t client_port, uint32_t n_workers) {
    // One worker owns everything: skip the Toeplitz hash (about 20
    // instructions a packet), whose answer would be 0 anyway.
    if (n_workers <= 1) return 0;
    const uint32_t entry = rss_hash_endpoint4(client_ip, client_port) & (kRetaEntries - 1);
    return worker_of_reta_entry(entry, n_workers);
}

}  // namespace dvs::dataplane

namespace dvs::dataplane {

// The IPv6 client's owner core: its address folded to 32 bits, then as
// IPv4 (software steering only: a NIC's RSS over IPv6 hashes the whole
// address, so IPv6 flows may take the handoff ring on RSS-steered ports).
inline uint32_t owner_core(const Ip6& client_ip, uint16_t client_port, uint32_t n_workers) {
    return owner_core(client_ip.fold(), client_port, n_workers);
}

}  // namespace dvs::dataplane
