#pragma once
// Publishes Snapshots to the workers without locks.
//
// The control thread stores the new pointer, then waits (rte_rcu_qsbr) until
// every worker has reported a quiescent state since the store — after that
// no worker can still hold the old pointer, so it is freed. Workers load the
// pointer once per loop iteration and report quiescence at the loop's end.

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/snapshot.hpp"

namespace dvs::dataplane {

class SnapshotPublisher {
public:
    explicit SnapshotPublisher(uint32_t workers);
    ~SnapshotPublisher();
    SnapshotPublisher(const SnapshotPublisher&) = delete;
    SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

    // Control thread only. Blocks for one grace period when replacing.
    void publish(std::unique_ptr<Snapshot> next);

    // Worker side.
    const Snapshot* current() const { return current_.load(std::memory_order_acquire); }
    rte_rcu_qsbr* qsbr() const { return qsbr_; }

private:
    std::atomic<const Snapshot*> current_{nullptr};
    rte_rcu_qsbr* qsbr_ = nullptr;
};

}  // namespace dvs::dataplane
