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
//
// One template, two tables: NeighborTable for IPv4 next hops (ARP) and
// NeighborTable6 for IPv6 ones (Neighbor Discovery), with the same bounds
// and life cycle; Addr is uint32_t or Ip6.

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

#include "dataplane/flow_hash.hpp"
#include "packet/flow_key.hpp"

namespace dvs::dataplane {

template <class Addr>
class BasicNeighborTable {
public:
    static constexpr uint32_t kSize = 1024;     // entries (power of two)
    static constexpr uint32_t kProbe = 16;      // slots an entry may live in, from its home
    static constexpr uint32_t kMaxPending = 8;  // packets held per unresolved neighbour

    using Address = Addr;
    enum class State : uint8_t { kEmpty, kIncomplete, kReachable, kStale, kProbe };

    struct Entry {
        Addr ip;        // network byte order
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

    BasicNeighborTable() { std::memset(static_cast<void*>(entries_), 0, sizeof(entries_)); }

    // Entries are removed, so a lookup looks at every slot of the window (an
    // empty slot does not end it).
    Entry* find(uint16_t port, const Addr& ip) {
        const uint32_t home = slot(port, ip);
        for (uint32_t i = 0; i < kProbe; ++i) {
            Entry& e = entries_[(home + i) & (kSize - 1)];
            if (e.state != State::kEmpty && e.ip == ip && e.port == port) return &e;
        }
        return nullptr;
    }
    // Finds or claims an entry (claimed: kIncomplete, nothing pending).
    // When its slots are all taken, the oldest incomplete one is passed to
    // evict(entry), which must take its pending packets, and reused;
    // nullptr when every slot holds a live entry.
    template <typename F>
    Entry* find_or_add(uint16_t port, const Addr& ip, uint64_t now, F&& evict) {
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
    static uint32_t slot(uint16_t port, uint32_t ip) {
        return static_cast<uint32_t>(mix64((uint64_t{port} << 32) | ip)) & (kSize - 1);
    }
    static uint32_t slot(uint16_t port, const Ip6& ip) {
        uint64_t w[2];
        std::memcpy(w, ip.b, 16);
        return static_cast<uint32_t>(mix64(w[0] ^ mix64(w[1] ^ port))) & (kSize - 1);
    }
    static void claim(Entry& e, uint16_t port, const Addr& ip, uint64_t now) {
        e.ip = ip;
        e.port = port;
        e.state = State::kIncomplete;
        e.n_pending = 0;
        e.created_tsc = now;
        e.confirmed_tsc = 0;
        e.requested_tsc = 0;
        e.used_tsc = now;
        e.queued_tsc = 0;
    }
    Entry entries_[kSize];
};

using NeighborTable = BasicNeighborTable<uint32_t>;
using NeighborTable6 = BasicNeighborTable<Ip6>;

}  // namespace dvs::dataplane
