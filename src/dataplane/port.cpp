#include "dataplane/port.hpp"

#include <rte_ethdev.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "dataplane/rss_hash.hpp"

namespace dvs::dataplane {

namespace {

constexpr uint16_t kRxDesc = 1024;
constexpr uint16_t kTxDesc = 1024;
constexpr uint16_t kKernelDesc = 256;

[[noreturn]] void fail(const PortSpec& s, const std::string& what, int rc) {
    throw std::runtime_error("port '" + s.name + "' (" + s.device + "): " + what + ": " +
                             rte_strerror(rc < 0 ? -rc : rc));
}

// Entry i of the device's RETA names queue steering_reta()[i].
int program_reta(uint16_t port_id, uint16_t reta_size, uint32_t workers) {
    const std::vector<uint16_t> want = steering_reta(reta_size, workers);
    std::vector<rte_eth_rss_reta_entry64> conf(reta_size / RTE_ETH_RETA_GROUP_SIZE +
                                               (reta_size % RTE_ETH_RETA_GROUP_SIZE != 0));
    for (uint32_t i = 0; i < reta_size; ++i) {
        auto& group = conf[i / RTE_ETH_RETA_GROUP_SIZE];
        group.mask |= uint64_t{1} << (i % RTE_ETH_RETA_GROUP_SIZE);
        group.reta[i % RTE_ETH_RETA_GROUP_SIZE] = want[i];
    }
    return rte_eth_dev_rss_reta_update(port_id, conf.data(), reta_size);
}

}  // namespace

PortLayout open_ports(const std::vector<PortSpec>& specs, uint32_t workers,
                      const std::vector<rte_mempool*>& pool_by_socket) {
    PortLayout layout;
    layout.rx_by_worker.resize(workers);
    layout.kernel_rx_by_worker.resize(workers);
    uint32_t next_worker = 0;

    for (size_t idx = 0; idx < specs.size(); ++idx) {
        const PortSpec& s = specs[idx];
        PortInfo p;
        p.name = s.name;
        p.device = s.device;
        int rc = rte_eth_dev_get_port_by_name(s.device.c_str(), &p.port_id);
        if (rc != 0) {
            throw std::runtime_error(
                "port '" + s.name + "': no DPDK device named '" + s.device +
                "' (is it in dataplane.eal as --vdev, or bound to a DPDK driver?)");
        }
        rte_eth_dev_info info{};
        rc = rte_eth_dev_info_get(p.port_id, &info);
        if (rc != 0) fail(s, "device info", rc);

        constexpr uint64_t kL4ChecksumOffloads =
            RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
        p.audit_l4_checksum =
            s.kernel_of < 0 && (info.rx_offload_capa & kL4ChecksumOffloads) != kL4ChecksumOffloads;
        p.rx_queues = static_cast<uint16_t>(std::min<uint32_t>(workers, info.max_rx_queues));
        p.tx_queues = static_cast<uint16_t>(std::min<uint32_t>(workers, info.max_tx_queues));
        if (p.tx_queues < workers) p.tx_queues = 1;  // one queue, one writer: tx_owner
        if (s.kernel_of >= 0) {
            // net_tap: more queues need a multiq qdisc; the kernel's traffic is small.
            p.rx_queues = 1;
            p.tx_queues = 1;
            p.wire_port = s.kernel_of;
        }

        rte_eth_conf conf{};
        RssPlan rss;
        std::array<uint8_t, kRssKey.size()> key = kRssKey;  // rss_conf wants it mutable
        if (p.rx_queues > 1) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            rss = plan_rss({info.flow_type_rss_offloads, info.reta_size, info.hash_key_size,
                            p.rx_queues, workers},
                           s.facing);
            if (rss.steer) {
                conf.rx_adv_conf.rss_conf.rss_key = key.data();
                conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(key.size());
                conf.rx_adv_conf.rss_conf.rss_hf = rss.rss_hf;
            } else {
                conf.rx_adv_conf.rss_conf.rss_hf =
                    (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
                    info.flow_type_rss_offloads;
            }
        } else {
            rss.why = "one RX queue";
        }
        rc = rte_eth_dev_configure(p.port_id, p.rx_queues, p.tx_queues, &conf);
        if (rc != 0) fail(s, "configure", rc);

        rc = rte_eth_dev_set_mtu(p.port_id, s.mtu);
        if (rc != 0 && rc != -ENOTSUP) fail(s, "set MTU " + std::to_string(s.mtu), rc);

        int socket = rte_eth_dev_socket_id(p.port_id);
        if (socket < 0 || socket >= static_cast<int>(pool_by_socket.size()) ||
            pool_by_socket[socket] == nullptr) {
            socket = 0;
        }
        // A kernel interface carries control traffic only: smaller rings
        // keep its RX queue from holding many of the pool's mbufs.
        uint16_t rxd = s.kernel_of >= 0 ? kKernelDesc : kRxDesc;
        uint16_t txd = s.kernel_of >= 0 ? kKernelDesc : kTxDesc;
        rte_eth_dev_adjust_nb_rx_tx_desc(p.port_id, &rxd, &txd);
        for (uint16_t q = 0; q < p.rx_queues; ++q) {
            rc = rte_eth_rx_queue_setup(p.port_id, q, rxd, socket, nullptr, pool_by_socket[socket]);
            if (rc != 0) fail(s, "rx queue " + std::to_string(q), rc);
            auto& polled = s.kernel_of >= 0 ? layout.kernel_rx_by_worker : layout.rx_by_worker;
            if (rss.steer) {
                // The RETA names queue q for worker q's flows.
                polled[q].push_back({static_cast<uint16_t>(idx), q});
                continue;
            }
            // Spread queues of all ports round-robin so each worker polls a share.
            polled[next_worker].push_back({static_cast<uint16_t>(idx), q});
            if (q == 0) p.tx_owner = next_worker;
            next_worker = (next_worker + 1) % workers;
        }
        for (uint16_t q = 0; q < p.tx_queues; ++q) {
            rc = rte_eth_tx_queue_setup(p.port_id, q, txd, socket, nullptr);
            if (rc != 0) fail(s, "tx queue " + std::to_string(q), rc);
        }
        for (uint32_t w = 0; w < kMaxWorkers; ++w) {
            if (p.tx_queues >= workers && w < workers) {
                p.tx_queue[w] = static_cast<int32_t>(w);
            } else {
                p.tx_queue[w] = (w == p.tx_owner) ? 0 : -1;
            }
        }
        if (s.set_mac) {
            rte_ether_addr want;
            std::copy(s.mac, s.mac + 6, want.addr_bytes);
            rc = rte_eth_dev_default_mac_addr_set(p.port_id, &want);
            if (rc == -ENOTSUP) {
                // e.g. net_pcap: answer to the configured MAC in software,
                // which needs every frame.
                p.mac_in_software = true;
            } else if (rc != 0) {
                fail(s, "set MAC address", rc);
            }
        }
        p.mtu = s.mtu;
        rc = rte_eth_dev_start(p.port_id);
        if (rc != 0) fail(s, "start", rc);
        if (rss.steer) {
            rc = program_reta(p.port_id, info.reta_size, workers);
            if (rc != 0) {
                // The device keeps its own table: packets reach their owner
                // through the ring, as on a device that cannot steer.
                rss.steer = false;
                rss.why =
                    std::string("updating its indirection table failed: ") + rte_strerror(-rc);
            }
        }
        p.rss_steered = rss.steer;
        p.rss_why = rss.why;
        if (p.mac_in_software) {
            std::copy(s.mac, s.mac + 6, p.mac);
            rc = rte_eth_promiscuous_enable(p.port_id);
            if (rc != 0 && rc != -ENOTSUP) fail(s, "enable promiscuous mode", rc);
        } else {
            rte_ether_addr mac;
            rc = rte_eth_macaddr_get(p.port_id, &mac);
            if (rc != 0) fail(s, "read MAC address", rc);
            std::copy(mac.addr_bytes, mac.addr_bytes + 6, p.mac);
        }
        layout.index_of_port_id[p.port_id] = static_cast<uint16_t>(idx);
        layout.ports.push_back(p);
    }
    for (size_t idx = 0; idx < layout.ports.size(); ++idx) {
        const int32_t wire = layout.ports[idx].wire_port;
        if (wire >= 0) layout.ports[wire].kernel_port = static_cast<int32_t>(idx);
    }
    return layout;
}

void close_ports(const PortLayout& layout) {
    for (const PortInfo& p : layout.ports) {
        rte_eth_dev_stop(p.port_id);
        rte_eth_dev_close(p.port_id);
    }
}

}  // namespace dvs::dataplane
