#pragma once
// Per-port RSS set-up: steer each packet to its flow's owner worker in the NIC.
//
// The owner of a flow is a function of its client endpoint (flow_hash.hpp).
// A NIC that can hash one endpoint only (RTE_ETH_RSS_L3_SRC_ONLY and
// friends) puts a packet on its owner's queue when it hashes
//   - the source on a port clients' packets arrive on, and
//   - the destination on a port NAT real servers' replies arrive on,
// with kRssKey and a RETA whose entry i names queue worker_of_reta_entry(i).
// Otherwise the port keeps the default RSS and the handoff ring moves the
// packets that land on another worker (handoff counters show how many).
// Pure: unit-tested without a NIC; port.cpp applies the plan.

#include <cstdint>
#include <string>
#include <vector>

namespace dvs::dataplane {

// Which endpoint of the packets arriving on a port is the client.
enum class PortFacing : uint8_t {
    kClients,  // clients' packets arrive here: the client is the source
    kServers,  // NAT replies arrive here: the client is the destination
};

const char* port_facing_name(PortFacing f);

// What the device says it can do (rte_eth_dev_info), and what we ask of it.
struct RssCaps {
    uint64_t hash_types = 0;  // flow_type_rss_offloads
    uint16_t reta_size = 0;
    uint8_t key_size = 0;    // hash_key_size; 0: the key cannot be set
    uint16_t rx_queues = 0;  // the queues this port gets
    uint32_t workers = 0;    // the dvsd workers
};

struct RssPlan {
    bool steer = false;
    uint64_t rss_hf = 0;  // with steer: the hash types to configure
    std::string why;      // without steer: why not, for the log
};

RssPlan plan_rss(const RssCaps& caps, PortFacing facing);

// RETA contents for a steered port of `reta_size` entries over `workers`
// queues (queue q is polled by worker q).
std::vector<uint16_t> steering_reta(uint16_t reta_size, uint32_t workers);

}  // namespace dvs::dataplane
