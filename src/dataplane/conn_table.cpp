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
uint32_t bucket_count(uint32_t capacity) {
    return std::max(std::bit_ceil(capacity > 2 ? capacity : 2u) / 2, 1u);
}
}  // namespace

template <class Entry, class Key>
uint64_t BasicConnTable<Entry, Key>::memory_bytes(uint32_t capacity) {
    return uint64_t{sizeof(Entry)} * (capacity ? capacity : 1) +
           uint64_t{sizeof(Bucket)} * bucket_count(capacity) +
           uint64_t{sizeof(uint32_t)} * kWheelSlots;
}

template <class Entry, class Key>
BasicConnTable<Entry, Key>::BasicConnTable(uint32_t capacity, TableMemory memory)
    : capacity_(capacity), memory_(memory) {
    entries_ = static_cast<Entry*>(allocate(sizeof(Entry) * (capacity ? capacity : 1)));
    wheel_ = static_cast<uint32_t*>(allocate(sizeof(uint32_t) * kWheelSlots));
    // Two keys per NAT connection: at most 4 of 8 slots per bucket on
    // average when full (half the slots; a quarter just above a power of
    // two). The home bucket is full for under 1% of keys, so a lookup is
    // one cache line; when home and alternate are both full, index_add moves
    // a resident key to its other bucket, which kept every insert succeeding
    // up to capacity in simulation at 1M and 10M entries (see
    // tests/unit/test_conn_table.cpp for the fill test).
    const uint32_t buckets = bucket_count(capacity);
    bucket_mask_ = buckets - 1;
    buckets_ = static_cast<Bucket*>(allocate(sizeof(Bucket) * buckets));
    for (uint32_t i = 0; i < kWheelSlots; ++i) wheel_[i] = kNil;
    for (uint32_t i = 0; i < capacity; ++i) entries_[i].next = i + 1 < capacity ? i + 1 : kNil;
    free_head_ = capacity ? 0 : kNil;
}

template <class Entry, class Key>
BasicConnTable<Entry, Key>::~BasicConnTable() {
    for (void* p :
         {static_cast<void*>(entries_), static_cast<void*>(buckets_), static_cast<void*>(wheel_)}) {
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
    const double bytes = double(sizeof(Entry)) * capacity_ +
                         double(sizeof(Bucket)) * (bucket_mask_ + 1) +
                         double(sizeof(uint32_t)) * kWheelSlots;
    return capacity_ ? bytes / capacity_ : 0;
}

template <class Entry, class Key>
bool BasicConnTable<Entry, Key>::index_add(const Key& k, uint32_t ref) {
    const uint64_t h = hash_key(k);
    const uint32_t home = home_bucket(h);
    const uint32_t alternate = alternate_bucket(h);
    for (int probe = 0; probe < 2; ++probe) {
        Bucket& bk = buckets_[probe ? alternate : home];
        for (int s = 0; s < 8; ++s) {
            if (bk.sig[s] != 0) continue;
            bk.sig[s] = signature(h);
            bk.ref[s] = ref;
            if (probe) ++buckets_[home].spilled;
            return true;
        }
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
    Entry& c = entries_[idx];
    uint32_t& head = wheel_[at_tick & (kWheelSlots - 1)];
    c.wheel_tick = at_tick;
    c.prev = kNil;
    c.next = head;
    if (head != kNil) entries_[head].prev = idx;
    head = idx;
}

template <class Entry, class Key>
void BasicConnTable<Entry, Key>::wheel_unlink(uint32_t idx) {
    Entry& c = entries_[idx];
    if (c.prev != kNil) {
        entries_[c.prev].next = c.next;
    } else {
        wheel_[c.wheel_tick & (kWheelSlots - 1)] = c.next;
    }
    if (c.next != kNil) entries_[c.next].prev = c.prev;
}

template <class Entry, class Key>
Entry* BasicConnTable<Entry, Key>::insert(const Entry& proto, uint32_t now, uint32_t timeout) {
    if (free_head_ == kNil) return nullptr;
    const uint32_t idx = free_head_;
    Entry& c = entries_[idx];
    const uint32_t next_free = c.next;
    c = proto;
    // A refused insert leaves the slot free: its free-list link (which the
    // copy overwrote) and its "not in use" mark come back.
    const auto refuse = [&]() -> Entry* {
        c.next = next_free;
        c.expires = 0;
        return nullptr;
    };
    if (!index_add(c.inbound_key(), idx << 1)) return refuse();
    if (c.has_reply_key && !index_add(c.reply_key(), idx << 1 | 1)) {
        index_remove(c.inbound_key(), idx << 1);
        return refuse();
    }
    free_head_ = next_free;
    ++size_;
    ++generation_;
    // A new entry may be created before the wheel first ran: keep ticks sane.
    if (static_cast<int32_t>(now - tick_) < 0) now = tick_;
    c.expires = now + timeout;
    const uint32_t horizon = tick_ + kWheelSlots - 1;
    wheel_link(idx, static_cast<int32_t>(c.expires - horizon) > 0 ? horizon : c.expires);
    return &c;
}

template <class Entry, class Key>
void BasicConnTable<Entry, Key>::touch(Entry* c, uint32_t now, uint32_t timeout) {
    c->expires = now + timeout;
    // Entries sit in the slot of their earliest possible expiry; only an
    // earlier expiry (e.g. ESTABLISHED -> CLOSE) needs a move.
    if (static_cast<int32_t>(c->expires - c->wheel_tick) < 0) {
        const uint32_t idx = index_of(c);
        wheel_unlink(idx);
        const uint32_t at = static_cast<int32_t>(c->expires - tick_) > 0 ? c->expires : tick_ + 1;
        wheel_link(idx, at);
    }
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
    entries_[idx].next = free_head_;
    free_head_ = idx;
    --size_;
    ++generation_;
}

template class BasicConnTable<Conn, FlowKey>;
template class BasicConnTable<Conn6, FlowKey6>;

}  // namespace dvs::dataplane
