#pragma once
// The engine's port I/O in dvsd: one DPDK TX buffer per port for the
// worker's own TX queue, drained when full (by rte_eth_tx_buffer) and at
// the end of every loop iteration (flush). Written by its worker's lcore
// only.

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/port.hpp"
#include "dataplane/snapshot.hpp"

namespace dvs::dataplane {

struct WorkerEnv;

class DpdkPortIo {
public:
    DpdkPortIo() = default;
    DpdkPortIo(const DpdkPortIo&) = delete;
    DpdkPortIo& operator=(const DpdkPortIo&) = delete;
    ~DpdkPortIo();

    // Control path (throws std::runtime_error): a TX buffer per port.
    void init(const WorkerEnv& env, uint32_t worker_id);

    // Buffers m for queue `queue` of the port at `port_index`; returns the
    // packets sent now (a full buffer is flushed).
    [[gnu::always_inline]] uint16_t send(uint16_t port_index, uint16_t queue, rte_mbuf* m) {
        return rte_eth_tx_buffer(ports_->ports[port_index].port_id, queue, buffers_[port_index], m);
    }
    uint16_t flush(uint16_t port_index, uint16_t queue) {
        return rte_eth_tx_buffer_flush(ports_->ports[port_index].port_id, queue,
                                       buffers_[port_index]);
    }
    // Packets the NIC did not take since the last call (freed by then).
    uint64_t take_dropped() {
        const uint64_t d = dropped_;
        dropped_ = 0;
        return d;
    }

private:
    const PortLayout* ports_ = nullptr;
    rte_eth_dev_tx_buffer* buffers_[kMaxPorts] = {};
    uint64_t dropped_ = 0;  // written by DPDK's tx buffer error callback, on this lcore
};

}  // namespace dvs::dataplane
