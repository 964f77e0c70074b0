#include "dataplane/neighbor_table.hpp"

#include <cstring>

#include "dataplane/flow_hash.hpp"

namespace dvs::dataplane {

NeighborTable::NeighborTable() { std::memset(entries_, 0, sizeof(entries_)); }

uint32_t NeighborTable::slot(uint16_t port, uint32_t ip) {
    return static_cast<uint32_t>(mix64((uint64_t{port} << 32) | ip)) & (kSize - 1);
}

// Entries are removed, so a lookup looks at every slot of the window (an
// empty slot does not end it).
NeighborTable::Entry* NeighborTable::find(uint16_t port, uint32_t ip) {
    const uint32_t home = slot(port, ip);
    for (uint32_t i = 0; i < kProbe; ++i) {
        Entry& e = entries_[(home + i) & (kSize - 1)];
        if (e.state != State::kEmpty && e.ip == ip && e.port == port) return &e;
    }
    return nullptr;
}

void NeighborTable::claim(Entry& e, uint16_t port, uint32_t ip, uint64_t now) {
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

}  // namespace dvs::dataplane
