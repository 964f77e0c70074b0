#pragma once
// Per-worker ARP neighbour cache with a small queue of packets per
// unresolved neighbour, so the first packets of a new flow wait for the ARP
// reply instead of being dropped.
//
// Owned by one worker; every worker learns from every ARP packet (the one
// that receives it passes copies to the others), so caches converge without
// sharing memory. Fixed size, no allocation after construction.

#include <rte_mbuf.h>

#include <cstdint>

namespace dvs::dataplane {

class NeighborTable {
public:
    static constexpr uint32_t kSize = 1024;     // entries (power of two)
    static constexpr uint32_t kMaxPending = 8;  // packets held per unresolved neighbour

    enum class State : uint8_t { kEmpty, kIncomplete, kReachable };

    struct Entry {
        uint32_t ip;    // network byte order
        uint16_t port;  // port index
        State state;
        uint8_t n_pending;
        uint8_t mac[6];
        uint64_t confirmed_tsc;  // last time an ARP packet confirmed it
        uint64_t requested_tsc;  // last ARP request we sent for it
        uint64_t queued_tsc;     // when the oldest pending packet was queued
        rte_mbuf* pending[kMaxPending];
    };

    NeighborTable();

    Entry* find(uint16_t port, uint32_t ip);
    // Finds or claims an entry; nullptr when the table is full.
    Entry* find_or_add(uint16_t port, uint32_t ip);

    template <typename F>
    void for_each(F&& f) {
        for (Entry& e : entries_) {
            if (e.state != State::kEmpty) f(e);
        }
    }

private:
    static uint32_t slot(uint16_t port, uint32_t ip);
    Entry entries_[kSize];
};

}  // namespace dvs::dataplane
