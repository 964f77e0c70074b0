// In-process benchmark of the worker's burst processing.
//
// One lcore generates packets into mbufs (64-byte TCP frames from a template,
// patched per flow, checksums valid), hands each burst of 32 to the real
// Worker::process_burst, which forwards to a net_null port (its TX frees
// the mbufs). For every case three passes over the same packet stream:
//   gen    generate and free: the cost of the source alone;
//   floor  generate, swap MACs, transmit: the bare forwarding floor;
//   dvs    generate, process_burst (parse, lookup, rewrite, transmit).
// Reported per case (median of --runs): Mpps of the floor and dvs passes and
// their ratio, ns and TSC cycles per packet spent in dvs beyond the source
// (dvs - gen), new connections per second (the SYN pass that fills the
// table), and bytes per connection (table memory / capacity) with the
// process's resident size after filling.
//
// Mode nat6 is NAT66: 80-byte IPv6 frames to an IPv6 VIP, the connections in
// the IPv6 table, which holds conn_capacity / 8: the case sizes
// conn_capacity eight times its connections (so keep it to 125,000 or so),
// and its B/conn is the IPv6 table's.
//
// With --reply-ratio R (mode nat only), a share R of the packets after the
// fill are the real servers' replies to the clients (the same flows, from
// the server rr gave each: RIP:80 -> client), so the NAT reply path is
// measured too; 0 (the default) sends inbound packets only.
//
// Usage: dataplane_bench [--conns 1000,100000,1000000,10000000]
//                        [--modes nat,dr,tun,nat6] [--packets N] [--runs R]
//                        [--reply-ratio R] [--json FILE] [--lcore CPU]
// Needs hugepages (scripts/setup.sh) and root.

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bench_worker.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "dataplane/worker.hpp"
#include "packet/checksum.hpp"
#include "packet/wire.hpp"

using namespace dvs;
using namespace dvs::dataplane;
using dvs::bench::drops_total;
using dvs::bench::median;
using dvs::bench::Rng;

namespace {

constexpr uint16_t kBurst = 32;
constexpr uint8_t kOurMac[6] = {0x02, 0, 0, 0, 1, 1};

struct Options {
    std::vector<uint64_t> conns = {1000, 100000, 1000000, 10000000};
    std::vector<std::string> modes = {"nat", "dr", "tun"};
    uint64_t packets = 8000000;
    int runs = 5;
    double reply_ratio = 0;
    std::string json;
    std::string lcore = "1";
};

struct Result {
    std::string mode;
    uint64_t conns = 0;
    double mpps = 0, floor_mpps = 0, gen_mpps = 0, ns_per_pkt = 0, cycles_per_pkt = 0;
    double new_conns_per_s = 0, bytes_per_conn = 0, rss_mib = 0;
    uint64_t drops = 0;
    bool ok = true;  // every SYN made a connection, nothing dropped, everything sent
};

double rss_mib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

// NAT66: the same service over IPv6 (clients 2001:db8:100::/64 via a gateway).
std::string config_text6(uint64_t capacity) {
    std::string servers;
    for (int i = 1; i <= 4; ++i) {
        servers += "      - { address: \"2001:db8::1" + std::to_string(i) + "\", forward: nat }\n";
    }
    return "dataplane: { workers: 1, conn_capacity: " + std::to_string(capacity) +
           " }\n"
           "ports:\n"
           "  - { name: p0, device: net_null0, addresses: [10.0.0.1/24, \"2001:db8::1/64\"] }\n"
           "routes:\n"
           "  - { prefix: \"::/0\", via: \"2001:db8::fe\", port: p0 }\n"
           "neighbors:\n"
           "  - { address: \"2001:db8::fe\", mac: \"02:00:00:00:00:fe\", port: p0 }\n"
           "  - { address: \"2001:db8::11\", mac: \"02:00:00:00:00:11\", port: p0 }\n"
           "  - { address: \"2001:db8::12\", mac: \"02:00:00:00:00:12\", port: p0 }\n"
           "  - { address: \"2001:db8::13\", mac: \"02:00:00:00:00:13\", port: p0 }\n"
           "  - { address: \"2001:db8::14\", mac: \"02:00:00:00:00:14\", port: p0 }\n"
           "timeouts: { tcp: 100000, tcp_syn: 100000 }\n"
           "services:\n"
           "  - name: bench6\n"
           "    vip: \"2001:db8:10::10\"\n"
           "    port: 80\n"
           "    protocol: tcp\n"
           "    scheduler: rr\n"
           "    max_half_open: 0\n"
           "    real_servers:\n" +
           servers;
}

std::string config_text(const std::string& mode, uint64_t capacity) {
    if (mode == "nat6") return config_text6(capacity);
    return "dataplane: { workers: 1, conn_capacity: " + std::to_string(capacity) +
           " }\n"
           "ports:\n"
           "  - { name: p0, device: net_null0, addresses: [10.0.0.1/24] }\n"
           "routes:\n"
           "  - { prefix: 0.0.0.0/0, via: 10.0.0.254, port: p0 }\n"
           "neighbors:\n"
           "  - { address: 10.0.0.254, mac: \"02:00:00:00:00:fe\", port: p0 }\n"
           "  - { address: 10.0.0.11, mac: \"02:00:00:00:00:11\", port: p0 }\n"
           "  - { address: 10.0.0.12, mac: \"02:00:00:00:00:12\", port: p0 }\n"
           "  - { address: 10.0.0.13, mac: \"02:00:00:00:00:13\", port: p0 }\n"
           "  - { address: 10.0.0.14, mac: \"02:00:00:00:00:14\", port: p0 }\n"
           "timeouts: { tcp: 100000, tcp_syn: 100000 }\n"
           "services:\n"
           "  - name: bench\n"
           "    vip: 192.0.2.10\n"
           "    port: 80\n"
           "    protocol: tcp\n"
           "    scheduler: rr\n"
           // SYN-only traffic makes every connection: no SYN-flood bound.
           "    max_half_open: 0\n"
           "    real_servers:\n"
           "      - { address: 10.0.0.11, forward: " +
           mode +
           " }\n"
           "      - { address: 10.0.0.12, forward: " +
           mode +
           " }\n"
           "      - { address: 10.0.0.13, forward: " +
           mode +
           " }\n"
           "      - { address: 10.0.0.14, forward: " +
           mode + " }\n";
}

// A 64-byte client -> VIP:80 TCP frame; per flow only the source address
// and port change, so the checksums are updated incrementally.
class PacketSource {
public:
    PacketSource() {
        std::memset(tpl_, 0, sizeof tpl_);
        auto* eth = reinterpret_cast<EthHdr*>(tpl_);
        std::memcpy(eth->dst, kOurMac, 6);
        const uint8_t client_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
        std::memcpy(eth->src, client_mac, 6);
        eth->ether_type = be16(kEtherTypeIpv4);
        auto* ip = reinterpret_cast<Ipv4Hdr*>(tpl_ + sizeof(EthHdr));
        ip->version_ihl = 0x45;
        ip->total_length = be16(sizeof(Ipv4Hdr) + sizeof(TcpHdr) + 6);
        ip->ttl = 64;
        ip->protocol = kIpProtoTcp;
        ip->frag_off = be16(kIpFlagDontFragment);
        ip->src = 0;
        ip->dst = be32(0xc000020a);  // 192.0.2.10
        ip->checksum = csum_compute(ip, sizeof(Ipv4Hdr));
        auto* tcp = reinterpret_cast<TcpHdr*>(tpl_ + sizeof(EthHdr) + sizeof(Ipv4Hdr));
        tcp->src_port = 0;
        tcp->dst_port = be16(80);
        tcp->data_off = 5 << 4;
        tcp->window = be16(65535);
        // Full checksum once, for source 0:0 and no flags; per packet only
        // the changed words are folded in (RFC 1624), as a NIC-less source
        // would do.
        uint8_t pseudo[12] = {};
        std::memcpy(pseudo, &ip->src, 8);
        pseudo[9] = kIpProtoTcp;
        const uint16_t tcp_len = be16(sizeof(TcpHdr) + 6);
        std::memcpy(pseudo + 10, &tcp_len, 2);
        tcp->checksum = csum_compute(tcp, sizeof(TcpHdr) + 6, csum_partial(pseudo, sizeof pseudo));
        // The reply template: 0:80 -> 0:0, ACK, the same checksums patched
        // per packet (server address, client address and port).
        std::memcpy(reply_tpl_, tpl_, sizeof tpl_);
        auto* rip = reinterpret_cast<Ipv4Hdr*>(reply_tpl_ + sizeof(EthHdr));
        auto* rtcp = reinterpret_cast<TcpHdr*>(reply_tpl_ + sizeof(EthHdr) + sizeof(Ipv4Hdr));
        rip->dst = 0;
        rip->checksum = 0;
        rip->checksum = csum_compute(rip, sizeof(Ipv4Hdr));
        rtcp->src_port = be16(80);
        rtcp->dst_port = 0;
        rtcp->flags = kTcpAck;
        rtcp->checksum = 0;
        std::memcpy(pseudo, &rip->src, 8);
        rtcp->checksum =
            csum_compute(rtcp, sizeof(TcpHdr) + 6, csum_partial(pseudo, sizeof pseudo));
    }

    // Share of packets that are replies, in 1/1024 (--reply-ratio).
    uint32_t reply_share = 0;

    // The real server rr gave flow f: the fill's SYNs arrive in flow order
    // and rr takes the servers 10.0.0.11-14 in turn.
    static uint32_t server_ip(uint64_t flow) { return be32(0x0a00000bu + uint32_t(flow & 3)); }

    static uint32_t client_ip(uint64_t flow) { return be32(0x64400000u + uint32_t(flow >> 4)); }
    static uint16_t client_port(uint64_t flow) { return be16(uint16_t(10000 + (flow & 15))); }

    void fill(rte_mbuf* m, uint64_t flow, uint8_t flags) const {
        auto [ip, tcp] = put(m, tpl_);
        const uint32_t src = client_ip(flow);
        const uint16_t sport = client_port(flow);
        ip->src = src;
        ip->checksum = csum_update32(ip->checksum, 0, src);
        uint16_t c = csum_update32(tcp->checksum, 0, src);
        c = csum_update16(c, 0, sport);
        // flags share a 16-bit word with the data offset.
        const uint16_t old_word = static_cast<uint16_t>(tcp->data_off);
        tcp->src_port = sport;
        tcp->flags = flags;
        c = csum_update16(c, old_word, static_cast<uint16_t>(tcp->data_off | (flags << 8)));
        tcp->checksum = c;
    }

    // A reply of flow `flow`'s real server to its client.
    void fill_reply(rte_mbuf* m, uint64_t flow) const {
        auto [ip, tcp] = put(m, reply_tpl_);
        const uint32_t rs = server_ip(flow);
        const uint32_t client = client_ip(flow);
        const uint16_t cport = client_port(flow);
        ip->src = rs;
        ip->dst = client;
        ip->checksum = csum_update32(csum_update32(ip->checksum, 0, rs), 0, client);
        tcp->dst_port = cport;
        uint16_t c = csum_update32(tcp->checksum, 0, rs);
        c = csum_update32(c, 0, client);
        tcp->checksum = csum_update16(c, 0, cport);
    }

    // One packet of the stream from the random draw r: its flow, and a
    // reply for a share of them.
    void fill_any(rte_mbuf* m, uint64_t r, uint64_t flows) const {
        if (reply_share != 0 && (r >> 54) < reply_share) return fill_reply(m, r % flows);
        fill(m, r % flows, kTcpAck);
    }

    uint16_t port_id = 0;

private:
    static constexpr uint16_t kFrameLen = 60;

    // The template into the mbuf; its IP and TCP headers there.
    std::pair<Ipv4Hdr*, TcpHdr*> put(rte_mbuf* m, const uint8_t* tpl) const {
        auto* p = rte_pktmbuf_mtod(m, uint8_t*);
        std::memcpy(p, tpl, kFrameLen);
        m->data_len = m->pkt_len = kFrameLen;
        m->port = port_id;
        return {reinterpret_cast<Ipv4Hdr*>(p + sizeof(EthHdr)),
                reinterpret_cast<TcpHdr*>(p + sizeof(EthHdr) + sizeof(Ipv4Hdr))};
    }

    uint8_t tpl_[64];
    uint8_t reply_tpl_[64];
};

// The IPv6 twin: an 80-byte client -> [2001:db8:10::10]:80 TCP frame, per
// flow the low 32 bits of the source address and the port change.
class PacketSource6 {
public:
    PacketSource6() {
        std::memset(tpl_, 0, sizeof tpl_);
        auto* eth = reinterpret_cast<EthHdr*>(tpl_);
        std::memcpy(eth->dst, kOurMac, 6);
        const uint8_t client_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
        std::memcpy(eth->src, client_mac, 6);
        eth->ether_type = be16(kEtherTypeIpv6);
        auto* ip = reinterpret_cast<Ipv6Hdr*>(tpl_ + sizeof(EthHdr));
        ip->vtc_flow = be32(6u << 28);
        ip->payload_len = be16(sizeof(TcpHdr) + 6);
        ip->next_header = kIpProtoTcp;
        ip->hop_limit = 64;
        const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x01, 0};  // 2001:db8:100::
        const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
        std::memcpy(ip->src, src, 16);
        std::memcpy(ip->dst, dst, 16);
        auto* tcp = reinterpret_cast<TcpHdr*>(tpl_ + sizeof(EthHdr) + sizeof(Ipv6Hdr));
        tcp->dst_port = be16(80);
        tcp->data_off = 5 << 4;
        tcp->window = be16(65535);
        uint32_t sum = csum_partial(ip->src, 32);
        const uint32_t tail[2] = {be32(sizeof(TcpHdr) + 6), be32(kIpProtoTcp)};
        sum = csum_partial(tail, sizeof tail, sum);
        tcp->checksum = csum_compute(tcp, sizeof(TcpHdr) + 6, sum);
    }

    void fill(rte_mbuf* m, uint64_t flow, uint8_t flags) const {
        auto* p = rte_pktmbuf_mtod(m, uint8_t*);
        std::memcpy(p, tpl_, kFrameLen);
        m->data_len = m->pkt_len = kFrameLen;
        m->port = port_id;
        auto* ip = reinterpret_cast<Ipv6Hdr*>(p + sizeof(EthHdr));
        auto* tcp = reinterpret_cast<TcpHdr*>(p + sizeof(EthHdr) + sizeof(Ipv6Hdr));
        const uint32_t low = PacketSource::client_ip(flow);  // the IPv4 source's numbering
        const uint16_t sport = PacketSource::client_port(flow);
        std::memcpy(ip->src + 12, &low, 4);
        uint16_t c = csum_update32(tcp->checksum, 0, low);
        c = csum_update16(c, 0, sport);
        const uint16_t old_word = static_cast<uint16_t>(tcp->data_off);
        tcp->src_port = sport;
        tcp->flags = flags;
        c = csum_update16(c, old_word, static_cast<uint16_t>(tcp->data_off | (flags << 8)));
        tcp->checksum = c;
    }

    // Inbound only: NAT66 replies are not generated here.
    void fill_any(rte_mbuf* m, uint64_t r, uint64_t flows) const { fill(m, r % flows, kTcpAck); }

    uint16_t port_id = 0;

private:
    static constexpr uint16_t kFrameLen = 14 + 40 + 20 + 6;
    uint8_t tpl_[kFrameLen];
};

enum class Pass { kGen, kFloor, kDvs };

// Runs `packets` packets through one pass; returns seconds and TSC cycles.
template <class Source>
std::pair<double, uint64_t> run_pass(Pass pass, Worker& worker, rte_mempool* pool,
                                     const Source& src, uint64_t flows, uint64_t packets,
                                     uint16_t port_id) {
    rte_mbuf* burst[kBurst];
    Rng rng;
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t c0 = rte_rdtsc();
    for (uint64_t done = 0; done < packets; done += kBurst) {
        while (rte_pktmbuf_alloc_bulk(pool, burst, kBurst) != 0) {
        }
        for (uint16_t i = 0; i < kBurst; ++i) src.fill_any(burst[i], rng.next(), flows);
        switch (pass) {
            case Pass::kGen:
                rte_pktmbuf_free_bulk(burst, kBurst);
                break;
            case Pass::kFloor: {
                bench::swap_macs(burst, kBurst);
                uint16_t sent = 0;
                while (sent < kBurst)
                    sent += rte_eth_tx_burst(port_id, 0, burst + sent, kBurst - sent);
                break;
            }
            case Pass::kDvs:
                worker.process_burst(burst, kBurst);
                break;
        }
    }
    const uint64_t c1 = rte_rdtsc();
    const auto t1 = std::chrono::steady_clock::now();
    return {std::chrono::duration<double>(t1 - t0).count(), c1 - c0};
}

template <class Source>
Result run_case(const std::string& mode, uint64_t conns, const Options& opt,
                const PortLayout& ports, rte_mempool* pool) {
    Result r;
    r.mode = mode;
    r.conns = conns;
    const bool v6 = mode == "nat6";
    // IPv6 connections go to the IPv6 table, an eighth of conn_capacity.
    const uint64_t capacity = std::max<uint64_t>(1024, conns + conns / 64) * (v6 ? 8 : 1);
    bench::BenchWorker bw(config_text(mode, capacity), capacity, ports, pool);
    Worker* worker = &bw.worker();

    Source src;
    src.port_id = ports.ports[0].port_id;
    if constexpr (std::is_same_v<Source, PacketSource>) {
        if (mode == "nat") src.reply_share = static_cast<uint32_t>(opt.reply_ratio * 1024);
    }

    // Fill the table: one SYN per flow, in order.
    rte_mbuf* burst[kBurst];
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t f = 0; f < conns; f += kBurst) {
        const uint16_t n = static_cast<uint16_t>(std::min<uint64_t>(kBurst, conns - f));
        while (rte_pktmbuf_alloc_bulk(pool, burst, n) != 0) {
        }
        for (uint16_t i = 0; i < n; ++i) src.fill(burst[i], f + i, kTcpSyn);
        worker->process_burst(burst, n);
    }
    const double fill_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.new_conns_per_s = conns / fill_s;
    r.bytes_per_conn = v6 ? worker->conn6_bytes_per_entry() : worker->conn_bytes_per_entry();
    r.rss_mib = rss_mib();
    const uint64_t created = worker->counters().conns_created.get();
    if (created != conns) {
        std::fprintf(stderr, "error: %s %lu: %lu connections created\n", mode.c_str(), conns,
                     created);
        r.ok = false;
    }

    const uint64_t packets = std::max<uint64_t>(opt.packets / kBurst * kBurst, kBurst);
    const uint64_t drops_before = drops_total(worker->counters());
    std::vector<double> gen, flo, dvs, cyc;
    for (int run = 0; run < opt.runs; ++run) {
        gen.push_back(run_pass(Pass::kGen, *worker, pool, src, conns, packets, src.port_id).first);
        flo.push_back(
            run_pass(Pass::kFloor, *worker, pool, src, conns, packets, src.port_id).first);
        const auto d = run_pass(Pass::kDvs, *worker, pool, src, conns, packets, src.port_id);
        dvs.push_back(d.first);
        cyc.push_back(static_cast<double>(d.second));
    }
    const double g = median(gen), f = median(flo), d = median(dvs);
    r.gen_mpps = packets / g / 1e6;
    r.floor_mpps = packets / f / 1e6;
    r.mpps = packets / d / 1e6;
    r.ns_per_pkt = (d - g) * 1e9 / packets;
    r.cycles_per_pkt = (median(cyc) - g * rte_get_tsc_hz()) / packets;
    r.drops = drops_total(worker->counters()) - drops_before;
    // The worker must have sent every packet it was given (NAT/DR/TUN alike).
    const uint64_t expected_tx = conns + packets * opt.runs;
    if (r.drops != 0 || worker->counters().tx.get() != expected_tx) {
        std::fprintf(stderr, "error: %s %lu: %lu drops, %lu sent of %lu\n", mode.c_str(), conns,
                     r.drops, worker->counters().tx.get(), expected_tx);
        r.ok = false;
    }
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--conns")
            opt.conns = bench::parse_list<uint64_t>(
                value(), [](const std::string& v) { return std::stoull(v); });
        else if (a == "--modes")
            opt.modes =
                bench::parse_list<std::string>(value(), [](const std::string& v) { return v; });
        else if (a == "--packets")
            opt.packets = std::stoull(value());
        else if (a == "--runs")
            opt.runs = std::stoi(value());
        else if (a == "--reply-ratio")
            opt.reply_ratio = std::stod(value());
        else if (a == "--json")
            opt.json = value();
        else if (a == "--lcore")
            opt.lcore = value();
        else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 1;
        }
    }
    std::vector<std::string> eal_args = {
        "dataplane_bench",         "--no-pci", "--in-memory", "--log-level=*:warning",
        "--vdev=net_null0,copy=0", "-l",       opt.lcore};
    std::vector<char*> eal_argv;
    for (auto& s : eal_args) eal_argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr, "EAL init failed (hugepages? root?)\n");
        return 2;
    }
    rte_mempool* pool =
        rte_pktmbuf_pool_create("bench", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    register_handoff_field();
    std::vector<rte_mempool*> pools(RTE_MAX_NUMA_NODES, pool);
    PortSpec spec{"p0", "net_null0", 1500, true, {0x02, 0, 0, 0, 1, 1}};
    const PortLayout ports = open_ports({spec}, 1, pools);

    std::printf("%-4s %9s %8s %8s %6s %8s %9s %12s %9s %8s %6s\n", "mode", "conns", "mpps", "floor",
                "ratio", "ns/pkt", "cyc/pkt", "new conn/s", "B/conn", "RSS MiB", "drops");
    std::ostringstream json;
    json << "[\n";
    bool first = true;
    bool all_ok = true;
    for (const std::string& mode : opt.modes) {
        for (uint64_t conns : opt.conns) {
            const Result r = mode == "nat6" ? run_case<PacketSource6>(mode, conns, opt, ports, pool)
                                            : run_case<PacketSource>(mode, conns, opt, ports, pool);
            std::printf("%-4s %9lu %8.2f %8.2f %6.2f %8.1f %9.1f %12.0f %9.1f %8.0f %6lu\n",
                        r.mode.c_str(), r.conns, r.mpps, r.floor_mpps, r.mpps / r.floor_mpps,
                        r.ns_per_pkt, r.cycles_per_pkt, r.new_conns_per_s, r.bytes_per_conn,
                        r.rss_mib, r.drops);
            std::fflush(stdout);
            json << (first ? "" : ",\n") << "  {\"mode\":\"" << r.mode << "\",\"conns\":" << r.conns
                 << ",\"mpps\":" << r.mpps << ",\"floor_mpps\":" << r.floor_mpps
                 << ",\"ratio\":" << r.mpps / r.floor_mpps << ",\"ns_per_pkt\":" << r.ns_per_pkt
                 << ",\"cycles_per_pkt\":" << r.cycles_per_pkt << ",\"gen_mpps\":" << r.gen_mpps
                 << ",\"new_conns_per_s\":" << r.new_conns_per_s
                 << ",\"bytes_per_conn\":" << r.bytes_per_conn << ",\"rss_mib\":" << r.rss_mib
                 << ",\"drops\":" << r.drops << "}";
            first = false;
            all_ok = all_ok && r.ok;
        }
    }
    bench::write_json(json, opt.json);
    close_ports(ports);
    rte_eal_cleanup();
    return all_ok ? 0 : 1;
}
