#pragma once
// Per-worker table of IP fragment chains of load-balanced traffic.
//
// Later fragments carry no ports, so they cannot find their connection or
// their owner core by themselves. All fragments of a datagram first meet on
// one core chosen by (src, dst, id, proto) — its "fragment core" — where
// this table remembers the ports read from the first fragment. Fragments
// that arrive before their first are held briefly. Entries live a short,
// fixed time (a datagram's fragments arrive together); no reassembly.
// Owned by one worker; fixed size, no allocation after construction.

#include <rte_mbuf.h>

#include <cstdint>

namespace dvs::dataplane {

struct FragKey {
    uint32_t src;
    uint32_t dst;
    uint16_t id;
    uint8_t proto;
    bool operator==(const FragKey&) const = default;
};

class FragTable {
public:
    static constexpr uint32_t kSize = 4096;  // entries (power of two)
    static constexpr uint32_t kProbe = 8;
    static constexpr uint32_t kMaxHeld = 6;   // fragments held per datagram before its first
    static constexpr uint32_t kLifetime = 2;  // seconds

    struct Entry {
        FragKey key;
        bool used;
        bool ports_known;
        uint8_t n_held;
        uint8_t l4_hdr_len;  // bytes of L4 header in the first fragment (frag_guard.hpp)
        uint16_t src_port;   // network byte order, from the first fragment
        uint16_t dst_port;
        uint32_t created;  // tick (seconds)
        rte_mbuf* held[kMaxHeld];
    };

    FragTable();

    // The entry for `key`, claimed if new; nullptr when no slot is free.
    Entry* find_or_add(const FragKey& key, uint32_t now);

    // Frees entries older than kLifetime; on_timeout(mbuf) for each held
    // fragment (its first never came).
    template <typename F>
    void expire(uint32_t now, F&& on_timeout) {
        for (Entry& e : entries_) {
            if (!e.used || now - e.created < kLifetime) continue;
            for (uint8_t i = 0; i < e.n_held; ++i) on_timeout(e.held[i]);
            e.n_held = 0;
            e.used = false;
        }
    }

    static uint64_t hash(const FragKey& k);

private:
    Entry entries_[kSize];
};

}  // namespace dvs::dataplane
