#include "dataplane/neighbor_table.hpp"

#include <cstring>

#include "dataplane/flow_hash.hpp"

namespace dvs::dataplane {

NeighborTable::NeighborTable() { std::memset(entries_, 0, sizeof(entries_)); }

uint32_t NeighborTable::slot(uint16_t port, uint32_t ip) {
    return static_cast<uint32_t>(mix64((uint64_t{port} << 32) | ip)) & (kSize - 1);
}

// Linear probing; entries are never removed (a neighbour that stops answering
// stays as a stale entry and is re-requested), so probing can stop at the
// first empty slot.
NeighborTable::Entry* NeighborTable::find(uint16_t port, uint32_t ip) {
    uint32_t s = slot(port, ip);
    for (uint32_t i = 0; i < kSize; ++i, s = (s + 1) & (kSize - 1)) {
        Entry& e = entries_[s];
        if (e.state == State::kEmpty) return nullptr;
        if (e.ip == ip && e.port == port) return &e;
    }
    return nullptr;
}

NeighborTable::Entry* NeighborTable::find_or_add(uint16_t port, uint32_t ip) {
    uint32_t s = slot(port, ip);
    for (uint32_t i = 0; i < kSize; ++i, s = (s + 1) & (kSize - 1)) {
        Entry& e = entries_[s];
        if (e.state == State::kEmpty) {
            e.ip = ip;
            e.port = port;
            e.state = State::kIncomplete;
            e.n_pending = 0;
            return &e;
        }
        if (e.ip == ip && e.port == port) return &e;
    }
    return nullptr;
}

}  // namespace dvs::dataplane
