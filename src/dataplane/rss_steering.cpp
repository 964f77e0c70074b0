#include "dataplane/rss_steering.hpp"

#include <rte_ethdev.h>

#include "dataplane/rss_hash.hpp"

namespace dvs::dataplane {

const char* port_facing_name(PortFacing f) {
    return f == PortFacing::kServers ? "servers" : "clients";
}

RssPlan plan_rss(const RssCaps& caps, PortFacing facing) {
    RssPlan plan;
    if (caps.workers < 2 || caps.rx_queues < 2) {
        plan.why = "one RX queue";
        return plan;
    }
    if (caps.rx_queues != caps.workers) {
        plan.why = "the device has " + std::to_string(caps.rx_queues) + " RX queues for " +
                   std::to_string(caps.workers) + " workers";
        return plan;
    }
    if (caps.reta_size < kRetaEntries || (caps.reta_size & (caps.reta_size - 1)) != 0) {
        plan.why = "its indirection table has " + std::to_string(caps.reta_size) +
                   " entries (needs a power of two >= " + std::to_string(kRetaEntries) + ")";
        return plan;
    }
    if (caps.key_size != kRssKey.size()) {
        plan.why = "its RSS key is " + std::to_string(caps.key_size) + " bytes (needs " +
                   std::to_string(kRssKey.size()) + ")";
        return plan;
    }
    const uint64_t endpoint = facing == PortFacing::kClients
                                  ? RTE_ETH_RSS_L3_SRC_ONLY | RTE_ETH_RSS_L4_SRC_ONLY
                                  : RTE_ETH_RSS_L3_DST_ONLY | RTE_ETH_RSS_L4_DST_ONLY;
    const uint64_t required =
        RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP | endpoint;
    if ((caps.hash_types & required) != required) {
        plan.why = std::string("it cannot hash TCP and UDP over IPv4 on the ") +
                   (facing == PortFacing::kClients ? "source" : "destination") + " endpoint alone";
        return plan;
    }
    // Other traffic the device can hash is spread too (on the same endpoint's
    // address): IPv6, fragments, ICMP. Its owner may differ; the ring fixes that.
    const uint64_t optional = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 |
                              RTE_ETH_RSS_NONFRAG_IPV4_OTHER | RTE_ETH_RSS_IPV6 |
                              RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
                              RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_NONFRAG_IPV6_OTHER;
    plan.steer = true;
    plan.rss_hf = required | (caps.hash_types & optional);
    return plan;
}

std::vector<uint16_t> steering_reta(uint16_t reta_size, uint32_t workers) {
    std::vector<uint16_t> reta(reta_size);
    for (uint32_t i = 0; i < reta_size; ++i) {
        reta[i] = static_cast<uint16_t>(worker_of_reta_entry(i % kRetaEntries, workers));
    }
    return reta;
}

}  // namespace dvs::dataplane
