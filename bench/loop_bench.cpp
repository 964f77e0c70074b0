// Two-core loop benchmark: the worker's real poll loop (Worker::run) on one
// lcore, a traffic generator and sink on another, joined by net_ring ports.
//
//   generator/sink lcore (main)                worker lcore
//   alloc, fill, stamp TSC  -> [wan rx ring] -> rte_eth_rx_burst(wan)
//                                              parse, conn lookup/insert,
//                                              NAT | DR | TUN, route, neighbour
//   check, sample latency, <- [lan tx ring] <- tx buffer (lan)
//   free (the real servers)
//   --echo (NAT): each checked frame goes back as the real server's reply
//                         -> [lan rx ring] -> worker (reply path) ->
//   check, sample latency <- [wan tx ring] <-
//
// The floor, in the same run: the same generator and sink against a bare
// forwarder on the same rings and the same lcore (rx_burst, swap MACs,
// tx_burst on the other port). Each case reports mpps, floor_mpps, ratio.
//
// Closed loop: the generator keeps at most --window packets outstanding
// (sent, neither back nor counted as dropped), so no ring can overflow: any
// loss is the forwarder's own and every worker drop has a reason. The rate
// is then the highest the pair (generator, forwarder) sustains; latency is
// measured at that load (by Little's law about window / rate), so a smaller
// window shows latency nearer to an idle forwarder's.
//
// Per case (mode x proto x conns x new_ratio): a fill pass through the loop
// (one SYN, or first UDP datagram, per flow: new_conns_per_s), then --runs
// pairs of passes (floor, dvs) of --packets packets each; medians reported.
// In a measured pass a fraction new_ratio of packets opens a fresh flow (SYN
// on a client tuple never used before); the rest go to one of the N flows at
// random (TCP ACK).
//
// The bench checks its own run and exits 1 when: a packet is lost, the worker
// drops anything, a connection is not made for a new flow, or a frame comes
// back wrong for its method (MACs, addresses, ports, TTL, outer header,
// checksums of sampled frames, the same real server for a flow as when it
// was opened).
//
// Usage: loop_bench [--modes nat,dr,tun] [--protos tcp,udp]
//                   [--conns 1000,1000000] [--new-ratio 0,0.1,1]
//                   [--packets N] [--runs R] [--window K] [--echo]
//                   [--cpus GEN,WORKER] [--json FILE] [--scrape-ms N]
// --scrape-ms N: a thread renders /metrics from the worker's counters every
// N ms through the whole case, floor passes included (bench/scraper.hpp):
// compare a run with --scrape-ms 1000 against one without.
// Needs hugepages (scripts/setup.sh) and root.

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_worker.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "dataplane/worker.hpp"
#include "packet/checksum.hpp"
#include "packet/tun_encap.hpp"
#include "packet/wire.hpp"
#include "scraper.hpp"

using namespace dvs;
using namespace dvs::dataplane;
using dvs::bench::drops_total;
using dvs::bench::median;
using dvs::bench::parse_list;

namespace {

constexpr uint16_t kBurst = 32;
constexpr unsigned kRingSize = 4096;   // per direction per port; capacity 4095
constexpr uint32_t kSampleEvery = 64;  // latency: one completed packet in 64
constexpr uint32_t kMagic = 0xd5b0c0de;
constexpr uint32_t kRealServers = 4;
constexpr uint16_t kVport = 80;
constexpr uint16_t kNatRsPort = 8080;         // NAT rewrites the port too; DR/TUN keep 80
constexpr uint32_t kVip = 0xc000020a;         // 192.0.2.10
constexpr uint32_t kRsBase = 0x0a00000b;      // 10.0.0.11 .. 10.0.0.14
constexpr uint32_t kLanAddr = 0x0a000001;     // 10.0.0.1: TUN outer source
constexpr uint32_t kClientBase = 0x64400000;  // 100.64.0.0/10
constexpr uint8_t kClientMac[6] = {0x02, 0, 0, 0, 0, 0x02};  // the client router 10.0.1.2
constexpr uint8_t kWanMac[6] = {0x02, 0, 0, 0, 1, 1};
constexpr uint8_t kLanMac[6] = {0x02, 0, 0, 0, 2, 1};

// The real servers' MACs: 02:00:00:00:00:11 .. 14, like their addresses.
void rs_mac(uint32_t index, uint8_t out[6]) {
    const uint8_t m[6] = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(0x11 + index)};
    std::memcpy(out, m, 6);
}

struct Options {
    std::vector<std::string> modes = {"nat", "dr", "tun"};
    std::vector<std::string> protos = {"tcp", "udp"};
    std::vector<uint64_t> conns = {1000, 1000000};
    std::vector<double> new_ratios = {0.0};
    uint64_t packets = 2000000;
    int runs = 3;
    uint32_t window = 1024;
    bool echo = false;
    unsigned gen_cpu = 0;
    unsigned worker_cpu = 1;
    std::string json;
    uint32_t scrape_ms = 0;  // 0: no scrape
};

std::string config_text(const std::string& mode, const std::string& proto, uint64_t capacity) {
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
    return "dataplane: { workers: 1, conn_capacity: " + std::to_string(capacity) +
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
uint32_t client_ip(uint32_t flow) { return be32(kClientBase + 1 + (flow >> 14)); }
uint16_t client_port(uint32_t flow) { return be16(static_cast<uint16_t>(1024 + (flow & 0x3fff))); }

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

// xorshift64 and a multiply-shift range reduction (no division per packet).
struct Rng {
    uint64_t s = 0x9e3779b97f4a7c15ull;
    uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    uint32_t below(uint64_t n) {
        return static_cast<uint32_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
    }
};

bool ip_checksum_ok(const Ipv4Hdr& ip) { return csum_fold(csum_partial(&ip, sizeof ip)) == 0xffff; }

bool l4_checksum_ok(const Ipv4Hdr& ip, const uint8_t* l4, uint16_t l4_len) {
    if (ip.protocol == kIpProtoUdp && reinterpret_cast<const UdpHdr*>(l4)->checksum == 0)
        return true;
    return csum_fold(csum_partial(l4, l4_len, Generator::pseudo_sum(ip, l4_len))) == 0xffff;
}

// The four rings behind the two ports, seen from the generator's side.
struct Rings {
    rte_ring* wan_rx;  // generator -> worker (client traffic)
    rte_ring* wan_tx;  // worker -> sink (NAT replies to the client)
    rte_ring* lan_rx;  // echo: real servers' replies -> worker
    rte_ring* lan_tx;  // worker -> sink (towards the real servers)
    uint16_t wan_port = 0;
    uint16_t lan_port = 0;
};

// The bare forwarder: what every forwarder must at least do.
struct Floor {
    uint16_t wan_port = 0;
    uint16_t lan_port = 0;
    const std::atomic<bool>* stop = nullptr;
    std::atomic<uint64_t> dropped{0};

    static void swap_macs(rte_mbuf** b, uint16_t n) {
        for (uint16_t i = 0; i < n; ++i) {
            auto* eth = rte_pktmbuf_mtod(b[i], EthHdr*);
            uint8_t tmp[6];
            std::memcpy(tmp, eth->dst, 6);
            std::memcpy(eth->dst, eth->src, 6);
            std::memcpy(eth->src, tmp, 6);
        }
    }
    void forward(uint16_t from, uint16_t to) {
        rte_mbuf* b[kBurst];
        const uint16_t n = rte_eth_rx_burst(from, 0, b, kBurst);
        if (n == 0) return;
        swap_macs(b, n);
        const uint16_t sent = rte_eth_tx_burst(to, 0, b, n);
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

// What the traffic of one pass is.
struct PassSpec {
    Target target = Target::kDvs;
    bool fill = false;  // flows first .. first+count-1 in order, all new
    uint64_t packets = 0;
    uint32_t first = 0;        // fill: first flow
    uint64_t established = 0;  // measured pass: flows 0 .. established-1 exist
    double new_ratio = 0;
    uint32_t* next_fresh = nullptr;  // measured pass: next never-used flow id
};

struct PassResult {
    double seconds = 0;
    double gen_cpu = 0, fwd_cpu = 0;  // CPU time each thread got / wall time of the pass
    uint64_t sent = 0, forwarded = 0, completed = 0, dropped = 0, lost = 0, fresh = 0;
    double p50_ns = 0, p99_ns = 0, p999_ns = 0;
    uint64_t bad = 0;  // frames that came back wrong
};

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

bool fail(std::string& why, const char* what) {
    why = what;
    return false;
}

bool Sink::check_lan(rte_mbuf* m, Target t, bool full, bool record, std::string& why) {
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

bool Sink::check_wan(rte_mbuf* m, Target t, bool full, std::string& why) {
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

void Sink::reflect(rte_mbuf* m, uint16_t lan_port, bool tcp) {
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

uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

double percentile(const std::vector<uint64_t>& sorted, double q, double ns_per_cycle) {
    if (sorted.empty()) return 0;
    const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
    return static_cast<double>(sorted[i]) * ns_per_cycle;
}

// One pass: launches the forwarder, sends, receives and checks, stops it.
class Loop {
public:
    Loop(const Options& opt, const Rings& rings, rte_mempool* pool)
        : opt_(opt), rings_(rings), pool_(pool), tsc_hz_(rte_get_tsc_hz()) {
        samples_.reserve(opt.packets / kSampleEvery + 1024);
    }

    // worker/worker_stop: the worker and the stop flag its WorkerEnv points
    // at (target kDvs only).
    PassResult run(const PassSpec& spec, const Generator& gen, Sink& sink, Worker* worker,
                   std::atomic<bool>* worker_stop);
    std::vector<std::string> errors;

private:
    uint64_t forwarder_drops(Target t, const Worker* w, const Floor& f) const {
        return t == Target::kDvs ? drops_total(w->counters())
                                 : f.dropped.load(std::memory_order_relaxed);
    }
    void note(const std::string& e) {
        if (errors.size() < 8) errors.push_back(e);
    }
    void drain_all(PassResult& r);

    const Options& opt_;
    Rings rings_;
    rte_mempool* pool_;
    uint64_t tsc_hz_;
    std::vector<uint64_t> samples_;
};

void Loop::drain_all(PassResult& r) {
    rte_mbuf* b[kBurst];
    for (rte_ring* ring : {rings_.wan_rx, rings_.wan_tx, rings_.lan_rx, rings_.lan_tx}) {
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(b), kBurst,
                                              nullptr)) != 0) {
            rte_pktmbuf_free_bulk(b, n);
            r.lost += n;
        }
    }
}

PassResult Loop::run(const PassSpec& spec, const Generator& gen, Sink& sink, Worker* worker,
                     std::atomic<bool>* worker_stop) {
    PassResult r;
    std::atomic<bool> stop{false};
    Floor floor;
    floor.wan_port = rings_.wan_port;
    floor.lan_port = rings_.lan_port;
    floor.stop = &stop;
    const bool dvs = spec.target == Target::kDvs;
    const bool echo = opt_.echo;
    const uint64_t drops0 = dvs ? drops_total(worker->counters()) : 0;
    // On a shared host both threads are descheduled at times; the CPU time
    // each one got is reported beside the rates so the conditions show.
    struct Launch {
        Worker* worker;
        Floor* floor;
        uint64_t cpu_ns = 0;
        static int main(void* arg) {
            auto* l = static_cast<Launch*>(arg);
            const uint64_t c0 = thread_cpu_ns();
            const int rc = l->worker != nullptr ? l->worker->run() : Floor::main(l->floor);
            l->cpu_ns = thread_cpu_ns() - c0;
            return rc;
        }
    } launch{dvs ? worker : nullptr, &floor};
    if (dvs) worker_stop->store(false);
    const uint64_t gen_cpu0 = thread_cpu_ns();
    rte_eal_remote_launch(&Launch::main, &launch, opt_.worker_cpu);

    samples_.clear();
    Rng rng;
    const bool all_new = spec.new_ratio >= 1.0;
    const uint64_t new_threshold = static_cast<uint64_t>(spec.new_ratio * 18446744073709551615.0);
    const uint64_t window = opt_.window;
    // 1 s without progress ends the drain: longer than a loaded host deschedules us.
    const uint64_t idle_limit = tsc_hz_;
    uint64_t completions = 0;
    rte_mbuf* b[kBurst];
    rte_mbuf* reply[kBurst];
    std::string why;
    const uint64_t t0 = rte_rdtsc();
    uint64_t last_progress = t0, t_last = t0;

    while (true) {
        bool progress = false;
        // Sink, lan side: frames towards the real servers.
        unsigned n =
            rte_ring_sc_dequeue_burst(rings_.lan_tx, reinterpret_cast<void**>(b), kBurst, nullptr);
        if (n != 0) {
            progress = true;
            const uint64_t now = rte_rdtsc();
            r.forwarded += n;
            unsigned n_reply = 0, n_free = 0;
            rte_mbuf* done[kBurst];
            for (unsigned i = 0; i < n; ++i) {
                const bool sample = !echo && ++completions % kSampleEvery == 0;
                const bool full = sample || spec.fill;
                if (!sink.check_lan(b[i], spec.target, full, spec.fill && dvs, why)) {
                    ++r.bad;
                    note(why);
                }
                if (echo) {
                    Sink::reflect(b[i], rings_.lan_port, gen.tcp());
                    reply[n_reply++] = b[i];
                    continue;
                }
                if (sample && samples_.size() < samples_.capacity()) {
                    uint64_t tsc;
                    std::memcpy(&tsc, Sink::stamp(b[i], dvs ? sink.outer_extra() : 0, gen.tcp()),
                                8);
                    samples_.push_back(now - tsc);
                }
                done[n_free++] = b[i];
            }
            if (n_free != 0) rte_pktmbuf_free_bulk(done, n_free);
            if (!echo) r.completed += n;
            if (n_reply != 0) {
                const unsigned q = rte_ring_sp_enqueue_burst(
                    rings_.lan_rx, reinterpret_cast<void* const*>(reply), n_reply, nullptr);
                if (q < n_reply) {  // cannot happen inside the window: counted as lost
                    rte_pktmbuf_free_bulk(reply + q, n_reply - q);
                    note("lan rx ring full");
                }
            }
            t_last = now;
        }
        // Sink, wan side: NAT replies (echo), or frames that should not be there.
        n = rte_ring_sc_dequeue_burst(rings_.wan_tx, reinterpret_cast<void**>(b), kBurst, nullptr);
        if (n != 0) {
            progress = true;
            const uint64_t now = rte_rdtsc();
            r.forwarded += n;
            r.completed += n;
            for (unsigned i = 0; i < n; ++i) {
                const bool sample = ++completions % kSampleEvery == 0;
                if (!sink.check_wan(b[i], spec.target, sample, why)) {
                    ++r.bad;
                    note(why);
                }
                if (sample && samples_.size() < samples_.capacity()) {
                    uint64_t tsc;
                    std::memcpy(&tsc, Sink::stamp(b[i], 0, gen.tcp()), 8);
                    samples_.push_back(now - tsc);
                }
            }
            rte_pktmbuf_free_bulk(b, n);
            t_last = now;
        }
        // Generator: one burst whenever the window has room for it.
        if (r.sent < spec.packets) {
            uint64_t outstanding = r.sent - r.completed - r.dropped;
            if (outstanding + kBurst > window) {
                r.dropped = forwarder_drops(spec.target, worker, floor) - drops0;
                outstanding = r.sent - r.completed - r.dropped;
            }
            if (outstanding + kBurst <= window) {
                const uint16_t want =
                    static_cast<uint16_t>(std::min<uint64_t>(kBurst, spec.packets - r.sent));
                if (rte_pktmbuf_alloc_bulk(pool_, b, want) == 0) {
                    const uint64_t tsc = rte_rdtsc();
                    for (uint16_t i = 0; i < want; ++i) {
                        uint32_t flow;
                        bool syn;
                        if (spec.fill) {
                            flow = spec.first + static_cast<uint32_t>(r.sent + i);
                            syn = true;
                        } else if (all_new || rng.next() < new_threshold) {
                            flow = (*spec.next_fresh)++;
                            syn = true;
                            ++r.fresh;
                        } else {
                            flow = rng.below(spec.established);
                            syn = false;
                        }
                        gen.fill(b[i], flow, syn, tsc);
                    }
                    const unsigned q = rte_ring_sp_enqueue_burst(
                        rings_.wan_rx, reinterpret_cast<void* const*>(b), want, nullptr);
                    if (q < want) {  // cannot happen inside the window
                        rte_pktmbuf_free_bulk(b + q, want - q);
                        note("wan rx ring full");
                        r.lost += want - q;
                    }
                    r.sent += q;
                    progress = true;
                }
            }
        }
        const uint64_t now = rte_rdtsc();
        if (progress) {
            last_progress = now;
        } else if (r.sent == spec.packets) {
            r.dropped = forwarder_drops(spec.target, worker, floor) - drops0;
            if (r.completed + r.dropped + r.lost >= r.sent) break;
            if (now - last_progress > idle_limit) break;
        } else if (now - last_progress > 5 * tsc_hz_) {
            note("generator stalled (mbuf pool empty?)");
            break;
        }
    }
    (dvs ? *worker_stop : stop).store(true, std::memory_order_relaxed);
    rte_eal_wait_lcore(opt_.worker_cpu);
    r.dropped = forwarder_drops(spec.target, worker, floor) - drops0;
    drain_all(r);
    r.lost = r.sent - std::min(r.sent, r.completed + r.dropped);
    r.seconds = static_cast<double>(t_last - t0) / static_cast<double>(tsc_hz_);
    const double wall_ns =
        static_cast<double>(rte_rdtsc() - t0) * 1e9 / static_cast<double>(tsc_hz_);
    r.gen_cpu = static_cast<double>(thread_cpu_ns() - gen_cpu0) / wall_ns;
    r.fwd_cpu = static_cast<double>(launch.cpu_ns) / wall_ns;
    std::sort(samples_.begin(), samples_.end());
    const double ns = 1e9 / static_cast<double>(tsc_hz_);
    r.p50_ns = percentile(samples_, 0.5, ns);
    r.p99_ns = percentile(samples_, 0.99, ns);
    r.p999_ns = percentile(samples_, 0.999, ns);
    return r;
}

struct Result {
    std::string mode, proto;
    uint64_t conns = 0;
    double new_ratio = 0;
    double mpps = 0, floor_mpps = 0, offered_mpps = 0, ns_per_pkt = 0;
    double lat_p50 = 0, lat_p99 = 0, lat_p999 = 0, floor_p50 = 0, floor_p99 = 0;
    double new_conns_per_s = 0, bytes_per_conn = 0;
    double gen_cpu = 0, worker_cpu = 0, floor_cpu = 0;  // medians of the CPU shares
    uint64_t scrapes = 0, scrape_bytes = 0;             // with --scrape-ms
    double scrape_render_us = 0;
    uint64_t loss = 0, drops = 0;
    std::array<uint64_t, static_cast<size_t>(DropReason::kCount)> by_reason{};
    bool ok = true;
};

Result run_case(const std::string& mode, const std::string& proto, uint64_t conns, double new_ratio,
                const Options& opt, const Rings& rings, const PortLayout& ports,
                rte_mempool* pool) {
    Result res;
    res.mode = mode;
    res.proto = proto;
    res.conns = conns;
    res.new_ratio = new_ratio;
    const uint64_t packets = std::max<uint64_t>(opt.packets / kBurst * kBurst, kBurst);
    // Room for the established flows and every fresh one the dvs passes open.
    const uint64_t fresh_max = static_cast<uint64_t>(new_ratio * packets * opt.runs) + packets / 16;
    const uint64_t capacity = std::max<uint64_t>(4096, conns + conns / 64 + fresh_max);
    bench::BenchWorker bw(config_text(mode, proto, capacity), capacity, ports, pool);
    Worker* worker = &bw.worker();
    std::unique_ptr<bench::Scraper> scraper;
    if (opt.scrape_ms > 0) {
        scraper =
            std::make_unique<bench::Scraper>(config_text(mode, proto, capacity), worker->counters(),
                                             std::chrono::milliseconds(opt.scrape_ms));
    }
    std::atomic<bool>& stop = bw.stop;

    const bool tcp = proto == "tcp";
    const bool echo = opt.echo && mode == "nat";
    Options pass_opt = opt;
    pass_opt.echo = echo;
    Loop loop(pass_opt, rings, pool);
    const Generator gen(tcp, rings.wan_port);
    Sink sink(mode, tcp, echo, gen.l4_len());
    sink.expect_flows(conns);

    // Fill: one new flow per packet, in order.
    const uint64_t created0 = worker->counters().conns_created.get();
    PassSpec fill;
    fill.target = Target::kDvs;
    fill.fill = true;
    fill.packets = conns;
    fill.first = 0;
    const PassResult f = loop.run(fill, gen, sink, worker, &stop);
    res.new_conns_per_s = f.seconds > 0 ? static_cast<double>(conns) / f.seconds : 0;
    res.bytes_per_conn = worker->conn_bytes_per_entry();
    uint64_t bad = f.bad, lost = f.lost, expected_new = conns;

    uint32_t next_fresh = static_cast<uint32_t>(conns);
    std::vector<double> mpps, floor_mpps, offered, p50, p99, p999, fp50, fp99, gcpu, wcpu, fcpu;
    for (int run = 0; run < opt.runs; ++run) {
        PassSpec spec;
        spec.packets = packets;
        spec.established = conns;
        spec.new_ratio = new_ratio;
        uint32_t floor_fresh = 0x80000000u;  // fresh ids of floor passes never reach a table
        spec.next_fresh = &floor_fresh;
        spec.target = Target::kFloor;
        const PassResult fl = loop.run(spec, gen, sink, nullptr, nullptr);
        spec.target = Target::kDvs;
        spec.next_fresh = &next_fresh;
        const PassResult d = loop.run(spec, gen, sink, worker, &stop);
        expected_new += d.fresh;
        floor_mpps.push_back(static_cast<double>(fl.forwarded) / fl.seconds / 1e6);
        mpps.push_back(static_cast<double>(d.forwarded) / d.seconds / 1e6);
        offered.push_back(static_cast<double>(d.sent) / d.seconds / 1e6);
        p50.push_back(d.p50_ns);
        p99.push_back(d.p99_ns);
        p999.push_back(d.p999_ns);
        fp50.push_back(fl.p50_ns);
        fp99.push_back(fl.p99_ns);
        gcpu.push_back(d.gen_cpu);
        wcpu.push_back(d.fwd_cpu);
        fcpu.push_back(fl.fwd_cpu);
        bad += fl.bad + d.bad;
        lost += fl.lost + d.lost + fl.dropped;
    }
    for (size_t i = 0; i < res.by_reason.size(); ++i)
        res.by_reason[i] = worker->counters().drops[i].get();
    res.drops = drops_total(worker->counters());
    res.mpps = median(mpps);
    res.floor_mpps = median(floor_mpps);
    res.offered_mpps = median(offered);
    res.ns_per_pkt = res.mpps > 0 ? 1e3 / res.mpps : 0;
    res.lat_p50 = median(p50);
    res.lat_p99 = median(p99);
    res.lat_p999 = median(p999);
    res.floor_p50 = median(fp50);
    res.floor_p99 = median(fp99);
    res.gen_cpu = median(gcpu);
    res.worker_cpu = median(wcpu);
    res.floor_cpu = median(fcpu);
    res.loss = lost;
    const uint64_t created = worker->counters().conns_created.get() - created0;

    auto error = [&](const std::string& e) {
        std::fprintf(stderr, "error: %s %s %lu new %.2f: %s\n", mode.c_str(), proto.c_str(), conns,
                     new_ratio, e.c_str());
        res.ok = false;
    };
    if (created != expected_new) {
        error("connections created " + std::to_string(created) + ", expected " +
              std::to_string(expected_new));
    }
    if (res.drops != 0) error(std::to_string(res.drops) + " dropped by the worker");
    if (lost != 0) error(std::to_string(lost) + " packets lost");
    if (bad != 0) {
        error(std::to_string(bad) + " frames came back wrong");
        for (const std::string& e : loop.errors) error("  " + e);
    }
    if (scraper) {
        res.scrapes = scraper->scrapes();
        res.scrape_render_us = scraper->mean_render_us();
        res.scrape_bytes = scraper->page_bytes();
    }
    return res;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        auto word = [](const std::string& s) { return s; };
        auto u64 = [](const std::string& s) { return std::stoull(s); };
        auto dbl = [](const std::string& s) { return std::stod(s); };
        if (a == "--modes")
            opt.modes = parse_list<std::string>(value(), word);
        else if (a == "--protos")
            opt.protos = parse_list<std::string>(value(), word);
        else if (a == "--conns")
            opt.conns = parse_list<uint64_t>(value(), u64);
        else if (a == "--new-ratio")
            opt.new_ratios = parse_list<double>(value(), dbl);
        else if (a == "--packets")
            opt.packets = std::stoull(value());
        else if (a == "--runs")
            opt.runs = std::stoi(value());
        else if (a == "--window")
            opt.window = static_cast<uint32_t>(std::stoul(value()));
        else if (a == "--echo")
            opt.echo = true;
        else if (a == "--json")
            opt.json = value();
        else if (a == "--scrape-ms")
            opt.scrape_ms = static_cast<uint32_t>(std::stoul(value()));
        else if (a == "--cpus") {
            const auto c = parse_list<uint64_t>(value(), u64);
            if (c.size() != 2) {
                std::fprintf(stderr, "--cpus takes GEN,WORKER\n");
                return 1;
            }
            opt.gen_cpu = static_cast<unsigned>(c[0]);
            opt.worker_cpu = static_cast<unsigned>(c[1]);
        } else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 1;
        }
    }
    if (opt.window < kBurst || opt.window >= kRingSize) {
        std::fprintf(stderr, "--window must be in [%u, %u)\n", kBurst, kRingSize);
        return 1;
    }
    for (const uint64_t c : opt.conns) {
        if (c == 0 || c > 10000000) {
            std::fprintf(stderr, "--conns: 1 .. 10,000,000\n");
            return 1;
        }
    }
    const std::string cpus = std::to_string(opt.gen_cpu) + "," + std::to_string(opt.worker_cpu);
    std::vector<std::string> eal_args = {
        "loop_bench", "--no-pci", "--in-memory",  "--log-level=*:warning",
        "-l",         cpus,       "--main-lcore", std::to_string(opt.gen_cpu)};
    std::vector<char*> eal_argv;
    for (auto& s : eal_args) eal_argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        std::fprintf(stderr, "EAL init failed (hugepages? root? two CPUs?)\n");
        return 2;
    }
    rte_mempool* pool =
        rte_pktmbuf_pool_create("loop", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    if (pool == nullptr) {
        std::fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
        return 2;
    }
    register_handoff_field();

    // Two ports, each a pair of single-producer/single-consumer rings.
    Rings rings{};
    auto ring = [](const char* name) {
        rte_ring* r = rte_ring_create(name, kRingSize, static_cast<int>(rte_socket_id()),
                                      RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (r == nullptr) {
            std::fprintf(stderr, "ring %s: %s\n", name, rte_strerror(rte_errno));
            std::exit(2);
        }
        return r;
    };
    rings.wan_rx = ring("loop_wan_rx");
    rings.wan_tx = ring("loop_wan_tx");
    rings.lan_rx = ring("loop_lan_rx");
    rings.lan_tx = ring("loop_lan_tx");
    const int wan =
        rte_eth_from_rings("loop_wan", &rings.wan_rx, 1, &rings.wan_tx, 1, rte_socket_id());
    const int lan =
        rte_eth_from_rings("loop_lan", &rings.lan_rx, 1, &rings.lan_tx, 1, rte_socket_id());
    if (wan < 0 || lan < 0) {
        std::fprintf(stderr, "rte_eth_from_rings failed\n");
        return 2;
    }
    rings.wan_port = static_cast<uint16_t>(wan);
    rings.lan_port = static_cast<uint16_t>(lan);
    std::vector<rte_mempool*> pools(RTE_MAX_NUMA_NODES, pool);
    // rte_eth_from_rings names the device net_ring_<name>.
    PortSpec wan_spec{"wan", "net_ring_loop_wan", 1500, true, {}};
    PortSpec lan_spec{"lan", "net_ring_loop_lan", 1500, true, {}};
    std::memcpy(wan_spec.mac, kWanMac, 6);
    std::memcpy(lan_spec.mac, kLanMac, 6);
    const PortLayout ports = open_ports({wan_spec, lan_spec}, 1, pools);

    std::printf(
        "closed loop, window %u, bursts of %u, %lu packets x %d runs per pass, CPUs gen %u "
        "worker %u%s\n",
        opt.window, kBurst, opt.packets, opt.runs, opt.gen_cpu, opt.worker_cpu,
        opt.echo ? ", NAT with replies (--echo)" : "");
    std::printf("%-4s %-5s %9s %5s %7s %7s %6s %7s %8s %8s %9s %8s %6s %6s %11s %7s %5s %5s\n",
                "mode", "proto", "conns", "new", "mpps", "floor", "ratio", "ns/pkt", "p50 us",
                "p99 us", "p999 us", "fl p50", "loss", "drops", "new conn/s", "B/conn", "cpu w",
                "cpu g");
    std::ostringstream json;
    json << "[\n";
    bool first = true, all_ok = true;
    for (const std::string& mode : opt.modes) {
        for (const std::string& proto : opt.protos) {
            for (const uint64_t conns : opt.conns) {
                for (const double ratio : opt.new_ratios) {
                    const Result r = run_case(mode, proto, conns, ratio, opt, rings, ports, pool);
                    const double ratio_to_floor = r.floor_mpps > 0 ? r.mpps / r.floor_mpps : 0;
                    std::printf(
                        "%-4s %-5s %9lu %5.2f %7.2f %7.2f %6.3f %7.0f %8.1f %8.1f %9.1f "
                        "%8.1f %6lu %6lu %11.0f %7.1f %5.2f %5.2f\n",
                        r.mode.c_str(), r.proto.c_str(), r.conns, r.new_ratio, r.mpps, r.floor_mpps,
                        ratio_to_floor, r.ns_per_pkt, r.lat_p50 / 1e3, r.lat_p99 / 1e3,
                        r.lat_p999 / 1e3, r.floor_p50 / 1e3, r.loss, r.drops, r.new_conns_per_s,
                        r.bytes_per_conn, r.worker_cpu, r.gen_cpu);
                    if (opt.scrape_ms > 0) {
                        std::printf(
                            "     scraped every %u ms: %lu renders of /metrics (%lu bytes), "
                            "%.0f us each on average\n",
                            opt.scrape_ms, r.scrapes, r.scrape_bytes, r.scrape_render_us);
                    }
                    std::fflush(stdout);
                    json << (first ? "" : ",\n") << "  {\"mode\":\"" << r.mode << "\",\"proto\":\""
                         << r.proto << "\",\"transport\":\"ring\",\"echo\":"
                         << (opt.echo && r.mode == "nat" ? "true" : "false")
                         << ",\"conns\":" << r.conns << ",\"new_ratio\":" << r.new_ratio
                         << ",\"window\":" << opt.window << ",\"mpps\":" << r.mpps
                         << ",\"floor_mpps\":" << r.floor_mpps << ",\"ratio\":" << ratio_to_floor
                         << ",\"offered_mpps\":" << r.offered_mpps
                         << ",\"ns_per_pkt\":" << r.ns_per_pkt << ",\"loss\":" << r.loss
                         << ",\"lat_p50_ns\":" << r.lat_p50 << ",\"lat_p99_ns\":" << r.lat_p99
                         << ",\"lat_p999_ns\":" << r.lat_p999
                         << ",\"floor_lat_p50_ns\":" << r.floor_p50
                         << ",\"floor_lat_p99_ns\":" << r.floor_p99
                         << ",\"new_conns_per_s\":" << r.new_conns_per_s
                         << ",\"bytes_per_conn\":" << r.bytes_per_conn
                         << ",\"worker_cpu_share\":" << r.worker_cpu
                         << ",\"floor_cpu_share\":" << r.floor_cpu
                         << ",\"gen_cpu_share\":" << r.gen_cpu << ",\"scrape_ms\":" << opt.scrape_ms
                         << ",\"scrapes\":" << r.scrapes << ",\"drops\":" << r.drops
                         << ",\"drops_by_reason\":{";
                    bool first_reason = true;
                    for (size_t i = 0; i < r.by_reason.size(); ++i) {
                        if (r.by_reason[i] == 0) continue;
                        json << (first_reason ? "" : ",") << "\""
                             << drop_reason_name(static_cast<DropReason>(i))
                             << "\":" << r.by_reason[i];
                        first_reason = false;
                    }
                    json << "},\"ok\":" << (r.ok ? "true" : "false") << "}";
                    first = false;
                    all_ok = all_ok && r.ok;
                }
            }
        }
    }
    json << "\n]\n";
    if (!opt.json.empty()) std::ofstream(opt.json) << json.str();
    close_ports(ports);
    rte_eal_cleanup();
    return all_ok ? 0 : 1;
}
