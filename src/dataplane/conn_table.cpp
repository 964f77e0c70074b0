#include "dataplane/conn_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

namespace dvs::dataplane {

template <class Entry, class Key>
void* BasicConnTable<Entry, Key>::allocate(size_t bytes) {
    void* p = memory_.allocate ? memory_.allocate(bytes, 64)
                               : ::operator new (bytes, std::align_val_t{64});
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, bytes);
    return p;
}

namespace {
// 3 slots per entry: a full NAT table (two keys per entry) fills two thirds
// of the index, DR and TUN (one key) a third.
uint32_t bucket_count(uint32_t capacity) {
    return std::max(static_cast<uint32_t>((uint64_t{capacity} * 3 + 7) / 8), 1u);
}
}  // namespace

template <class Entry, class Key>
uint64_t BasicConnTable<Entry, Key>::memory_bytes(uint32_t capacity) {
    return uint64_t{sizeof(Entry) + sizeof(Link)} * (capacity ? capacity : 1) +
           uint64_t{sizeof(Bucket)} * bucket_count(capacity) +
           uint64_t{sizeof(uint32_t)} * kWheelSlots;
}

template <class Entry, class Key>
BasicConnTable<Entry, Key>::BasicConnTable(uint32_t capacity, FlowHashSeed seed, TableMemory memory)
    : capacity_(capacity), seed_(seed), memory_(memory) {
    entries_ = static_cast<Entry*>(allocate(sizeof(Entry) * (capacity ? capacity : 1)));
    links_ = static_cast<Link*>(allocate(sizeof(Link) * (capacity ? capacity : 1)));
    wheel_ = static_cast<uint32_t*>(allocate(sizeof(uint32_t) * kWheelSlots));
    // Two keys per NAT connection: on average 5.3 of 8 slots per bucket
    // when full. When home and alternate are both full, index_add moves a
    // resident key to its other bucket, which kept every insert succeeding
    // up to capacity at 1M and 10M entries (tests/unit/test_conn_table.cpp
    // fills tables to capacity).
    n_buckets_ = bucket_count(capacity);
    buckets_ = static_cast<Bucket*>(allocate(sizeof(Bucket) * n_buckets_));
    for (uint32_t i = 0; i < kWheelSlots; ++i) wheel_[i] = kNil;
    for (uint32_t i = 0; i < capacity; ++i) links_[i].next = i + 1 < capacity ? i + 1 : kNil;
    free_head_ = capacity ? 0 : kNil;
}

template <class Entry, class Key>
BasicConnTable<Entry, Key>::~BasicConnTable() {
    for (void* p : {static_cast<void*>(entries_), static_cast<void*>(links_),
                    static_cast<void*>(buckets_), static_cast<void*>(wheel_)}) {
        if (p == nullptr) continue;
        if (memory_.release) {
            memory_.release(p);
        } else {
            ::operator delete (p, std::align_val_t{64});
        }
    }
}

template <class Entry, class Key>
double BasicConnTable<Entry, Key>::bytes_per_entry() const {
    const double bytes = double(sizeof(Entry) + sizeof(Link)) * capacity_ +
                         double(sizeof(Bucket)) * n_buckets_ +
                         double(sizeof(uint32_t)) * kWheelSlots;
    return capacity_ ? bytes / capacity_ : 0;
}

template <class Entry, class Key>
bool BasicConnTable<Entry, Key>::index_add(uint64_t h, uint32_t ref) {
    const uint32_t home = home_bucket(h);
    const uint32_t alternate = alternate_bucket(h);
    for (int probe = 0; probe < 2; ++probe) {
        Bucket& bk = buckets_[probe ? alternate : home];
        // The first empty slot (signature 0), by one compare of all eight.
        const uint32_t empty = matching_slots(bk, 0);
        if (empty == 0) continue;
        const int s = slot_of(empty);
        bk.sig[s] = signature(h);
        bk.ref[s] = ref;
        if (probe) ++buckets_[home].spilled;
        return true;
    }
    // Both full: make room by moving one resident key to its other bucket
    // (one step of cuckoo displacement; rare, so reading entries is fine).
    for (int probe = 0; probe < 2; ++probe) {
        const uint32_t b = probe ? alternate : home;
        Bucket& bk = buckets_[b];
        for (int s = 0; s < 8; ++s) {
            if (!relocate(b, s)) continue;
            bk.sig[s] = signature(h);
            bk.ref[s] = ref;
            if (probe) ++buckets_[home].spilled;
            return true;
        }
    }
    return false;
}

// Moves the key in slot `s` of bucket `b` to its other bucket, if that has
// a free slot, keeping the home buckets' spill counts right.
template <class Entry, class Key>
bool BasicConnTable<Entry, Key>::relocate(uint32_t b, int s) {
    const uint32_t ref = buckets_[b].ref[s];
    const Entry& c = entries_[ref >> 1];
    const uint64_t h = hash_key(
        static_cast<Direction>(ref & 1) == Direction::kInbound ? c.inbound_key() : c.reply_key());
    const uint32_t home = home_bucket(h);
    const uint32_t to = b == home ? alternate_bucket(h) : home;
    if (to == b) return false;
    Bucket& dst = buckets_[to];
    for (int d = 0; d < 8; ++d) {
        if (dst.sig[d] != 0) continue;
        dst.sig[d] = buckets_[b].sig[s];
        dst.ref[d] = ref;
        if (to == home) {
            --buckets_[home].spilled;  // back home
        } else {
            ++buckets_[home].spilled;
        }
        buckets_[b].sig[s] = 0;
        return true;
    }
    return false;
}

template <class Entry, class Key>
void BasicConnTable<Entry, Key>::index_remove(const Key& k, uint32_t ref) {
    const uint64_t h = hash_key(k);
    const uint32_t home = home_bucket(h);
    for (int probe = 0; probe < 2; ++probe) {
        Bucket& bk = buckets_[probe ? alternate_bucket(h) : home];
        for (int s = 0; s < 8; ++s) {
            if (bk.sig[s] == 0 || bk.ref[s] != ref) continue;
            bk.sig[s] = 0;
            if (probe) --buckets_[home].spilled;
            return;
        }
    }
}

template <class Entry, class Key>
void BasicConnTable<Entry, Key>::wheel_link(uint32_t idx, uint32_t at_tick) {
    const uint32_t slot = at_tick & (kWheelSlots - 1);
    uint32_t& head = wheel_[slot];
    entries_[idx].wheel_slot = slot;
    links_[idx].prev = kNil;
    links_[idx].next = head;
    if (head != kNil) links_[head].prev = idx;
    head = idx;
}

template <class Entry, class Key>
void BasicConnTable<Entry, Key>::wheel_unlink(uint32_t idx) {
    const Link& l = links_[idx];
    if (l.prev != kNil) {
        links_[l.prev].next = l.next;
    } else {
        wheel_[entries_[idx].wheel_slot] = l.next;
    }
    if (l.next != kNil) links_[l.next].prev = l.prev;
}

template <class Entry, class Key>
Entry* BasicConnTable<Entry, Key>::insert_inbound(const Entry& proto, uint32_t now,
                                                  uint32_t timeout, uint64_t inbound_hash) {
    if (free_head_ == kNil) return nullptr;
    const uint32_t idx = free_head_;
    Entry& c = entries_[idx];
    const uint32_t next_free = links_[idx].next;
    c = proto;
    if (!index_add(inbound_hash, idx << 1)) {
        // The slot stays free: its "not in use" mark comes back (the
        // free-list link is untouched).
        c.expires = 0;
        return nullptr;
    }
    free_head_ = next_free;
    if (next_free != kNil) {
        // The next insert's entry and link: after churn the free list is in
        // no order, and both would be misses on its path.
        prefetch(&entries_[next_free]);
        prefetch(&links_[next_free]);
    }
    ++size_;
    ++generation_;
    // A new entry may be created before the wheel first ran: keep ticks sane.
    if (static_cast<int32_t>(now - tick_) < 0) now = tick_;
    c.expires = now + timeout;
    const uint32_t horizon = tick_ + kWheelSlots - 1;
    wheel_link(idx, static_cast<int32_t>(c.expires - horizon) > 0 ? horizon : c.expires);
    return &c;
}

// No generation bump here: insert_inbound bumped it when the entry was
// made, so no lookup result of the burst is trusted past that point.
template <class Entry, class Key>
bool BasicConnTable<Entry, Key>::add_reply_key(Entry* c, uint64_t reply_hash) {
    const uint32_t idx = index_of(c);
    if (index_add(reply_hash, idx << 1 | 1)) return true;
    index_remove(c->inbound_key(), idx << 1);
    wheel_unlink(idx);
    release(idx);
    return false;
}

template <class Entry, class Key>
void BasicConnTable<Entry, Key>::erase(Entry* c) {
    const uint32_t idx = index_of(c);
    index_remove(c->inbound_key(), idx << 1);
    if (c->has_reply_key) index_remove(c->reply_key(), idx << 1 | 1);
    wheel_unlink(idx);
    release(idx);
}

template <class Entry, class Key>
void BasicConnTable<Entry, Key>::release(uint32_t idx) {
    entries_[idx].expires = 0;  // marks the slot free for scan()
    links_[idx].next = free_head_;
    free_head_ = idx;
    --size_;
    ++generation_;
}

template class BasicConnTable<Conn, FlowKey>;
template class BasicConnTable<Conn6, FlowKey6>;

}  // namespace dvs::dataplane
