#pragma once
// The per-core connection table: a bucketised hash index over a fixed array
// of Conn entries, plus a timer wheel with one-second slots that expires idle
// entries (the paper's slow timer).
//
// Single-writer: one worker core owns a table and is the only thread that
// touches it. All memory is allocated in the constructor; insert/lookup/erase
// and advance never allocate. Pure code (no DPDK) so it is unit-testable.
//
// Index: 64-byte buckets of 8 {16-bit signature, entry reference} slots,
// 3/8 as many buckets as entries (3 slots per entry: a full NAT table, two
// keys per entry, uses two thirds of them), picked by multiply-shift so the
// count need not be a power of two: entries, wheel links and index take 64
// bytes per connection at any capacity. A key lives
// in its home bucket or, when that is full, in its alternate (chosen by other
// hash bits, so spills do not pile up on neighbours); the home bucket counts
// such spills, so a lookup touches one cache line unless a spill exists. When
// both are full, a resident key moves to its own other bucket to make room.
// A NAT connection has two keys (inbound and reply) that both reference the
// same entry.
//
// One template, two tables: ConnTable holds IPv4 connections (Conn, 32-bit
// addresses, at most 64 bytes) and ConnTable6 IPv6 ones (Conn6, 128-bit
// addresses), so IPv6 never makes an IPv4 entry bigger or an IPv4 key
// compare longer. The code is the same; an Entry provides inbound_key(),
// reply_key(), has_reply_key, expires and wheel_slot, and hash_flow(Key,
// seed) is the key's hash, keyed by a seed of the table's (random in dvsd,
// so nobody can compute offline which keys share a bucket pair). The
// wheel's list links are the table's own array (the cold part of an entry:
// insert, erase, expiry and early moves touch it, a packet of an
// established flow does not).

#include <cstdint>
#include <memory>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/conn.hpp"
#include "dataplane/flow_hash.hpp"

namespace dvs::dataplane {

// Where a table's memory comes from. Default: the heap. The worker passes
// hugepage memory (rte_malloc), so random lookups in a large table do not
// also miss the TLB.
struct TableMemory {
    void* (*allocate)(size_t bytes, size_t align) = nullptr;  // must return zeroed memory
    void (*release)(void* p) = nullptr;
};

template <class Entry, class Key>
class BasicConnTable {
public:
    static constexpr uint32_t kNil = UINT32_MAX;
    static constexpr uint32_t kWheelSlots = 1024;  // ticks; longer timeouts are re-armed
    static_assert(kWheelSlots == 1u << kConnWheelSlotBits);

    struct Hit {
        Entry* conn = nullptr;
        Direction dir = Direction::kInbound;
    };

    // seed: the key of hash_key (flow_hash.hpp); dvsd's is random.
    BasicConnTable(uint32_t capacity, FlowHashSeed seed, TableMemory memory = {});
    ~BasicConnTable();
    BasicConnTable(const BasicConnTable&) = delete;
    BasicConnTable& operator=(const BasicConnTable&) = delete;

    Hit lookup(const Key& key) const { return lookup(key, hash_key(key)); }
    // The same, with hash_key(key) already computed. Declared inline here,
    // not only at its definition below: the explicit instantiation
    // declaration after the class makes GCC call a member that it does not
    // yet know to be inline (lookup and touch were calls until this).
    inline Hit lookup(const Key& key, uint64_t hash) const;
    // Changes whenever an entry is inserted or removed: a lookup result
    // taken at the same generation is still valid.
    uint32_t generation() const { return generation_; }
    // Bulk lookups in stages (as rte_hash_lookup_bulk does): first start
    // loading the home bucket of each key, later the entries its signature
    // matches, so a burst's cache misses overlap instead of queueing.
    void prefetch_bucket(uint64_t hash) const { prefetch(&buckets_[home_bucket(hash)]); }
    void prefetch_entries(uint64_t hash) const {
        const Bucket& bk = buckets_[home_bucket(hash)];
        uint32_t m = matching_slots(bk, signature(hash));
        // No candidate at home: the lookup reads the alternate bucket when
        // home has spilled, and a new key goes there when home is full.
        if (m == 0 && (bk.spilled != 0 || matching_slots(bk, 0) == 0)) {
            prefetch(&buckets_[alternate_bucket(hash)]);
        }
        for (; m != 0; m &= m - 1) {
            const auto* e = reinterpret_cast<const char*>(&entries_[bk.ref[slot_of(m)] >> 1]);
            prefetch(e);
            // A 32-byte Conn never straddles two lines (the array is
            // 64-byte aligned); a 68-byte Conn6 always does.
            if constexpr (64 % sizeof(Entry) != 0) prefetch(e + sizeof(Entry) - 1);
        }
    }
    // For a key about to be indexed whose home bucket is in cache (after
    // prefetch_bucket): fetches the alternate too when home is full.
    void prefetch_alternate_if_full(uint64_t hash) const {
        if (matching_slots(buckets_[home_bucket(hash)], 0) == 0) {
            prefetch(&buckets_[alternate_bucket(hash)]);
        }
    }

    // Copies the identity and forwarding fields of `c`, indexes its inbound
    // key (and its reply key when c.has_reply_key) and arms its timer at
    // now + timeout. Returns nullptr when the table or the index is full.
    Entry* insert(const Entry& c, uint32_t now, uint32_t timeout) {
        return insert(c, now, timeout, hash_key(c.inbound_key()));
    }
    // The same, with hash_key(c.inbound_key()) already computed (the
    // burst's lookup did).
    Entry* insert(const Entry& c, uint32_t now, uint32_t timeout, uint64_t inbound_hash) {
        Entry* e = insert_inbound(c, now, timeout, inbound_hash);
        if (e != nullptr && e->has_reply_key && !add_reply_key(e, hash_key(e->reply_key()))) {
            return nullptr;
        }
        return e;
    }
    // insert() in two steps, so that the reply key's bucket (a random cache
    // line, known only once the real server is chosen) can be fetched while
    // other packets are processed: insert_inbound takes the entry, indexes
    // only its inbound key and arms its timer; add_reply_key indexes the
    // reply key (hash_key(e->reply_key())) later, or, when the index has no
    // room for it, takes the entry out again as if insert had refused it
    // and returns false. Between the two, lookups find the entry by its
    // inbound key only.
    Entry* insert_inbound(const Entry& c, uint32_t now, uint32_t timeout, uint64_t inbound_hash);
    bool add_reply_key(Entry* e, uint64_t reply_hash);

    // Records activity: the entry now expires at now + timeout.
    [[gnu::always_inline]] inline void touch(Entry* c, uint32_t now, uint32_t timeout);

    // Removes the entry at once (its keys and its timer).
    void erase(Entry* c);

    // Runs the wheel up to `now`; calls on_expire(Conn&) for each entry that
    // has been idle past its timeout. on_expire returns 0 to remove the entry,
    // or a number of ticks to keep it that much longer (a persistence
    // template that still controls connections). on_rearm(const Conn&) is
    // called for each entry whose slot came due while it was still active
    // (touched since it was armed) and is moved to its later expiry: about
    // once per timeout of a live entry, which is when a master refreshes the
    // peer's copy (connection sync).
    struct NoRearm {
        void operator()(const Entry&) const {}
    };
    template <typename OnExpire, typename OnRearm = NoRearm>
    void advance(uint32_t now, OnExpire&& on_expire, OnRearm&& on_rearm = {});

    // Calls f(const Conn&) for the entries in use among slots [from, from +
    // count) and returns where the next call should start (capacity() when
    // done): a table can be walked a slice at a time. In-use entries always
    // have expires != 0 (insert arms it with a timeout >= 1 after tick 0).
    template <typename F>
    uint32_t scan(uint32_t from, uint32_t count, F&& f) const {
        const uint32_t end = count < capacity_ - from ? from + count : capacity_;
        for (uint32_t i = from; i < end; ++i) {
            if (entries_[i].expires != 0) f(static_cast<const Entry&>(entries_[i]));
        }
        return end;
    }

    uint32_t size() const { return size_; }
    uint32_t capacity() const { return capacity_; }
    uint32_t tick() const { return tick_; }
    // Bytes of table memory (entries + index + wheel) divided by capacity.
    double bytes_per_entry() const;
    // Bytes a table of `capacity` allocates (what --check compares with the
    // hugepages present).
    static uint64_t memory_bytes(uint32_t capacity);

    // The key's hash under this table's seed: what lookup, insert and the
    // prefetches take.
    uint64_t hash_key(const Key& k) const { return hash_flow(k, seed_); }

private:
    // GCC deletes a loop whose only effect is __builtin_prefetch (it did so
    // to prefetch_entries); an asm statement with a memory operand stays.
    static void prefetch(const void* p) {
#if defined(__x86_64__)
        asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
        __builtin_prefetch(p);
#endif
    }

    struct alignas(64) Bucket {
        uint16_t sig[8];
        uint32_t ref[8];   // entry index << 1 | direction; meaningful when sig != 0
        uint32_t spilled;  // keys whose home is this bucket but live in their alternate
        uint32_t pad[3];
    };
    static_assert(sizeof(Bucket) == 64);

    static uint16_t signature(uint64_t h) {
        const uint16_t s = static_cast<uint16_t>(h >> 48);
        return s ? s : 1;  // 0 marks an empty slot
    }
    // The slots of `bk` holding signature `sig`, as a mask with bit 2s set
    // for slot s: one 16-byte compare instead of eight (lookups and
    // prefetches run it per packet). Walk it with slot_of and m &= m - 1.
    static uint32_t matching_slots(const Bucket& bk, uint16_t sig) {
#if defined(__SSE2__)
        const __m128i sigs = _mm_load_si128(reinterpret_cast<const __m128i*>(bk.sig));
        const __m128i eq = _mm_cmpeq_epi16(sigs, _mm_set1_epi16(static_cast<int16_t>(sig)));
        return static_cast<uint32_t>(_mm_movemask_epi8(eq)) & 0x5555u;
#else
        uint32_t m = 0;
        for (int s = 0; s < 8; ++s) m |= uint32_t{bk.sig[s] == sig} << (2 * s);
        return m;
#endif
    }
    static int slot_of(uint32_t mask) { return __builtin_ctz(mask) / 2; }
    // The entry `key` names among the slots of `bk` holding `sig`.
    inline Hit match(const Bucket& bk, uint16_t sig, const Key& key) const;
    // Bucket numbers by multiply-shift (Lemire's fast range) over 32 hash
    // bits: any bucket count, one multiply. The alternate takes bits 16..47,
    // which overlap neither the home's significant bits much nor the
    // signature (bits 48..63).
    uint32_t bucket_of(uint32_t bits) const {
        return static_cast<uint32_t>((uint64_t{bits} * n_buckets_) >> 32);
    }
    uint32_t home_bucket(uint64_t h) const { return bucket_of(static_cast<uint32_t>(h)); }
    uint32_t alternate_bucket(uint64_t h) const {
        return bucket_of(static_cast<uint32_t>(h >> 16));
    }
    // The tick of wheel slot `slot`: every linked entry's tick lies in
    // (tick_, tick_ + kWheelSlots] outside advance(), one tick per slot.
    uint32_t slot_tick(uint32_t slot) const {
        return tick_ + 1 + ((slot - tick_ - 1) & (kWheelSlots - 1));
    }
    bool index_add(uint64_t h, uint32_t ref);  // h: the key's hash_key
    bool relocate(uint32_t bucket, int slot);
    void index_remove(const Key& k, uint32_t ref);
    uint32_t index_of(const Entry* c) const { return static_cast<uint32_t>(c - entries_); }
    void* allocate(size_t bytes);
    void wheel_link(uint32_t idx, uint32_t at_tick);
    void wheel_unlink(uint32_t idx);
    void release(uint32_t idx);

    // Timer-wheel and free-list links of entry i (entry indices; kNil ends
    // a list).
    struct Link {
        uint32_t next;
        uint32_t prev;
    };

    uint32_t capacity_;
    uint32_t size_ = 0;
    uint32_t n_buckets_;
    FlowHashSeed seed_;
    uint32_t free_head_;
    uint32_t tick_ = 0;  // last tick the wheel has processed
    uint32_t generation_ = 0;
    TableMemory memory_;
    Entry* entries_ = nullptr;
    Bucket* buckets_ = nullptr;
    Link* links_ = nullptr;
    uint32_t* wheel_ = nullptr;  // slot heads
};

// The two tables (conn_table.cpp instantiates both).
using ConnTable = BasicConnTable<Conn, FlowKey>;
using ConnTable6 = BasicConnTable<Conn6, FlowKey6>;
extern template class BasicConnTable<Conn, FlowKey>;
extern template class BasicConnTable<Conn6, FlowKey6>;

// Each worker's IPv6 table holds `configured` entries
// (dataplane.conn6_capacity) or, when that is 0, an eighth of its IPv4
// capacity (at least 1024): IPv6 entries are 68 bytes, and a dual-stack box
// mostly sees IPv4 today; the IPv4 table keeps the whole conn_capacity.
inline uint32_t conn6_capacity(uint32_t conn_capacity, uint32_t configured = 0) {
    if (configured != 0) return configured;
    return conn_capacity / 8 > 1024 ? conn_capacity / 8 : 1024;
}
// Hugepage bytes of one worker's two tables (what --check compares).
inline uint64_t worker_tables_bytes(uint32_t conn_capacity, uint32_t conn6_configured = 0) {
    return ConnTable::memory_bytes(conn_capacity) +
           ConnTable6::memory_bytes(conn6_capacity(conn_capacity, conn6_configured));
}

// Here rather than in conn_table.cpp: it runs for every packet, inlined
// into the burst's lookup stage.
template <class Entry, class Key>
inline typename BasicConnTable<Entry, Key>::Hit BasicConnTable<Entry, Key>::match(
    const Bucket& bk, uint16_t sig, const Key& key) const {
    for (uint32_t m = matching_slots(bk, sig); m != 0; m &= m - 1) {
        const uint32_t ref = bk.ref[slot_of(m)];
        Entry* c = &entries_[ref >> 1];
        const auto dir = static_cast<Direction>(ref & 1);
        if ((dir == Direction::kInbound ? c->inbound_key() : c->reply_key()) == key) {
            return {c, dir};
        }
    }
    return {};
}

template <class Entry, class Key>
inline typename BasicConnTable<Entry, Key>::Hit BasicConnTable<Entry, Key>::lookup(
    const Key& key, uint64_t h) const {
    const uint16_t sig = signature(h);
    const Bucket& home = buckets_[home_bucket(h)];
    const Hit hit = match(home, sig, key);
    // Only a key whose home was full lives in its alternate.
    if (hit.conn != nullptr || home.spilled == 0) return hit;
    return match(buckets_[alternate_bucket(h)], sig, key);
}

// Inline too: every packet of an established connection touches it. Within
// the same second it changes nothing, so it writes nothing: the entry's line
// stays clean, and a large table is not written back line by line
// (perf18e's observation).
template <class Entry, class Key>
inline void BasicConnTable<Entry, Key>::touch(Entry* c, uint32_t now, uint32_t timeout) {
    if (c->expires == now + timeout) return;
    c->expires = now + timeout;
    // Entries sit in the slot of their earliest possible expiry; only an
    // earlier expiry (e.g. ESTABLISHED -> CLOSE) needs a move.
    if (static_cast<int32_t>(c->expires - slot_tick(c->wheel_slot)) < 0) {
        const uint32_t idx = index_of(c);
        wheel_unlink(idx);
        const uint32_t at = static_cast<int32_t>(c->expires - tick_) > 0 ? c->expires : tick_ + 1;
        wheel_link(idx, at);
    }
}

template <class Entry, class Key>
template <typename OnExpire, typename OnRearm>
void BasicConnTable<Entry, Key>::advance(uint32_t now, OnExpire&& on_expire, OnRearm&& on_rearm) {
    if (static_cast<int32_t>(now - tick_) <= 0) return;
    // After a stall longer than the wheel, one pass over every slot suffices:
    // each entry sits at most kWheelSlots ticks ahead of tick_.
    uint32_t from = tick_ + 1;
    if (now - tick_ > kWheelSlots) from = now - kWheelSlots + 1;
    // Every entry met here is due: its tick is the slot's (linked entries
    // lie within a lap ahead of tick_), and one moved on while walking slot
    // t goes to a tick in (now, t + kWheelSlots], whose slot has been walked.
    for (uint32_t t = from; t != now + 1; ++t) {
        const uint32_t horizon = t + kWheelSlots;
        uint32_t idx = wheel_[t & (kWheelSlots - 1)];
        while (idx != kNil) {
            Entry& c = entries_[idx];
            const uint32_t next = links_[idx].next;
            if (static_cast<int32_t>(c.expires - now) <= 0) {
                const uint32_t keep = on_expire(c);
                if (keep == 0) {
                    erase(&c);
                } else {
                    c.expires = now + keep;
                    wheel_unlink(idx);
                    wheel_link(idx,
                               static_cast<int32_t>(c.expires - horizon) > 0 ? horizon : c.expires);
                }
            } else {
                wheel_unlink(idx);
                wheel_link(idx,
                           static_cast<int32_t>(c.expires - horizon) > 0 ? horizon : c.expires);
                on_rearm(static_cast<const Entry&>(c));
            }
            idx = next;
        }
    }
    tick_ = now;
}

}  // namespace dvs::dataplane
