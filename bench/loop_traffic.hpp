#pragma once
// The traffic of the ring-port loop benchmarks (loop_bench, multi_loop_bench):
// the frames a generator sends (client -> VIP:80, one flow per client
// endpoint; IPv4, or IPv6 for the modes nat6, dr6 and tun6), the checks a sink makes on every frame
// a forwarder sends back, the real servers' replies (--echo), the bare forwarder that is the floor,
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
#include <utility>
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

// IPv6 (modes nat6, dr6, tun6): the same topology with 2001:db8:1::/64 on
// wan (the client router 2001:db8:1::2), 2001:db8:2::/64 on lan (real
// servers 2001:db8:2::11 .. 14, dvsd 2001:db8:2::1: TUN6's outer source),
// the VIP 2001:db8:10::10 and clients 2001:db8:100::/64, whose low 32 bits
// are the IPv4 client address of the same flow.
inline constexpr uint8_t kVip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0,
                                      0,    0,    0,    0,    0, 0,    0, 0x10};
inline constexpr uint8_t kLan6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x02, 0, 0,
                                      0,    0,    0,    0,    0, 0,    0, 0x01};
inline constexpr uint8_t kClient6Prefix[12] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0};

// "nat6" -> IPv6, method "nat".
inline bool mode_is_v6(const std::string& mode) { return !mode.empty() && mode.back() == '6'; }
inline std::string mode_method(const std::string& mode) {
    return mode_is_v6(mode) ? mode.substr(0, mode.size() - 1) : mode;
}

// Real server `index`'s IPv6 address: 2001:db8:2::11 + index.
inline void rs_ip6(uint32_t index, uint8_t out[16]) {
    std::memcpy(out, kLan6, 16);
    out[15] = static_cast<uint8_t>(0x11 + index);
}

// The real servers' MACs: 02:00:00:00:00:11 .. 14, like their addresses.
inline void rs_mac(uint32_t index, uint8_t out[6]) {
    const uint8_t m[6] = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(0x11 + index)};
    std::memcpy(out, m, 6);
}

// `workers`: dataplane.workers (multi_loop_bench runs several). IPv6 modes
// add an IPv6 address to each port and put every connection in the IPv6
// table (by default it gets an eighth of conn_capacity).
inline std::string config_text(const std::string& mode, const std::string& proto, uint64_t capacity,
                               uint32_t workers = 1) {
    const bool v6 = mode_is_v6(mode);
    const std::string method = mode_method(mode);
    auto quoted = [](const std::string& a) { return "\"" + a + "\""; };
    const std::string rs_net = v6 ? "2001:db8:2::" : "10.0.0.";  // .11 .. .14 (IPv6: 0x11 ..)
    std::string rs, neigh;
    for (uint32_t i = 0; i < kRealServers; ++i) {
        const std::string rs_ip = quoted(rs_net + std::to_string(11 + i));
        rs += "      - { address: " + rs_ip +
              (method == "nat" ? ", port: " + std::to_string(kNatRsPort) : "") +
              ", forward: " + method + " }\n";
        neigh += "  - { address: " + rs_ip + ", mac: \"02:00:00:00:00:" + std::to_string(11 + i) +
                 "\", port: lan }\n";
    }
    const std::string router = quoted(v6 ? "2001:db8:1::2" : "10.0.1.2");
    return "dataplane: { workers: " + std::to_string(workers) +
           ", conn_capacity: " + (v6 ? "4096, conn6_capacity: " : "") + std::to_string(capacity) +
           " }\n"
           "ports:\n"
           "  - { name: wan, device: net_ring_loop_wan, addresses: [10.0.1.1/24" +
           (v6 ? ", \"2001:db8:1::1/64\"" : "") +
           "], mac: \"02:00:00:00:01:01\" }\n"
           "  - { name: lan, device: net_ring_loop_lan, addresses: [10.0.0.1/24" +
           (v6 ? ", \"2001:db8:2::1/64\"" : "") +
           "], mac: \"02:00:00:00:02:01\" }\n"
           "routes:\n"
           "  - { prefix: " +
           quoted(v6 ? "2001:db8:100::/48" : "100.64.0.0/10") + ", via: " + router +
           ", port: wan }\n"
           "neighbors:   # static: no ARP or ND in the loop\n"
           "  - { address: " +
           router + ", mac: \"02:00:00:00:00:02\", port: wan }\n" + neigh +
           "timeouts: { tcp: 100000, tcp_syn: 100000, udp: 100000 }\n"
           "services:\n"
           "  - name: bench\n"
           "    vip: " +
           quoted(v6 ? "2001:db8:10::10" : "192.0.2.10") +
           "\n"
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
// (RFC 1624), so every frame the worker sees is valid. IPv6 (`v6`): the
// flow's IPv4 client address is the low 32 bits of the source.
class Generator {
public:
    Generator(bool tcp, uint16_t wan_port_id, bool v6 = false)
        : tcp_(tcp), v6_(v6), port_id_(wan_port_id) {
        std::memset(tpl_, 0, sizeof tpl_);
        l4_len_ = static_cast<uint16_t>((tcp ? sizeof(TcpHdr) : sizeof(UdpHdr)) + sizeof(Stamp));
        len_ = static_cast<uint16_t>(sizeof(EthHdr) + ip_len() + l4_len_);
        auto* eth = reinterpret_cast<EthHdr*>(tpl_);
        std::memcpy(eth->dst, kWanMac, 6);
        std::memcpy(eth->src, kClientMac, 6);
        const uint8_t proto = tcp ? kIpProtoTcp : kIpProtoUdp;
        uint32_t pseudo = 0;
        if (v6) {
            eth->ether_type = be16(kEtherTypeIpv6);
            auto* ip = reinterpret_cast<Ipv6Hdr*>(tpl_ + sizeof(EthHdr));
            ip->vtc_flow = be32(6u << 28);
            ip->payload_len = be16(l4_len_);
            ip->next_header = proto;
            ip->hop_limit = 64;
            std::memcpy(ip->src, kClient6Prefix, sizeof kClient6Prefix);
            std::memcpy(ip->dst, kVip6, 16);
            pseudo = pseudo_sum6(*ip, l4_len_);
        } else {
            eth->ether_type = be16(kEtherTypeIpv4);
            auto* ip = reinterpret_cast<Ipv4Hdr*>(tpl_ + sizeof(EthHdr));
            ip->version_ihl = 0x45;
            ip->total_length = be16(static_cast<uint16_t>(sizeof(Ipv4Hdr) + l4_len_));
            ip->ttl = 64;
            ip->protocol = proto;
            ip->frag_off = be16(kIpFlagDontFragment);
            ip->dst = be32(kVip);
            ip->checksum = csum_compute(ip, sizeof(Ipv4Hdr));
            pseudo = pseudo_sum(*ip, l4_len_);
        }
        uint8_t* l4 = tpl_ + sizeof(EthHdr) + ip_len();
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
        uint16_t csum = csum_compute(l4, l4_len_, pseudo);
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
    // RFC 8200's pseudo-header: both addresses, the L4 length, next header.
    static uint32_t pseudo_sum6(const Ipv6Hdr& ip, uint16_t l4_len) {
        const uint32_t tail[2] = {be32(l4_len), be32(ip.next_header)};
        return csum_partial(tail, sizeof tail, csum_partial(ip.src, 32));
    }

    void fill(rte_mbuf* m, uint32_t flow, bool syn, uint64_t tsc) const {
        auto* p = rte_pktmbuf_mtod(m, uint8_t*);
        std::memcpy(p, tpl_, len_);
        m->data_len = m->pkt_len = len_;
        m->port = port_id_;  // net_ring does not set it; a NIC would
        uint8_t* l4 = p + sizeof(EthHdr) + ip_len();
        const uint32_t src = client_ip(flow);
        const uint16_t sport = client_port(flow);
        if (v6_) {
            std::memcpy(reinterpret_cast<Ipv6Hdr*>(p + sizeof(EthHdr))->src + 12, &src, 4);
        } else {
            auto* ip = reinterpret_cast<Ipv4Hdr*>(p + sizeof(EthHdr));
            ip->src = src;
            ip->checksum = csum_update32(ip->checksum, 0, src);
        }
        uint16_t c;
        std::memcpy(&c, l4 + csum_at(), 2);
        c = csum_update32(c, 0, src);  // both pseudo-headers hold the source
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
    bool v6() const { return v6_; }
    size_t ip_len() const { return v6_ ? sizeof(Ipv6Hdr) : sizeof(Ipv4Hdr); }

private:
    // Offset of the checksum in the L4 header.
    size_t csum_at() const {
        return tcp_ ? offsetof(TcpHdr, checksum) : offsetof(UdpHdr, checksum);
    }

    bool tcp_;
    bool v6_;
    uint16_t port_id_;
    uint16_t l4_len_ = 0;
    uint16_t len_ = 0;
    uint8_t tpl_[sizeof(EthHdr) + sizeof(Ipv6Hdr) + sizeof(TcpHdr) + sizeof(Stamp)];
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
        : mode_(mode_method(mode) == "nat"  ? kMethodNat
                : mode_method(mode) == "dr" ? kMethodDr
                                            : kMethodTun),
          tcp_(tcp),
          v6_(mode_is_v6(mode)),
          echo_(echo),
          l4_len_(l4_len) {}

    // Remembers which real server each opened flow went to (fill passes).
    void expect_flows(uint64_t n) { rs_of_flow_.assign(n, 0); }

    // A frame on the lan side (towards a real server). Returns false if wrong.
    bool check_lan(rte_mbuf* m, Target t, bool full, bool record, std::string& why);
    // A NAT reply on the wan side (towards the client).
    bool check_wan(rte_mbuf* m, Target t, bool full, std::string& why);
    // Turns a frame a real server received into its reply (--echo, NAT).
    static void reflect(rte_mbuf* m, uint16_t lan_port, bool tcp, bool v6 = false);
    // The generator's stamp in a frame: behind `outer_extra` bytes of outer
    // header (TUN), the IP header of the family and the L4 header.
    static const Stamp* stamp(rte_mbuf* m, size_t outer_extra, bool tcp, bool v6 = false) {
        return reinterpret_cast<const Stamp*>(
            rte_pktmbuf_mtod(m, const uint8_t*) + sizeof(EthHdr) + outer_extra +
            (v6 ? sizeof(Ipv6Hdr) : sizeof(Ipv4Hdr)) + (tcp ? sizeof(TcpHdr) : sizeof(UdpHdr)));
    }
    size_t outer_extra() const {
        return mode_ != kMethodTun ? 0 : v6_ ? sizeof(Ipv6Hdr) : sizeof(Ipv4Hdr);
    }

private:
    // The family's checks of a lan frame past the MACs; they set `rs` to
    // the real server it went to.
    bool check_lan4(const uint8_t* p, const EthHdr* eth, bool full, uint32_t flow, uint32_t& rs,
                    std::string& why) const;
    bool check_lan6(const uint8_t* p, const EthHdr* eth, bool full, uint32_t flow, uint32_t& rs,
                    std::string& why) const;
    bool check_wan4(const uint8_t* p, bool full, uint32_t flow, std::string& why) const;
    bool check_wan6(const uint8_t* p, bool full, uint32_t flow, std::string& why) const;

    uint8_t mode_;
    bool tcp_;
    bool v6_;
    bool echo_;
    uint16_t l4_len_;
    std::vector<uint8_t> rs_of_flow_;  // 0 unknown, else real server index + 1
};

inline bool fail(std::string& why, const char* what) {
    why = what;
    return false;
}

inline bool l4_checksum_ok6(const Ipv6Hdr& ip, const uint8_t* l4, uint16_t l4_len) {
    return csum_fold(csum_partial(l4, l4_len, Generator::pseudo_sum6(ip, l4_len))) == 0xffff;
}

// A TCP or UDP header's ports, as on the wire.
inline std::pair<uint16_t, uint16_t> l4_ports(const uint8_t* l4) {
    uint16_t ports[2];
    std::memcpy(ports, l4, 4);
    return {ports[0], ports[1]};
}

// `rs` names a real server and the frame goes to its MAC.
inline bool real_server_ok(const EthHdr* eth, uint32_t rs, std::string& why) {
    if (rs >= kRealServers) return fail(why, "destination is not a real server");
    uint8_t mac[6];
    rs_mac(rs, mac);
    if (std::memcmp(eth->dst, mac, 6) != 0)
        return fail(why, "destination MAC is not the real server's");
    return true;
}

// The client's IPv6 address of `flow`: the prefix, then its IPv4 address.
inline bool is_client6(const uint8_t* a, uint32_t flow) {
    const uint32_t low = client_ip(flow);
    return std::memcmp(a, kClient6Prefix, sizeof kClient6Prefix) == 0 &&
           std::memcmp(a + 12, &low, 4) == 0;
}

inline bool Sink::check_lan(rte_mbuf* m, Target t, bool full, bool record, std::string& why) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    const auto* eth = reinterpret_cast<const EthHdr*>(p);
    const size_t extra = t == Target::kDvs ? outer_extra() : 0;
    const uint16_t want_len = static_cast<uint16_t>(
        sizeof(EthHdr) + extra + (v6_ ? sizeof(Ipv6Hdr) : sizeof(Ipv4Hdr)) + l4_len_);
    if (rte_pktmbuf_data_len(m) != want_len) return fail(why, "frame length");
    const Stamp* st = stamp(m, extra, tcp_, v6_);
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
    if (eth->ether_type != be16(v6_ ? kEtherTypeIpv6 : kEtherTypeIpv4))
        return fail(why, "ether type");
    uint32_t rs = kRealServers;
    if (!(v6_ ? check_lan6(p, eth, full, flow, rs, why) : check_lan4(p, eth, full, flow, rs, why)))
        return false;
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

inline bool Sink::check_lan4(const uint8_t* p, const EthHdr* eth, bool full, uint32_t flow,
                             uint32_t& rs, std::string& why) const {
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
    rs = mode_ == kMethodDr ? eth->dst[5] - 0x11u : be32(rs_ip) - kRsBase;
    if (!real_server_ok(eth, rs, why)) return false;
    const auto* l4 = reinterpret_cast<const uint8_t*>(inner + 1);
    const auto [sport, dport] = l4_ports(l4);
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
    return true;
}

inline bool Sink::check_lan6(const uint8_t* p, const EthHdr* eth, bool full, uint32_t flow,
                             uint32_t& rs, std::string& why) const {
    const auto* ip = reinterpret_cast<const Ipv6Hdr*>(p + sizeof(EthHdr));
    const Ipv6Hdr* inner = ip;
    if (mode_ == kMethodTun) {
        inner = ip + 1;
        if (ip->next_header != kIpProtoIpv6) return fail(why, "tun6: outer next header is not 41");
        if (std::memcmp(ip->src, kLan6, 16) != 0)
            return fail(why, "tun6: outer source is not 2001:db8:2::1");
        if (be16(ip->payload_len) != sizeof(Ipv6Hdr) + l4_len_)
            return fail(why, "tun6: outer payload length");
    }
    // DR: the real server shows only in the MAC; NAT/TUN: in the IP destination too.
    uint8_t rs_ip[16];
    rs_ip6(0, rs_ip);
    if (mode_ == kMethodDr) {
        rs = eth->dst[5] - 0x11u;
    } else {
        rs = std::memcmp(ip->dst, rs_ip, 15) == 0 ? ip->dst[15] - 0x11u : kRealServers;
    }
    if (!real_server_ok(eth, rs, why)) return false;
    rs_ip6(rs, rs_ip);
    const auto* l4 = reinterpret_cast<const uint8_t*>(inner + 1);
    const auto [sport, dport] = l4_ports(l4);
    if (!is_client6(inner->src, flow) || sport != client_port(flow))
        return fail(why, "client endpoint changed");
    if (mode_ == kMethodNat) {
        if (std::memcmp(inner->dst, rs_ip, 16) != 0 || dport != be16(kNatRsPort))
            return fail(why, "nat6: not rewritten to [RIP]:8080");
        if (inner->hop_limit != 63) return fail(why, "nat6: hop limit not decremented");
    } else {
        if (std::memcmp(inner->dst, kVip6, 16) != 0 || dport != be16(kVport))
            return fail(why, "inner packet changed");
        if (inner->hop_limit != 64) return fail(why, "dr6/tun6: inner hop limit changed");
    }
    if (full && !l4_checksum_ok6(*inner, l4, l4_len_)) return fail(why, "checksum");
    return true;
}

inline bool Sink::check_wan(rte_mbuf* m, Target t, bool full, std::string& why) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    const auto* eth = reinterpret_cast<const EthHdr*>(p);
    if (rte_pktmbuf_data_len(m) !=
        sizeof(EthHdr) + (v6_ ? sizeof(Ipv6Hdr) : sizeof(Ipv4Hdr)) + l4_len_) {
        return fail(why, "reply: frame length");
    }
    const Stamp* st = stamp(m, 0, tcp_, v6_);
    uint32_t flow, magic;
    std::memcpy(&flow, &st->flow, 4);
    std::memcpy(&magic, &st->magic, 4);
    if (magic != kMagic) return fail(why, "reply: payload changed");
    if (t == Target::kFloor) return true;
    if (!echo_) return fail(why, "a frame came out on wan without --echo");
    if (std::memcmp(eth->dst, kClientMac, 6) != 0 || std::memcmp(eth->src, kWanMac, 6) != 0) {
        return fail(why, "reply: MACs");
    }
    return v6_ ? check_wan6(p, full, flow, why) : check_wan4(p, full, flow, why);
}

inline bool Sink::check_wan4(const uint8_t* p, bool full, uint32_t flow, std::string& why) const {
    const auto* ip = reinterpret_cast<const Ipv4Hdr*>(p + sizeof(EthHdr));
    const auto* l4 = reinterpret_cast<const uint8_t*>(ip + 1);
    const auto [sport, dport] = l4_ports(l4);
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

inline bool Sink::check_wan6(const uint8_t* p, bool full, uint32_t flow, std::string& why) const {
    const auto* ip = reinterpret_cast<const Ipv6Hdr*>(p + sizeof(EthHdr));
    const auto* l4 = reinterpret_cast<const uint8_t*>(ip + 1);
    const auto [sport, dport] = l4_ports(l4);
    if (std::memcmp(ip->src, kVip6, 16) != 0 || sport != be16(kVport))
        return fail(why, "reply: source not [VIP6]:80");
    if (!is_client6(ip->dst, flow) || dport != client_port(flow))
        return fail(why, "reply: destination not the client");
    if (ip->hop_limit != 62) return fail(why, "reply: hop limit");
    if (full && !l4_checksum_ok6(*ip, l4, l4_len_)) return fail(why, "reply: checksum");
    return true;
}

inline void Sink::reflect(rte_mbuf* m, uint16_t lan_port, bool tcp, bool v6) {
    auto* p = rte_pktmbuf_mtod(m, uint8_t*);
    auto* eth = reinterpret_cast<EthHdr*>(p);
    uint8_t tmp[16];
    std::memcpy(tmp, eth->dst, 6);
    std::memcpy(eth->dst, eth->src, 6);
    std::memcpy(eth->src, tmp, 6);
    // Sums are order-blind: swapping the addresses keeps the checksums valid.
    if (v6) {
        auto* ip = reinterpret_cast<Ipv6Hdr*>(p + sizeof(EthHdr));
        std::memcpy(tmp, ip->src, 16);
        std::memcpy(ip->src, ip->dst, 16);
        std::memcpy(ip->dst, tmp, 16);
    } else {
        auto* ip = reinterpret_cast<Ipv4Hdr*>(p + sizeof(EthHdr));
        const uint32_t src = ip->src;
        ip->src = ip->dst;
        ip->dst = src;
    }
    uint8_t* l4 = p + sizeof(EthHdr) + (v6 ? sizeof(Ipv6Hdr) : sizeof(Ipv4Hdr));
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
