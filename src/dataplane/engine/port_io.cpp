#include "dataplane/engine/port_io.hpp"

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <stdexcept>

#include "dataplane/engine/engine.hpp"

namespace dvs::dataplane {

void DpdkPortIo::init(const WorkerEnv& env, uint32_t /*worker_id*/) {
    ports_ = env.ports;
    const int socket = static_cast<int>(rte_socket_id());
    for (size_t p = 0; p < ports_->ports.size(); ++p) {
        auto* b = static_cast<rte_eth_dev_tx_buffer*>(rte_zmalloc_socket(
            "dvs_txbuf", RTE_ETH_TX_BUFFER_SIZE(Engine<DpdkPortIo>::kBurst), 0, socket));
        if (b == nullptr) throw std::runtime_error("worker tx buffer allocation failed");
        rte_eth_tx_buffer_init(b, Engine<DpdkPortIo>::kBurst);
        rte_eth_tx_buffer_set_err_callback(b, rte_eth_tx_buffer_count_callback, &dropped_);
        buffers_[p] = b;
    }
}

DpdkPortIo::~DpdkPortIo() {
    for (rte_eth_dev_tx_buffer* b : buffers_) rte_free(b);
}

}  // namespace dvs::dataplane
