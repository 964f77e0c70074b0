#pragma once
// The rings between the workers and the control thread's sync stream
// (docs/ARCHITECTURE.md "High availability"), one pair per worker:
//   out: worker -> control, the connection changes a master streams;
//   in:  control -> worker, the records a peer sent, for the owner to install.
// Both are single-producer single-consumer rings of SyncRecord. Fixed size:
// when `out` is full the worker counts the record as lost (`sync_lost`)
// rather than wait, so a burst of new connections cannot stall forwarding.
//
// A full state transfer: the control thread bumps `full_requested`; each
// worker walks its table a slice per loop iteration into `out` (waiting for
// room, so no record of a transfer is lost) and then stores that value in
// `full_done`.

#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/sync_record.hpp"

namespace dvs::dataplane {

struct WorkerSyncRings {
    rte_ring* out = nullptr;
    rte_ring* in = nullptr;
    std::atomic<uint32_t> full_requested{0};
    std::atomic<uint32_t> full_done{0};
};

class SyncRings {
public:
    // Throws std::runtime_error when a ring cannot be created (control path).
    SyncRings(uint32_t workers, unsigned ring_size);
    ~SyncRings();
    SyncRings(const SyncRings&) = delete;
    SyncRings& operator=(const SyncRings&) = delete;

    WorkerSyncRings& worker(uint32_t w) const { return rings_[w]; }
    uint32_t workers() const { return workers_; }
    unsigned ring_size() const { return ring_size_; }

private:
    uint32_t workers_;
    unsigned ring_size_;
    std::unique_ptr<WorkerSyncRings[]> rings_;
};

}  // namespace dvs::dataplane
