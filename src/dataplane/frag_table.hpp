#pragma once
// Per-worker table of IP fragment chains of load-balanced traffic.
//
// Later fragments carry no ports, so they cannot find their connection or
// their owner core by themselves. All fragments of a datagram first meet on
// one core chosen by (src, dst, id, proto) — its "fragment core" — where
// this table remembers the ports read from the first fragment. Fragments
// that arrive before their first are held briefly. No reassembly. IPv4 and
// IPv6 datagrams share the table, its bounds and its counters.
//
// An entry lives until its datagram is complete (the last fragment told the
// total length and as many bytes have been seen: release()), or at most
// kLifetime. Entries sit on a list in the order they were created, so the
// oldest are found without a scan: expiry walks from the oldest, and when
// the worker's bound on held fragments is reached the oldest entry that
// holds some is evicted (oldest_holding()).
// Owned by one worker; fixed size, no allocation after construction.

#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

#include "packet/flow_key.hpp"

namespace dvs::dataplane {

// A datagram of either family: IPv4 addresses as IPv4-mapped IPv6 ones
// (::ffff:a.b.c.d), which no IPv6 packet carries as its source (parse_ipv6
// refuses it), so one table serves both without a family field.
struct FragKey {
    Ip6 src;
    Ip6 dst;
    uint32_t id;  // IPv4's 16 bits, or IPv6's 32 (network byte order)
    uint8_t proto;
    bool operator==(const FragKey&) const = default;

    static FragKey v4(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto) {
        return {mapped(src), mapped(dst), id, proto};
    }
    static FragKey v6(const uint8_t* src, const uint8_t* dst, uint32_t id, uint8_t proto) {
        return {Ip6::from(src), Ip6::from(dst), id, proto};
    }

private:
    static Ip6 mapped(uint32_t a) {
        Ip6 m;
        m.b[10] = m.b[11] = 0xff;
        std::memcpy(m.b + 12, &a, 4);
        return m;
    }
};

class FragTable {
public:
    static constexpr uint32_t kSize = 4096;  // entries (power of two)
    static constexpr uint32_t kProbe = 8;
    static constexpr uint32_t kMaxHeld = 6;   // fragments held per datagram before its first
    static constexpr uint32_t kLifetime = 2;  // seconds
    // oldest_holding() looks at most this many entries from the oldest: in
    // a flood nearly every entry holds fragments, in normal traffic entries
    // end with their datagrams, so the walk is short either way.
    static constexpr uint32_t kEvictScan = 64;
    static constexpr uint16_t kNone = 0xffff;

    struct Entry {
        FragKey key;
        bool used;
        bool ports_known;
        uint8_t n_held;
        uint8_t l4_hdr_len;  // bytes of L4 header in the first fragment (frag_guard.hpp)
        uint16_t src_port;   // network byte order, from the first fragment
        uint16_t dst_port;
        uint32_t created;  // tick (seconds)
        uint32_t total;    // the datagram's IP payload bytes, from its last fragment; 0: unknown
        uint32_t seen;     // IP payload bytes of the fragments seen (forwarded or held)
        uint16_t older;    // the age list: entry indices, kNone at either end
        uint16_t newer;
        rte_mbuf* held[kMaxHeld];
    };

    FragTable();

    // The entry for `key`, claimed if new (newest on the age list); nullptr
    // when no slot of its probe window is free.
    Entry* find_or_add(const FragKey& key, uint32_t now);

    // The entry is free again (its held fragments are the caller's).
    void release(Entry& e);

    // True when the datagram's every byte has been seen: the entry may go.
    static bool complete(const Entry& e) { return e.total != 0 && e.seen >= e.total; }

    // The oldest entry holding fragments other than `except`, looking at
    // most kEvictScan entries; nullptr if none.
    Entry* oldest_holding(const Entry* except);

    // Held fragments, summed over entries (the worker's bound applies to it).
    uint32_t held() const { return held_; }
    void add_held(Entry& e, rte_mbuf* m) {
        e.held[e.n_held++] = m;
        ++held_;
    }
    // The entry's held fragments were taken (sent on or dropped).
    void clear_held(Entry& e) {
        held_ -= e.n_held;
        e.n_held = 0;
    }

    // Frees entries older than kLifetime, oldest first; on_timeout(mbuf)
    // for each held fragment (its first never came).
    template <typename F>
    void expire(uint32_t now, F&& on_timeout) {
        while (oldest_ != kNone && now - entries_[oldest_].created >= kLifetime) {
            Entry& e = entries_[oldest_];
            for (uint8_t i = 0; i < e.n_held; ++i) on_timeout(e.held[i]);
            clear_held(e);
            release(e);
        }
    }

    static uint64_t hash(const FragKey& k);

private:
    uint16_t index_of(const Entry& e) const { return static_cast<uint16_t>(&e - entries_); }

    Entry entries_[kSize];
    uint16_t oldest_ = kNone;
    uint16_t newest_ = kNone;
    uint32_t held_ = 0;
};

}  // namespace dvs::dataplane
