#include "dataplane/snapshot_publisher.hpp"

#include <rte_errno.h>
#include <rte_malloc.h>

#include <stdexcept>
#include <string>

namespace dvs::dataplane {

SnapshotPublisher::SnapshotPublisher(uint32_t workers) {
    const size_t sz = rte_rcu_qsbr_get_memsize(workers);
    qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("dvs_rcu", sz, RTE_CACHE_LINE_SIZE));
    if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, workers) != 0) {
        throw std::runtime_error(std::string("rcu qsbr init: ") + rte_strerror(rte_errno));
    }
}

SnapshotPublisher::~SnapshotPublisher() {
    delete current_.exchange(nullptr);
    rte_free(qsbr_);
}

void SnapshotPublisher::publish(std::unique_ptr<Snapshot> next) {
    const Snapshot* old = current_.exchange(next.release(), std::memory_order_acq_rel);
    if (old == nullptr) return;
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
    delete old;
}

}  // namespace dvs::dataplane
