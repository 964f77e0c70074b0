#pragma once
// The traffic of the ring-port loop benchmarks (loop_bench, multi_loop_bench):
// the frames a generator sends (client -> VIP:80, one flow per client
// endpoint), the checks a sink makes on every frame a forwarder sends back,
// the real servers' replies (--echo), the bare forwarder that is the floor,
// and the config the worker(s) run. Benchmark code: one thread per Sink
// check at a time, except that different flows may be checked and recorded
// concurrently (each flow's entry is its own byte).

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "bench_worker.hpp"
#include "packet/checksum.hpp"
#include "packet/tun_encap.hpp"
#include "packet/wire.hpp"

namespace dvs::bench {

// Headers, checksums, worker types: benchmark code reads them unqualified.
using namespace dvs::dataplane;

// The options both loop benchmarks take.
struct LoopOptions {
    std::vector<std::string> modes = {"nat", "dr", "tun"};
    std::vector<std::string> protos = {"tcp", "udp"};
    std::vector<uint64_t> conns = {1000, 1000000};
    uint64_t packets = 2000000;
    int runs = 3;
    uint32_t window = 1024;
    bool echo = false;
    std::string json;

    // Takes argument `a`, reading its value with `value()`, if it is one of
    // these; returns whether it was.
    template <typename Value>
    bool parse(const std::string& a, Value value) {
        auto word = [](const std::string& s) { return s; };
        auto u64 = [](const std::string& s) { return std::stoull(s); };
        if (a == "--modes")
            modes = parse_list<std::string>(value(), word);
        else if (a == "--protos")
            protos = parse_list<std::string>(value(), word);
        else if (a == "--conns")
            conns = parse_list<uint64_t>(value(), u64);
        else if (a == "--packets")
            packets = std::stoull(value());
        else if (a == "--runs")
            runs = std::stoi(value());
        else if (a == "--window")
            window = static_cast<uint32_t>(std::stoul(value()));
        else if (a == "--echo")
            echo = true;
        else if (a == "--json")
            json = value();
        else
            return false;
        return true;
    }
};

inline constexpr uint16_t kBurst = 32;
inline constexpr uint32_t kMagic = 0xd5b0c0de;
inline constexpr uint32_t kRealServers = 4;
inline constexpr uint16_t kVport = 80;
inline constexpr uint16_t kNatRsPort = 8080;         // NAT rewrites the port too; DR/TUN keep 80
inline constexpr uint32_t kVip = 0xc000020a;         // 192.0.2.10
inline constexpr uint32_t kRsBase = 0x0a00000b;      // 10.0.0.11 .. 10.0.0.14
inline constexpr uint32_t kLanAddr = 0x0a000001;     // 10.0.0.1: TUN outer source
inline constexpr uint32_t kClientBase = 0x64400000;  // 100.64.0.0/10
inline constexpr uint8_t kClientMac[6] = {0x02, 0, 0, 0, 0, 0x02};  // the client router 10.0.1.2
inline constexpr uint8_t kWanMac[6] = {0x02, 0, 0, 0, 1, 1};
inline constexpr uint8_t kLanMac[6] = {0x02, 0, 0, 0, 2, 1};

// The real servers' MACs: 02:00:00:00:00:11 .. 14, like their addresses.
inline void rs_mac(uint32_t index, uint8_t out[6]) {
    const uint8_t m[6] = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(0x11 + index)};
    std::memcpy(out, m, 6);
}

// `workers`: dataplane.workers (multi_loop_bench runs several).
inline std::string config_text(const std::string& mode, const std::string& proto, uint64_t capacity,
                               uint32_t workers = 1) {
    std::string rs;
    for (uint32_t i = 0; i < kRealServers; ++i) {
        rs += "      - { address: 10.0.0." + std::to_string(11 + i) +
              (mode == "nat" ? ", port: " + std::to_string(kNatRsPort) : "") +
              ", forward: " + mode + " }\n";
    }
    std::string neigh;
    for (uint32_t i = 0; i < kRealServers; ++i) {
        neigh += "  - { address: 10.0.0." + std::to_string(11 + i) +
                 ", mac: \"02:00:00:00:00:" + std::to_string(11 + i) + "\", port: lan }\n";
    }
    return "dataplane: { workers: " + std::to_string(workers) +
           ", conn_capacity: " + std::to_string(capacity) +
           " }\n"
           "ports:\n"
           "  - { name: wan, device: net_ring_loop_wan, addresses: [10.0.1.1/24], mac: "
           "\"02:00:00:00:01:01\" }\n"
           "  - { name: lan, device: net_ring_loop_lan, addresses: [10.0.0.1/24], mac: "
           "\"02:00:00:00:02:01\" }\n"
           "routes:\n"
           "  - { prefix: 100.64.0.0/10, via: 10.0.1.2, port: wan }\n"
           "neighbors:   # static: no ARP in the loop\n"
           "  - { address: 10.0.1.2, mac: \"02:00:00:00:00:02\", port: wan }\n" +
           neigh +
           "timeouts: { tcp: 100000, tcp_syn: 100000, udp: 100000 }\n"
           "services:\n"
           "  - name: bench\n"
           "    vip: 192.0.2.10\n"
           "    port: 80\n"
           "    protocol: " +
           proto +
           "\n"
           "    scheduler: rr\n"
           // SYN-only traffic makes every connection: no SYN-flood bound.
           "    max_half_open: 0\n"
           "    real_servers:\n" +
           rs;
}

// What the generator writes after the L4 header; the sink reads it back.
struct __attribute__((packed)) Stamp {
    uint64_t tsc;
    uint32_t flow;
    uint32_t magic;
    uint16_t pad;  // makes the UDP frame 60 bytes (Ethernet minimum)
};

// Flow f's client endpoint: 16384 ports per address, 2^18 addresses.
inline uint32_t client_ip(uint32_t flow) { return be32(kClientBase + 1 + (flow >> 14)); }
inline uint16_t client_port(uint32_t flow) {
    return be16(static_cast<uint16_t>(1024 + (flow & 0x3fff)));
}

// Client -> VIP:80 frames from a template; per packet the source endpoint,
// TCP flags and stamp are patched and the checksums updated incrementally
// (RFC 1624), so every frame the worker sees is valid.
class Generator {
public:
    Generator(bool tcp, uint16_t wan_port_id) : tcp_(tcp), port_id_(wan_port_id) {
        std::memset(tpl_, 0, sizeof tpl_);
        l4_len_ = static_cast<uint16_t>((tcp ? sizeof(TcpHdr) : sizeof(UdpHdr)) + sizeof(Stamp));
        len_ = static_cast<uint16_t>(sizeof(EthHdr) + sizeof(Ipv4Hdr) + l4_len_);
        auto* eth = reinterpret_cast<EthHdr*>(tpl_);
        std::memcpy(eth->dst, kWanMac, 6);
        std::memcpy(eth->src, kClientMac, 6);
        eth->ether_type = be16(kEtherTypeIpv4);
        auto* ip = reinterpret_cast<Ipv4Hdr*>(tpl_ + sizeof(EthHdr));
        ip->version_ihl = 0x45;
        ip->total_length = be16(static_cast<uint16_t>(sizeof(Ipv4Hdr) + l4_len_));
        ip->ttl = 64;
        ip->protocol = tcp ? kIpProtoTcp : kIpProtoUdp;
        ip->frag_off = be16(kIpFlagDontFragment);
        ip->dst = be32(kVip);
        ip->checksum = csum_compute(ip, sizeof(Ipv4Hdr));
        uint8_t* l4 = tpl_ + sizeof(EthHdr) + sizeof(Ipv4Hdr);
        Stamp st{};
        st.magic = kMagic;
        if (tcp) {
            auto* t = reinterpret_cast<TcpHdr*>(l4);
            t->dst_port = be16(kVport);
            t->data_off = 5 << 4;
            t->window = be16(65535);
            std::memcpy(l4 + sizeof(TcpHdr), &st, sizeof st);
        } else {
            auto* u = reinterpret_cast<UdpHdr*>(l4);
            u->dst_port = be16(kVport);
            u->length = be16(l4_len_);
            std::memcpy(l4 + sizeof(UdpHdr), &st, sizeof st);
        }
        uint16_t csum = csum_compute(l4, l4_len_, pseudo_sum(*ip, l4_len_));
        if (!tcp && csum == 0) csum = 0xffff;
        std::memcpy(l4 + csum_at(), &csum, 2);
    }

    static uint32_t pseudo_sum(const Ipv4Hdr& ip, uint16_t l4_len) {
        uint8_t pseudo[12] = {};
        std::memcpy(pseudo, &ip.src, 8);
        pseudo[9] = ip.protocol;
        const uint16_t len = be16(l4_len);
        std::memcpy(pseudo + 10, &len, 2);
        return csum_partial(pseudo, sizeof pseudo);
    }

    void fill(rte_mbuf* m, uint32_t flow, bool syn, uint64_t tsc) const {
        auto* p = rte_pktmbuf_mtod(m, uint8_t*);
        std::memcpy(p, tpl_, sizeof tpl_);
        m->data_len = m->pkt_len = len_;
        m->port = port_id_;  // net_ring does not set it; a NIC would
        auto* ip = reinterpret_cast<Ipv4Hdr*>(p + sizeof(EthHdr));
        uint8_t* l4 = p + sizeof(EthHdr) + sizeof(Ipv4Hdr);
        const uint32_t src = client_ip(flow);
        const uint16_t sport = client_port(flow);
        ip->src = src;
        ip->checksum = csum_update32(ip->checksum, 0, src);
        uint16_t c;
        std::memcpy(&c, l4 + csum_at(), 2);
        c = csum_update32(c, 0, src);
        c = csum_update16(c, 0, sport);
        std::memcpy(l4, &sport, 2);
        const size_t stamp_at = tcp_ ? sizeof(TcpHdr) : sizeof(UdpHdr);
        if (tcp_) {
            auto* t = reinterpret_cast<TcpHdr*>(l4);
            const uint8_t flags = syn ? kTcpSyn : kTcpAck;
            // flags share a 16-bit word with the data offset.
            c = csum_update16(c, static_cast<uint16_t>(t->data_off),
                              static_cast<uint16_t>(t->data_off | (flags << 8)));
            t->flags = flags;
        }
        const uint32_t tsc_lo = static_cast<uint32_t>(tsc),
                       tsc_hi = static_cast<uint32_t>(tsc >> 32);
        std::memcpy(l4 + stamp_at, &tsc_lo, 4);
        std::memcpy(l4 + stamp_at + 4, &tsc_hi, 4);
        std::memcpy(l4 + stamp_at + 8, &flow, 4);
        c = csum_update32(c, 0, tsc_lo);
        c = csum_update32(c, 0, tsc_hi);
        c = csum_update32(c, 0, flow);
        if (!tcp_ && c == 0) c = 0xffff;  // UDP: 0 means "no checksum"
        std::memcpy(l4 + csum_at(), &c, 2);
    }

    uint16_t l4_len() const { return l4_len_; }
    bool tcp() const { return tcp_; }

private:
    // Offset of the checksum in the L4 header.
    size_t csum_at() const {
        return tcp_ ? offsetof(TcpHdr, checksum) : offsetof(UdpHdr, checksum);
    }

    bool tcp_;
    uint16_t port_id_;
    uint16_t l4_len_ = 0;
    uint16_t len_ = 0;
    uint8_t tpl_[72];
};

inline bool ip_checksum_ok(const Ipv4Hdr& ip) {
    return csum_fold(csum_partial(&ip, sizeof ip)) == 0xffff;
}

inline bool l4_checksum_ok(const Ipv4Hdr& ip, const uint8_t* l4, uint16_t l4_len) {
    if (ip.protocol == kIpProtoUdp && reinterpret_cast<const UdpHdr*>(l4)->checksum == 0)
        return true;
    return csum_fold(csum_partial(l4, l4_len, Generator::pseudo_sum(ip, l4_len))) == 0xffff;
}

// The bare forwarder: what every forwarder must at least do.
struct Floor {
    uint16_t wan_port = 0;
    uint16_t lan_port = 0;
    uint16_t queue = 0;  // the RX and TX queue of each port it forwards between
    const std::atomic<bool>* stop = nullptr;
    std::atomic<uint64_t> dropped{0};

    void forward(uint16_t from, uint16_t to) {
        rte_mbuf* b[kBurst];
        const uint16_t n = rte_eth_rx_burst(from, queue, b, kBurst);
        if (n == 0) return;
        swap_macs(b, n);
        const uint16_t sent = rte_eth_tx_burst(to, queue, b, n);
        if (sent < n) {
            rte_pktmbuf_free_bulk(b + sent, n - sent);
            dropped.fetch_add(n - sent, std::memory_order_relaxed);
        }
    }
    static int main(void* arg) {
        auto* f = static_cast<Floor*>(arg);
        while (!f->stop->load(std::memory_order_relaxed)) {
            f->forward(f->wan_port, f->lan_port);
            f->forward(f->lan_port, f->wan_port);
        }
        return 0;
    }
};

enum class Target { kFloor, kDvs };

// Checks each frame the forwarder sends and keeps what a run needs to know.
class Sink {
public:
    Sink(const std::string& mode, bool tcp, bool echo, uint16_t l4_len)
        : mode_(mode == "nat"  ? kMethodNat
                : mode == "dr" ? kMethodDr
                               : kMethodTun),
          tcp_(tcp),
          echo_(echo),
          l4_len_(l4_len) {}

    // Remembers which real server each opened flow went to (fill passes).
    void expect_flows(uint64_t n) { rs_of_flow_.assign(n, 0); }

    // A frame on the lan side (towards a real server). Returns false if wrong.
    bool check_lan(rte_mbuf* m, Target t, bool full, bool record, std::string& why);
    // A NAT reply on the wan side (towards the client).
    bool check_wan(rte_mbuf* m, Target t, bool full, std::string& why);
    // Turns a frame a real server received into its reply (--echo, NAT).
    static void reflect(rte_mbuf* m, uint16_t lan_port, bool tcp);
    static const Stamp* stamp(rte_mbuf* m, size_t outer_extra, bool tcp) {
        return reinterpret_cast<const Stamp*>(rte_pktmbuf_mtod(m, const uint8_t*) + sizeof(EthHdr) +
                                              outer_extra + sizeof(Ipv4Hdr) +
                                              (tcp ? sizeof(TcpHdr) : sizeof(UdpHdr)));
    }
    size_t outer_extra() const { return mode_ == kMethodTun ? sizeof(Ipv4Hdr) : 0; }

private:
    uint8_t mode_;
    bool tcp_;
    bool echo_;
    uint16_t l4_len_;
    std::vector<uint8_t> rs_of_flow_;  // 0 unknown, else real server index + 1
};

inline bool fail(std::string& why, const char* what) {
    why = what;
    return false;
}

inline bool Sink::check_lan(rte_mbuf* m, Target t, bool full, bool record, std::string& why) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    const auto* eth = reinterpret_cast<const EthHdr*>(p);
    const size_t extra = t == Target::kDvs ? outer_extra() : 0;
    const uint16_t want_len =
        static_cast<uint16_t>(sizeof(EthHdr) + extra + sizeof(Ipv4Hdr) + l4_len_);
    if (rte_pktmbuf_data_len(m) != want_len) return fail(why, "frame length");
    const Stamp* st = stamp(m, extra, tcp_);
    uint32_t flow, magic;
    std::memcpy(&flow, &st->flow, 4);
    std::memcpy(&magic, &st->magic, 4);
    if (magic != kMagic) return fail(why, "payload (stamp) changed");
    if (t == Target::kFloor) {
        // Swapped MACs, nothing else touched.
        if (std::memcmp(eth->dst, kClientMac, 6) != 0 || std::memcmp(eth->src, kWanMac, 6) != 0) {
            return fail(why, "floor: MACs not swapped");
        }
        return true;
    }
    if (std::memcmp(eth->src, kLanMac, 6) != 0)
        return fail(why, "source MAC is not the lan port's");
    if (eth->ether_type != be16(kEtherTypeIpv4)) return fail(why, "ether type");
    const auto* ip = reinterpret_cast<const Ipv4Hdr*>(p + sizeof(EthHdr));
    const Ipv4Hdr* inner = ip;
    uint32_t rs_ip = ip->dst;
    if (mode_ == kMethodTun) {
        inner = ip + 1;
        if (ip->protocol != kIpProtoIpip) return fail(why, "tun: outer protocol is not 4");
        if (ip->src != be32(kLanAddr)) return fail(why, "tun: outer source is not 10.0.0.1");
        if (be16(ip->total_length) != sizeof(Ipv4Hdr) * 2 + l4_len_) {
            return fail(why, "tun: outer length");
        }
        if (full && !ip_checksum_ok(*ip)) return fail(why, "tun: outer IP checksum");
    }
    // DR: the real server shows only in the MAC; NAT/TUN: in the IP destination too.
    const uint32_t rs = mode_ == kMethodDr ? eth->dst[5] - 0x11u : be32(rs_ip) - kRsBase;
    if (rs >= kRealServers) return fail(why, "destination is not a real server");
    uint8_t mac[6];
    rs_mac(rs, mac);
    if (std::memcmp(eth->dst, mac, 6) != 0)
        return fail(why, "destination MAC is not the real server's");
    const auto* l4 = reinterpret_cast<const uint8_t*>(inner + 1);
    uint16_t sport, dport;
    std::memcpy(&sport, l4, 2);
    std::memcpy(&dport, l4 + 2, 2);
    if (inner->src != client_ip(flow) || sport != client_port(flow)) {
        return fail(why, "client endpoint changed");
    }
    if (mode_ == kMethodNat) {
        if (inner->dst != rs_ip || dport != be16(kNatRsPort))
            return fail(why, "nat: not rewritten to RIP:8080");
        if (inner->ttl != 63) return fail(why, "nat: TTL not decremented");
    } else {
        if (inner->dst != be32(kVip) || dport != be16(kVport))
            return fail(why, "inner packet changed");
        if (inner->ttl != 64) return fail(why, "dr/tun: inner TTL changed");
        if (mode_ == kMethodDr && ip->dst != be32(kVip))
            return fail(why, "dr: IP destination changed");
    }
    if (full && (!ip_checksum_ok(*inner) || !l4_checksum_ok(*inner, l4, l4_len_))) {
        return fail(why, "checksum");
    }
    if (flow < rs_of_flow_.size()) {
        uint8_t& known = rs_of_flow_[flow];
        if (record) {
            known = static_cast<uint8_t>(rs + 1);
        } else if (full && known != 0 && known != rs + 1) {
            return fail(why, "flow moved to another real server");
        }
    }
    return true;
}

inline bool Sink::check_wan(rte_mbuf* m, Target t, bool full, std::string& why) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    const auto* eth = reinterpret_cast<const EthHdr*>(p);
    if (rte_pktmbuf_data_len(m) != sizeof(EthHdr) + sizeof(Ipv4Hdr) + l4_len_) {
        return fail(why, "reply: frame length");
    }
    const Stamp* st = stamp(m, 0, tcp_);
    uint32_t flow, magic;
    std::memcpy(&flow, &st->flow, 4);
    std::memcpy(&magic, &st->magic, 4);
    if (magic != kMagic) return fail(why, "reply: payload changed");
    if (t == Target::kFloor) return true;
    if (!echo_) return fail(why, "a frame came out on wan without --echo");
    if (std::memcmp(eth->dst, kClientMac, 6) != 0 || std::memcmp(eth->src, kWanMac, 6) != 0) {
        return fail(why, "reply: MACs");
    }
    const auto* ip = reinterpret_cast<const Ipv4Hdr*>(p + sizeof(EthHdr));
    const auto* l4 = reinterpret_cast<const uint8_t*>(ip + 1);
    uint16_t sport, dport;
    std::memcpy(&sport, l4, 2);
    std::memcpy(&dport, l4 + 2, 2);
    if (ip->src != be32(kVip) || sport != be16(kVport))
        return fail(why, "reply: source not VIP:80");
    if (ip->dst != client_ip(flow) || dport != client_port(flow))
        return fail(why, "reply: destination not the client");
    if (ip->ttl != 62) return fail(why, "reply: TTL");
    if (full && (!ip_checksum_ok(*ip) || !l4_checksum_ok(*ip, l4, l4_len_))) {
        return fail(why, "reply: checksum");
    }
    return true;
}

inline void Sink::reflect(rte_mbuf* m, uint16_t lan_port, bool tcp) {
    auto* p = rte_pktmbuf_mtod(m, uint8_t*);
    auto* eth = reinterpret_cast<EthHdr*>(p);
    uint8_t tmp[6];
    std::memcpy(tmp, eth->dst, 6);
    std::memcpy(eth->dst, eth->src, 6);
    std::memcpy(eth->src, tmp, 6);
    auto* ip = reinterpret_cast<Ipv4Hdr*>(p + sizeof(EthHdr));
    const uint32_t src = ip->src;  // sums are order-blind: checksums stay valid
    ip->src = ip->dst;
    ip->dst = src;
    uint8_t* l4 = p + sizeof(EthHdr) + sizeof(Ipv4Hdr);
    uint16_t ports[2];
    std::memcpy(ports, l4, 4);
    std::swap(ports[0], ports[1]);
    std::memcpy(l4, ports, 4);
    if (tcp) {
        auto* t = reinterpret_cast<TcpHdr*>(l4);
        const uint8_t flags = (t->flags & kTcpSyn) ? (kTcpSyn | kTcpAck) : kTcpAck;
        t->checksum =
            csum_update16(t->checksum, static_cast<uint16_t>(t->data_off | (t->flags << 8)),
                          static_cast<uint16_t>(t->data_off | (flags << 8)));
        t->flags = flags;
    }
    m->port = lan_port;
}

inline uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline double percentile(const std::vector<uint64_t>& sorted, double q, double ns_per_cycle) {
    if (sorted.empty()) return 0;
    const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
    return static_cast<double>(sorted[i]) * ns_per_cycle;
}

// EAL with `args` (argv[0] first), a pool of `mbufs` mbufs, the handoff
// field. Exits with status 2 on failure.
inline rte_mempool* start_eal(std::vector<std::string> args, const char* pool_name,
                              unsigned mbufs) {
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        std::fprintf(stderr, "EAL init failed (hugepages? root? enough CPUs?)\n");
        std::exit(2);
    }
    rte_mempool* pool = rte_pktmbuf_pool_create(pool_name, mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                                rte_socket_id());
    if (pool == nullptr) {
        std::fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
        std::exit(2);
    }
    dataplane::register_handoff_field();
    return pool;
}

inline rte_ring* make_ring(const std::string& name, unsigned size, unsigned flags) {
    rte_ring* r = rte_ring_create(name.c_str(), size, static_cast<int>(rte_socket_id()), flags);
    if (r == nullptr) {
        std::fprintf(stderr, "ring %s: %s\n", name.c_str(), rte_strerror(rte_errno));
        std::exit(2);
    }
    return r;
}

// The two ports of config_text over rings (`queues` per direction each),
// opened as dvsd opens ports for `workers` workers; their DPDK port ids go
// to wan_id and lan_id. Exits with status 2 when the rings cannot be ports.
inline dataplane::PortLayout open_ring_ports(rte_ring* const* wan_rx, rte_ring* const* wan_tx,
                                             rte_ring* const* lan_rx, rte_ring* const* lan_tx,
                                             uint32_t queues, uint32_t workers, rte_mempool* pool,
                                             uint16_t& wan_id, uint16_t& lan_id) {
    const unsigned socket = rte_socket_id();
    // rte_eth_from_rings names the device net_ring_<name>.
    const int wan = rte_eth_from_rings("loop_wan", wan_rx, queues, wan_tx, queues, socket);
    const int lan = rte_eth_from_rings("loop_lan", lan_rx, queues, lan_tx, queues, socket);
    if (wan < 0 || lan < 0) {
        std::fprintf(stderr, "rte_eth_from_rings failed\n");
        std::exit(2);
    }
    wan_id = static_cast<uint16_t>(wan);
    lan_id = static_cast<uint16_t>(lan);
    std::vector<rte_mempool*> pools(RTE_MAX_NUMA_NODES, pool);
    dataplane::PortSpec wan_spec{"wan", "net_ring_loop_wan", 1500, true, {}};
    dataplane::PortSpec lan_spec{"lan", "net_ring_loop_lan", 1500, true, {}};
    std::memcpy(wan_spec.mac, kWanMac, 6);
    std::memcpy(lan_spec.mac, kLanMac, 6);
    lan_spec.facing = dataplane::PortFacing::kServers;  // NAT replies arrive there
    return dataplane::open_ports({wan_spec, lan_spec}, workers, pools);
}

}  // namespace dvs::bench
