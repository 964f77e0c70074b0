#include "dataplane/frag_table.hpp"

#include <cstring>

#include "dataplane/flow_hash.hpp"

namespace dvs::dataplane {

static_assert(FragTable::kSize < FragTable::kNone, "entry indices are 16-bit");

FragTable::FragTable() {
    for (Entry& e : entries_) e = Entry{};
}

uint64_t FragTable::hash(const FragKey& k) {
    uint64_t w[4];
    std::memcpy(w, k.src.b, 16);
    std::memcpy(w + 2, k.dst.b, 16);
    const uint64_t idp = uint64_t{k.id} << 8 | k.proto;
    return mix64(mix64(w[0] ^ mix64(w[1])) ^ mix64(w[2] ^ mix64(w[3] ^ mix64(idp))));
}

FragTable::Entry* FragTable::find_or_add(const FragKey& key, uint32_t now) {
    const uint32_t home = static_cast<uint32_t>(hash(key)) & (kSize - 1);
    Entry* free_slot = nullptr;
    for (uint32_t i = 0; i < kProbe; ++i) {
        Entry& e = entries_[(home + i) & (kSize - 1)];
        if (e.used && e.key == key) return &e;
        if (!e.used && free_slot == nullptr) free_slot = &e;
    }
    if (free_slot == nullptr) return nullptr;
    Entry& e = *free_slot;
    e.key = key;
    e.used = true;
    e.ports_known = false;
    e.n_held = 0;
    e.l4_hdr_len = 0;
    e.created = now;
    e.total = 0;
    e.seen = 0;
    e.older = newest_;
    e.newer = kNone;
    const uint16_t idx = index_of(e);
    if (newest_ != kNone) entries_[newest_].newer = idx;
    newest_ = idx;
    if (oldest_ == kNone) oldest_ = idx;
    return &e;
}

void FragTable::release(Entry& e) {
    if (e.older != kNone) {
        entries_[e.older].newer = e.newer;
    } else {
        oldest_ = e.newer;
    }
    if (e.newer != kNone) {
        entries_[e.newer].older = e.older;
    } else {
        newest_ = e.older;
    }
    e.used = false;
}

FragTable::Entry* FragTable::oldest_holding(const Entry* except) {
    uint16_t idx = oldest_;
    for (uint32_t i = 0; i < kEvictScan && idx != kNone; ++i) {
        Entry& e = entries_[idx];
        if (e.n_held != 0 && &e != except) return &e;
        idx = e.newer;
    }
    return nullptr;
}

}  // namespace dvs::dataplane
