#include "dataplane/sync_rings.hpp"

#include <rte_errno.h>
#include <rte_lcore.h>

#include <stdexcept>
#include <string>

namespace dvs::dataplane {

namespace {

rte_ring* make_ring(const std::string& name, unsigned size) {
    rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(SyncRecord), size,
                                       static_cast<int>(rte_socket_id()),
                                       RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
    if (r == nullptr) {
        throw std::runtime_error("sync ring " + name + ": cannot create (" +
                                 std::string(rte_strerror(rte_errno)) + ")");
    }
    return r;
}

}  // namespace

SyncRings::SyncRings(uint32_t workers, unsigned ring_size)
    : workers_(workers), ring_size_(ring_size), rings_(new WorkerSyncRings[workers]) {
    try {
        for (uint32_t w = 0; w < workers; ++w) {
            rings_[w].out = make_ring("dvs_sync_out" + std::to_string(w), ring_size);
            rings_[w].in = make_ring("dvs_sync_in" + std::to_string(w), ring_size);
        }
    } catch (...) {
        for (uint32_t w = 0; w < workers; ++w) {
            rte_ring_free(rings_[w].out);
            rte_ring_free(rings_[w].in);
        }
        throw;
    }
}

SyncRings::~SyncRings() {
    for (uint32_t w = 0; w < workers_; ++w) {
        rte_ring_free(rings_[w].out);
        rte_ring_free(rings_[w].in);
    }
}

}  // namespace dvs::dataplane
