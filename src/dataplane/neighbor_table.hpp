#pragma once
// Per-worker ARP neighbour cache with a small queue of packets per
// unresolved neighbour, so the first packets of a new flow wait for the ARP
// reply instead of being dropped.
//
// Owned by one worker; every worker learns from every ARP packet (the one
// that receives it passes copies to the others), so caches converge without
// sharing memory. Fixed size, no allocation after construction.
//
// Life cycle (as the kernel's, simplified; Neighbors<Io> drives it):
//   kIncomplete  asked, no answer yet: packets wait; removed after the
//                give-up time with its packets dropped
//   kReachable   confirmed by an ARP packet within the reachable time
//   kStale       not confirmed for that long: still used as it is; the next
//                packet sends a request and makes it kProbe; removed when
//                unused for the stale time
//   kProbe       used while stale, asked again: still used; removed if no
//                answer comes within the give-up time
// An entry lives in one of kProbe slots from its home slot. When they are
// all taken, the oldest incomplete entry among them makes room (a flood of
// unanswered next hops cannot lock real neighbours out); a live entry
// (reachable, stale, probing) is never evicted.

#include <rte_mbuf.h>

#include <cstdint>

namespace dvs::dataplane {

class NeighborTable {
public:
    static constexpr uint32_t kSize = 1024;     // entries (power of two)
    static constexpr uint32_t kProbe = 16;      // slots an entry may live in, from its home
    static constexpr uint32_t kMaxPending = 8;  // packets held per unresolved neighbour

    enum class State : uint8_t { kEmpty, kIncomplete, kReachable, kStale, kProbe };

    struct Entry {
        uint32_t ip;    // network byte order
        uint16_t port;  // port index
        State state;
        uint8_t n_pending;
        uint8_t mac[6];
        uint64_t created_tsc;    // claimed (the age eviction goes by)
        uint64_t confirmed_tsc;  // last time an ARP packet confirmed it
        uint64_t requested_tsc;  // last ARP request we sent for it
        uint64_t used_tsc;       // last packet sent through it
        uint64_t queued_tsc;     // when the oldest pending packet was queued
        rte_mbuf* pending[kMaxPending];
    };

    NeighborTable();

    Entry* find(uint16_t port, uint32_t ip);
    // Finds or claims an entry (claimed: kIncomplete, nothing pending).
    // When its slots are all taken, the oldest incomplete one is passed to
    // evict(entry), which must take its pending packets, and reused;
    // nullptr when every slot holds a live entry.
    template <typename F>
    Entry* find_or_add(uint16_t port, uint32_t ip, uint64_t now, F&& evict) {
        const uint32_t home = slot(port, ip);
        Entry* free_slot = nullptr;
        Entry* oldest_incomplete = nullptr;
        for (uint32_t i = 0; i < kProbe; ++i) {
            Entry& e = entries_[(home + i) & (kSize - 1)];
            if (e.state == State::kEmpty) {
                if (free_slot == nullptr) free_slot = &e;
                continue;
            }
            if (e.ip == ip && e.port == port) return &e;
            if (e.state == State::kIncomplete &&
                (oldest_incomplete == nullptr || e.created_tsc < oldest_incomplete->created_tsc)) {
                oldest_incomplete = &e;
            }
        }
        if (free_slot == nullptr) {
            if (oldest_incomplete == nullptr) return nullptr;
            evict(*oldest_incomplete);
            free_slot = oldest_incomplete;
        }
        claim(*free_slot, port, ip, now);
        return free_slot;
    }
    // The slot is free again (its pending packets are the caller's).
    static void remove(Entry& e) {
        e.state = State::kEmpty;
        e.n_pending = 0;
    }

    template <typename F>
    void for_each(F&& f) {
        for (Entry& e : entries_) {
            if (e.state != State::kEmpty) f(e);
        }
    }

private:
    static uint32_t slot(uint16_t port, uint32_t ip);
    static void claim(Entry& e, uint16_t port, uint32_t ip, uint64_t now);
    Entry entries_[kSize];
};

}  // namespace dvs::dataplane
