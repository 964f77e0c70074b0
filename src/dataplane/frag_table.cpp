#include "dataplane/frag_table.hpp"

#include <cstring>

#include "dataplane/flow_hash.hpp"

namespace dvs::dataplane {

FragTable::FragTable() { std::memset(entries_, 0, sizeof(entries_)); }

uint64_t FragTable::hash(const FragKey& k) {
    return mix64((uint64_t{k.src} << 32 | k.dst) ^ mix64(uint64_t{k.id} << 8 | k.proto));
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
    free_slot->key = key;
    free_slot->used = true;
    free_slot->ports_known = false;
    free_slot->n_held = 0;
    free_slot->l4_hdr_len = 0;
    free_slot->created = now;
    return free_slot;
}

}  // namespace dvs::dataplane
