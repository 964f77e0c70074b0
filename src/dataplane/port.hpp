#pragma once
// DPDK ports: opening, queue layout, and which worker uses which queue.
//
// Port state is fixed at start-up (changing ports needs a restart) and read
// by every worker; nothing here is written after the workers are launched.

#include <rte_mempool.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/rss_steering.hpp"

namespace dvs::dataplane {

inline constexpr uint32_t kMaxWorkers = 32;

struct PortSpec {
    std::string name;    // operator's name, for logs
    std::string device;  // DPDK device name or PCI address
    uint16_t mtu = 1500;
    bool set_mac = false;  // replace the device's MAC with `mac`
    uint8_t mac[6] = {};
    // >= 0: this device is the kernel interface (net_tap) of port kernel_of
    // (index in the spec list); it gets one RX and one TX queue.
    int32_t kernel_of = -1;
    // Which endpoint is the client in packets arriving here: the one RSS
    // steering hashes, where the device can (rss_steering.hpp).
    PortFacing facing = PortFacing::kClients;
};

struct RxQueueRef {
    uint16_t port_index;
    uint16_t queue;
};

struct PortInfo {
    std::string name;
    std::string device;
    uint16_t port_id = 0;  // DPDK port id
    uint8_t mac[6] = {};
    uint16_t mtu = 1500;           // IP MTU: the largest IP packet we send here
    bool mac_in_software = false;  // device cannot take the configured MAC; we filter
    // The device verifies no TCP/UDP checksums (no RX offload for them, e.g.
    // net_af_packet): the worker samples them in software (l4_checksum.hpp).
    bool audit_l4_checksum = false;
    uint16_t rx_queues = 0;
    uint16_t tx_queues = 0;
    // RSS puts each packet on its owner worker's queue (rss_steering.hpp);
    // otherwise rss_why says why not, and the handoff ring does it.
    bool rss_steered = false;
    std::string rss_why;
    // tx_queue[w] is worker w's own TX queue, or -1 when the device has fewer
    // TX queues than workers; such a worker passes packets to tx_owner over
    // its handoff ring, because a TX queue must have a single writer.
    int32_t tx_queue[kMaxWorkers] = {};
    uint32_t tx_owner = 0;
    // Exception path. A wire port with a kernel interface: kernel_port is the
    // index of that interface's port. The kernel interface's port: wire_port
    // is the port it stands for, kernel_mac the MAC the kernel's side of the
    // interface answers to (filled by the control thread before launch).
    int32_t kernel_port = -1;
    int32_t wire_port = -1;
    uint8_t kernel_mac[6] = {};
};

struct PortLayout {
    std::vector<PortInfo> ports;
    std::vector<std::vector<RxQueueRef>> rx_by_worker;  // [worker] -> queues it polls
    std::vector<std::vector<RxQueueRef>>
        kernel_rx_by_worker;                           // [worker] -> kernel interfaces it reads
    uint16_t index_of_port_id[RTE_MAX_ETHPORTS] = {};  // DPDK port id -> index in ports
};

// Opens and starts every port, spreading RX queues over `workers` round-robin.
// Throws std::runtime_error naming the port on any failure (control path).
PortLayout open_ports(const std::vector<PortSpec>& specs, uint32_t workers,
                      const std::vector<rte_mempool*>& pool_by_socket);

void close_ports(const PortLayout& layout);

}  // namespace dvs::dataplane
