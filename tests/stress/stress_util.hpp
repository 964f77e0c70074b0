#pragma once
// Shared by the stress tests: frames built straight into mbufs and fed to a
// real Worker (bench/bench_worker.hpp) without any NIC.

#include <rte_eal.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/counters.hpp"
#include "packet/checksum.hpp"
#include "packet/wire.hpp"

namespace dvs::stress {

using namespace dvs::dataplane;

inline int failures = 0;
inline void check(bool ok, const std::string& what) {
    std::printf("  %s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok) ++failures;
}

inline uint64_t drop_count(const WorkerCounters& c, DropReason r) {
    return c.drops[static_cast<size_t>(r)].get();
}

// A client -> dst:dport TCP segment with `payload` zero bytes, addressed to
// MAC 02:00:00:00:01:01; checksums computed in full. Addresses in host order.
inline void fill_tcp(rte_mbuf* m, uint16_t port_id, uint32_t src_host, uint32_t dst_host,
                     uint16_t sport, uint16_t dport, uint8_t flags, uint16_t payload = 0,
                     bool df = false) {
    const uint16_t ip_len = static_cast<uint16_t>(sizeof(Ipv4Hdr) + sizeof(TcpHdr) + payload);
    const uint16_t len = static_cast<uint16_t>(sizeof(EthHdr) + ip_len);
    auto* p = rte_pktmbuf_mtod(m, uint8_t*);
    std::memset(p, 0, len);
    m->data_len = m->pkt_len = len;
    m->port = port_id;
    auto* eth = reinterpret_cast<EthHdr*>(p);
    const uint8_t ours[6] = {0x02, 0, 0, 0, 1, 1};
    std::memcpy(eth->dst, ours, 6);
    eth->src[0] = 0x02;
    eth->src[5] = 0x99;
    eth->ether_type = be16(kEtherTypeIpv4);
    auto* ip = reinterpret_cast<Ipv4Hdr*>(p + sizeof(EthHdr));
    ip->version_ihl = 0x45;
    ip->total_length = be16(ip_len);
    ip->frag_off = df ? be16(kIpFlagDontFragment) : 0;
    ip->ttl = 64;
    ip->protocol = kIpProtoTcp;
    ip->src = be32(src_host);
    ip->dst = be32(dst_host);
    ip->checksum = csum_compute(ip, sizeof(Ipv4Hdr));
    auto* tcp = reinterpret_cast<TcpHdr*>(ip + 1);
    tcp->src_port = be16(sport);
    tcp->dst_port = be16(dport);
    tcp->seq = be32(1);
    tcp->ack = (flags & kTcpAck) ? be32(1) : 0;
    tcp->data_off = 5 << 4;
    tcp->flags = flags;
    tcp->window = be16(1024);
    uint8_t pseudo[12] = {};
    std::memcpy(pseudo, &ip->src, 8);
    pseudo[9] = kIpProtoTcp;
    const uint16_t tcp_len = be16(static_cast<uint16_t>(sizeof(TcpHdr) + payload));
    std::memcpy(pseudo + 10, &tcp_len, 2);
    tcp->checksum =
        csum_compute(tcp, sizeof(TcpHdr) + payload, csum_partial(pseudo, sizeof pseudo));
}

// EAL for an in-process test: one lcore, no PCI, one net_null port
// (copy=0: TX frees the mbufs). False when it cannot start (meson skip).
inline bool eal_init(const char* prog) {
    std::vector<std::string> args = {
        prog, "--no-pci", "--in-memory", "--log-level=*:warning", "--vdev=net_null0,copy=0",
        "-l", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        std::fprintf(stderr, "EAL init failed (hugepages? root?)\n");
        return false;
    }
    return true;
}

}  // namespace dvs::stress
