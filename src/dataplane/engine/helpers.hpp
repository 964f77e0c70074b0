#pragma once
// Small helpers the engine's concern files share (engine/*.ipp). Internal
// to the engine: included by engine_impl.hpp only.

#include <rte_malloc.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "dataplane/conn_table.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/wire.hpp"

namespace dvs::dataplane::engine_detail {

// A packet from the wire whose source is one of our addresses or a VIP:
// spoofed (or looped). Checked only where it would make us act — a new
// connection, traffic to our own addresses — never on established flows.
// Linear in addresses + VIPs (a handful; Snapshot::is_vip).
inline bool spoofs_us(const Snapshot& snap, uint32_t src) {
    return snap.is_local(src) || snap.is_vip(src);
}

inline constexpr uint64_t kArpRetryMs = 1000;  // re-send a request at most this often
// An incomplete or probing entry without an answer this long is removed
// (its waiting packets dropped).
inline constexpr uint64_t kArpGiveUpMs = 3000;
inline constexpr uint64_t kArpReachableMs = 60000;  // reachable -> stale without confirmation
inline constexpr uint64_t kArpStaleMs = 600000;     // a stale entry unused this long is removed

// Connection tables live in hugepages: a random lookup in a large table
// then costs cache misses only, not TLB misses too.
inline TableMemory hugepage_table_memory() {
    TableMemory m;
    m.allocate = [](size_t bytes, size_t align) -> void* {
        void* p = rte_zmalloc("dvs_conn_table", bytes, static_cast<unsigned>(align));
        if (p == nullptr) {
            throw std::runtime_error("connection table: cannot get " + std::to_string(bytes >> 20) +
                                     " MiB of hugepage memory (reserve more hugepages or lower "
                                     "dataplane.conn_capacity)");
        }
        return p;
    };
    m.release = [](void* p) { rte_free(p); };
    return m;
}

// A connection's server may have left with the highest ids: the Snapshot's
// vector then ends before its id.
inline bool rs_present(const Snapshot& snap, uint32_t rs_id) {
    return rs_id < snap.real_servers.size() && snap.real_servers[rs_id].present;
}

inline bool is_unicast_to_other(const EthHdr& eth, const uint8_t our_mac[6]) {
    if (eth.dst[0] & 1) return false;  // broadcast or multicast
    return std::memcmp(eth.dst, our_mac, 6) != 0;
}

// Forced: GCC left it a call on the established path (about 10
// instructions a packet).
[[gnu::always_inline]] inline void set_eth(EthHdr& eth, const uint8_t dst[6], const uint8_t src[6],
                                           uint16_t ether_type = kEtherTypeIpv4) {
    std::memcpy(eth.dst, dst, 6);
    std::memcpy(eth.src, src, 6);
    eth.ether_type = be16(ether_type);
}

// The EtherType of what a neighbour table's entries carry.
inline constexpr uint16_t ether_type_of(uint32_t) { return kEtherTypeIpv4; }
inline constexpr uint16_t ether_type_of(const Ip6&) { return kEtherTypeIpv6; }

}  // namespace dvs::dataplane::engine_detail
