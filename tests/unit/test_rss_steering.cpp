// RSS steering: the software Toeplitz hash, the owner choice it drives, the
// per-port plan, and which ports face the NAT real servers.

#include <rte_ethdev.h>

#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "common/text_codec.hpp"
#include "control/port_facing.hpp"
#include "dataplane/flow_hash.hpp"
#include "dataplane/rss_hash.hpp"
#include "dataplane/rss_steering.hpp"
#include "packet/wire.hpp"

using namespace dvs;
using namespace dvs::text;
using namespace dvs::dataplane;

namespace {

// Toeplitz bit by bit, straight from the definition: for each set input bit
// i (MSB first), XOR in the 32 key bits starting at key bit i.
uint32_t toeplitz_reference(const std::vector<uint8_t>& in) {
    uint32_t h = 0;
    for (size_t i = 0; i < in.size() * 8; ++i) {
        if (!((in[i / 8] >> (7 - i % 8)) & 1)) continue;
        uint32_t w = 0;
        for (size_t k = i; k < i + 32; ++k) w = (w << 1) | ((kRssKey[k / 8] >> (7 - k % 8)) & 1);
        h ^= w;
    }
    return h;
}

std::vector<uint8_t> bytes_of(uint32_t ip_host, uint16_t port_host) {
    return {static_cast<uint8_t>(ip_host >> 24),  static_cast<uint8_t>(ip_host >> 16),
            static_cast<uint8_t>(ip_host >> 8),   static_cast<uint8_t>(ip_host),
            static_cast<uint8_t>(port_host >> 8), static_cast<uint8_t>(port_host)};
}

uint32_t v4(const char* text) { return *parse_ipv4(text); }

}  // namespace

TEST_CASE("rss_hash matches the RSS specification's IPv4 test vectors", "[owner]") {
    // Microsoft, "Verifying the RSS Hash Calculation": source, destination,
    // then the IPv4-only hash and the hash with the TCP ports.
    struct Vector {
        const char* src;
        uint16_t sport;
        const char* dst;
        uint16_t dport;
        uint32_t ipv4;
        uint32_t ipv4_tcp;
    };
    const Vector vectors[] = {
        {"66.9.149.187", 2794, "161.142.100.80", 1766, 0x323e8fc2, 0x51ccc178},
        {"199.92.111.2", 14230, "65.69.140.83", 4739, 0xd718262a, 0xc626b0ea},
        {"24.19.198.95", 12898, "12.22.207.184", 38024, 0xd2d0a5de, 0x5c2b394a},
        {"38.27.205.30", 48228, "209.142.163.6", 2217, 0x82989176, 0xafc7327f},
        {"153.39.163.191", 44251, "202.188.127.2", 1303, 0x5d1809c5, 0x10e828a2},
    };
    for (const Vector& v : vectors) {
        const std::vector<uint8_t> s = bytes_of(v4(v.src), v.sport);
        const std::vector<uint8_t> d = bytes_of(v4(v.dst), v.dport);
        const uint8_t l3[8] = {s[0], s[1], s[2], s[3], d[0], d[1], d[2], d[3]};
        const uint8_t l4[12] = {s[0], s[1], s[2], s[3], d[0], d[1],
                                d[2], d[3], s[4], s[5], d[4], d[5]};
        CHECK(rss_hash(l3) == v.ipv4);
        CHECK(rss_hash(l4) == v.ipv4_tcp);
        CHECK(toeplitz_reference({l4, l4 + 12}) == v.ipv4_tcp);
    }
}

TEST_CASE("the endpoint hash is Toeplitz over address then port", "[owner]") {
    std::mt19937 rng(11);
    for (int i = 0; i < 2000; ++i) {
        const uint32_t a = static_cast<uint32_t>(rng());
        const uint16_t p = static_cast<uint16_t>(rng());
        REQUIRE(rss_hash_endpoint4(be32(a), be16(p)) == toeplitz_reference(bytes_of(a, p)));
    }
}

TEST_CASE("the owner of a flow is the queue a steering NIC's RETA names", "[owner]") {
    // A NIC with a RETA of any power-of-two size >= 128, filled by
    // steering_reta, delivers the packet to owner_core's queue.
    std::mt19937 rng(3);
    for (uint16_t reta_size : {uint16_t{128}, uint16_t{512}, uint16_t{2048}}) {
        for (uint32_t workers : {2u, 3u, 4u, 7u, 16u}) {
            const std::vector<uint16_t> reta = steering_reta(reta_size, workers);
            std::vector<uint32_t> entries_of(workers);
            for (uint16_t q : reta) {
                REQUIRE(q < workers);
                ++entries_of[q];
            }
            // Every worker gets its share of the 128 entries, up to rounding.
            for (uint32_t n : entries_of) {
                REQUIRE(n >= reta_size / kRetaEntries * (kRetaEntries / workers));
            }
            for (int i = 0; i < 5000; ++i) {
                const uint32_t a = static_cast<uint32_t>(rng());
                const uint16_t p = static_cast<uint16_t>(rng());
                const uint32_t nic_hash = toeplitz_reference(bytes_of(a, p));
                REQUIRE(reta[nic_hash & (reta_size - 1)] == owner_core(be32(a), be16(p), workers));
            }
        }
    }
}

TEST_CASE("plan_rss steers only where the device can hash one endpoint", "[owner]") {
    const uint64_t ipv4_l4 = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP;
    const uint64_t src_only = RTE_ETH_RSS_L3_SRC_ONLY | RTE_ETH_RSS_L4_SRC_ONLY;
    const uint64_t dst_only = RTE_ETH_RSS_L3_DST_ONLY | RTE_ETH_RSS_L4_DST_ONLY;
    RssCaps nic{ipv4_l4 | RTE_ETH_RSS_IPV6 | src_only | dst_only, 512, 40, 4, 4};

    SECTION("a capable device hashes the client's side") {
        RssPlan c = plan_rss(nic, PortFacing::kClients);
        REQUIRE(c.steer);
        CHECK((c.rss_hf & src_only) == src_only);
        CHECK((c.rss_hf & dst_only) == 0);
        CHECK((c.rss_hf & RTE_ETH_RSS_IPV6) != 0);  // what else it can hash is spread too
        RssPlan s = plan_rss(nic, PortFacing::kServers);
        REQUIRE(s.steer);
        CHECK((s.rss_hf & dst_only) == dst_only);
        CHECK((s.rss_hf & src_only) == 0);
    }
    SECTION("no destination-only hashing: a server-facing port falls back") {
        nic.hash_types &= ~dst_only;
        CHECK(plan_rss(nic, PortFacing::kClients).steer);
        RssPlan s = plan_rss(nic, PortFacing::kServers);
        CHECK_FALSE(s.steer);
        CHECK(s.why.find("destination") != std::string::npos);
    }
    SECTION("a device with the default 5-tuple hash only (e.g. ixgbe) falls back") {
        nic.hash_types = ipv4_l4 | RTE_ETH_RSS_IPV4;
        CHECK_FALSE(plan_rss(nic, PortFacing::kClients).steer);
    }
    SECTION("a small or odd indirection table falls back") {
        nic.reta_size = 64;
        CHECK(plan_rss(nic, PortFacing::kClients).why.find("64 entries") != std::string::npos);
        nic.reta_size = 384;
        CHECK_FALSE(plan_rss(nic, PortFacing::kClients).steer);
    }
    SECTION("a key that cannot be set falls back") {
        nic.key_size = 0;
        CHECK_FALSE(plan_rss(nic, PortFacing::kClients).steer);
        nic.key_size = 52;  // i40e-style longer key: not the one owner_core uses
        CHECK_FALSE(plan_rss(nic, PortFacing::kClients).steer);
    }
    SECTION("fewer queues than workers, or one worker, is not steered") {
        nic.rx_queues = 2;
        CHECK(plan_rss(nic, PortFacing::kClients).why.find("2 RX queues for 4") !=
              std::string::npos);
        nic.rx_queues = 1;
        nic.workers = 1;
        CHECK_FALSE(plan_rss(nic, PortFacing::kClients).steer);
    }
}

namespace {

control::Config two_ports(const char* lan_prefix) {
    control::Config c;
    control::PortConfig wan;
    wan.name = "wan";
    wan.addresses = {*parse_ip_prefix("192.0.2.1/24")};
    control::PortConfig lan;
    lan.name = "lan";
    lan.addresses = {*parse_ip_prefix(lan_prefix)};
    c.ports = {wan, lan};
    c.routes = {{*parse_ip_prefix("0.0.0.0/0"), *parse_ip("192.0.2.254"), "wan"},
                {*parse_ip_prefix("10.2.0.0/16"), *parse_ip("10.1.0.254"), "lan"}};
    return c;
}

void add_service(control::Config& c, const char* rs, ForwardMethod method) {
    control::ServiceConfig svc;
    svc.vip = *parse_ip("198.51.100.10");
    control::RealServerConfig r;
    r.address = *parse_ip(rs);
    r.forward = method;
    svc.real_servers = {r};
    c.services.push_back(svc);
}

}  // namespace

TEST_CASE("ports that reach NAT real servers hash the destination", "[owner]") {
    using control::plan_port_facing;
    SECTION("two-armed NAT: the server side, by its own prefix or a route") {
        control::Config c = two_ports("10.1.0.1/24");
        add_service(c, "10.1.0.11", ForwardMethod::kNat);
        auto plan = plan_port_facing(c);
        CHECK(plan.facing[0] == PortFacing::kClients);
        CHECK(plan.facing[1] == PortFacing::kServers);
        c.services.clear();
        add_service(c, "10.2.3.4", ForwardMethod::kNat);  // behind the lan route
        CHECK(plan_port_facing(c).facing[1] == PortFacing::kServers);
    }
    SECTION("DR and TUN real servers send no replies through us") {
        control::Config c = two_ports("10.1.0.1/24");
        add_service(c, "10.1.0.11", ForwardMethod::kDr);
        add_service(c, "10.2.0.11", ForwardMethod::kTun);
        auto plan = plan_port_facing(c);
        CHECK(plan.facing[1] == PortFacing::kClients);
    }
    SECTION("every port reaches NAT servers (one-armed): each keeps the inbound side") {
        control::Config c = two_ports("10.1.0.1/24");
        add_service(c, "10.1.0.11", ForwardMethod::kNat);
        add_service(c, "192.0.2.50", ForwardMethod::kNat);
        auto plan = plan_port_facing(c);
        CHECK(plan.facing[0] == PortFacing::kClients);
        CHECK(plan.facing[1] == PortFacing::kClients);
        CHECK(plan.why[1].find("one-armed") != std::string::npos);
    }
    SECTION("a NAT server behind the default route's port: clients arrive there too") {
        control::Config c = two_ports("10.1.0.1/24");
        add_service(c, "203.0.113.7", ForwardMethod::kNat);  // only the default route
        auto plan = plan_port_facing(c);
        CHECK(plan.facing[0] == PortFacing::kClients);
        CHECK(plan.why[0].find("default route") != std::string::npos);
    }
}
