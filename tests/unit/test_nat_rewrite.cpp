#include <catch2/catch.hpp>
#include <random>

#include "packet/nat_rewrite.hpp"
#include "packet/packet_view.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using namespace dvs::test;

namespace {

std::vector<uint8_t> random_payload(std::mt19937& rng) {
    std::vector<uint8_t> p(rng() % 1400);
    for (auto& b : p) b = static_cast<uint8_t>(rng());
    return p;
}

// A random unicast address (parse_frame drops 0/8, 127/8 and 224/3 sources).
uint32_t random_unicast(std::mt19937& rng) {
    return ip4(static_cast<uint8_t>(1 + rng() % 126), static_cast<uint8_t>(rng()),
               static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()));
}

}  // namespace

TEST_CASE("NAT inbound rewrite: TCP and UDP, checksums verify from scratch", "[nat]") {
    std::mt19937 rng(3);
    for (uint8_t proto : {kIpProtoTcp, kIpProtoUdp}) {
        for (int round = 0; round < 500; ++round) {
            const uint32_t client = random_unicast(rng);
            const uint16_t cport = static_cast<uint16_t>(rng());
            const uint32_t vip = ip4(192, 0, 2, 10), rip = random_unicast(rng);
            const uint16_t rport = static_cast<uint16_t>(rng());
            Frame f = make_frame(proto, client, vip, cport, be16(80), random_payload(rng));
            PacketView v = parse_frame(f.data(), f.size());
            REQUIRE(v.kind == FrameKind::kIpv4);
            REQUIRE(v.has_ports);
            nat_rewrite_destination(v, rip, rport);
            REQUIRE(f.ip()->dst == rip);
            REQUIRE(f.ip()->src == client);
            REQUIRE(reinterpret_cast<UdpHdr*>(f.l4())->dst_port == rport);
            REQUIRE(reinterpret_cast<UdpHdr*>(f.l4())->src_port == cport);
            REQUIRE(ip_checksum_ok(f));
            REQUIRE(l4_checksum_ok(f));
        }
    }
}

TEST_CASE("NAT reply rewrite restores VIP:vport as the source", "[nat]") {
    std::mt19937 rng(4);
    for (uint8_t proto : {kIpProtoTcp, kIpProtoUdp}) {
        for (int round = 0; round < 500; ++round) {
            const uint32_t client = static_cast<uint32_t>(rng());
            const uint16_t cport = static_cast<uint16_t>(rng());
            const uint32_t rip = random_unicast(rng), vip = ip4(192, 0, 2, 10);
            Frame f = make_frame(proto, rip, client, be16(8080), cport, random_payload(rng));
            PacketView v = parse_frame(f.data(), f.size());
            REQUIRE(v.kind == FrameKind::kIpv4);
            nat_rewrite_source(v, vip, be16(80));
            REQUIRE(f.ip()->src == vip);
            REQUIRE(f.ip()->dst == client);
            REQUIRE(reinterpret_cast<UdpHdr*>(f.l4())->src_port == be16(80));
            REQUIRE(ip_checksum_ok(f));
            REQUIRE(l4_checksum_ok(f));
        }
    }
}

TEST_CASE("UDP without checksum keeps a zero checksum", "[nat]") {
    Frame f = make_frame(kIpProtoUdp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), be16(5000), be16(53),
                         {1, 2, 3}, 0, /*udp_checksum=*/false);
    PacketView v = parse_frame(f.data(), f.size());
    nat_rewrite_destination(v, ip4(10, 0, 0, 11), be16(5353));
    REQUIRE(reinterpret_cast<UdpHdr*>(f.l4())->checksum == 0);
    REQUIRE(ip_checksum_ok(f));
}

TEST_CASE("TTL decrement keeps the header checksum valid and stops at 1", "[nat]") {
    Frame f = make_frame(kIpProtoTcp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), be16(1), be16(80), {});
    f.ip()->ttl = 2;
    f.ip()->checksum = 0;
    f.ip()->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), 20));
    REQUIRE(decrement_ttl(*f.ip()));
    REQUIRE(f.ip()->ttl == 1);
    REQUIRE(ip_checksum_ok(f));
    REQUIRE_FALSE(decrement_ttl(*f.ip()));
    REQUIRE(f.ip()->ttl == 1);
}

TEST_CASE("NAT hop: TTL and rewrite in one checksum update, both directions", "[nat]") {
    std::mt19937 rng(5);
    for (uint8_t proto : {kIpProtoTcp, kIpProtoUdp}) {
        for (bool inbound : {true, false}) {
            for (int round = 0; round < 500; ++round) {
                const uint32_t a = random_unicast(rng), b = random_unicast(rng);
                const uint16_t pa = static_cast<uint16_t>(rng()), pb = static_cast<uint16_t>(rng());
                const uint32_t new_ip = random_unicast(rng);
                const uint16_t new_port = static_cast<uint16_t>(rng());
                Frame f = make_frame(proto, a, b, pa, pb, random_payload(rng));
                const uint8_t ttl = static_cast<uint8_t>(2 + rng() % 254);
                f.ip()->ttl = ttl;
                f.ip()->checksum = 0;
                f.ip()->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), 20));
                PacketView v = parse_frame(f.data(), f.size());
                REQUIRE(v.kind == FrameKind::kIpv4);
                REQUIRE((inbound ? nat_forward_destination(v, new_ip, new_port)
                                 : nat_forward_source(v, new_ip, new_port)));
                auto* l4 = reinterpret_cast<UdpHdr*>(f.l4());
                REQUIRE(f.ip()->ttl == ttl - 1);
                REQUIRE(f.ip()->src == (inbound ? a : new_ip));
                REQUIRE(f.ip()->dst == (inbound ? new_ip : b));
                REQUIRE(l4->src_port == (inbound ? pa : new_port));
                REQUIRE(l4->dst_port == (inbound ? new_port : pb));
                REQUIRE((inbound ? v.dst_port : v.src_port) == new_port);
                REQUIRE(ip_checksum_ok(f));
                REQUIRE(l4_checksum_ok(f));
            }
        }
    }
}

TEST_CASE("NAT hop: TTL 1 leaves the packet untouched; UDP without checksum keeps 0", "[nat]") {
    Frame f = make_frame(kIpProtoUdp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), be16(5000), be16(53),
                         {1, 2, 3}, 0, /*udp_checksum=*/false);
    PacketView v = parse_frame(f.data(), f.size());
    REQUIRE(nat_forward_destination(v, ip4(10, 0, 0, 11), be16(5353)));
    REQUIRE(reinterpret_cast<UdpHdr*>(f.l4())->checksum == 0);
    REQUIRE(ip_checksum_ok(f));

    f.ip()->ttl = 1;
    f.ip()->checksum = 0;
    f.ip()->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), 20));
    const std::vector<uint8_t> before = f.bytes;
    v = parse_frame(f.data(), f.size());
    REQUIRE_FALSE(nat_forward_destination(v, ip4(10, 0, 0, 12), be16(1)));
    REQUIRE_FALSE(nat_forward_source(v, ip4(10, 0, 0, 12), be16(1)));
    REQUIRE(f.bytes == before);
}

TEST_CASE("NAT hop: a later fragment gets the address only", "[nat]") {
    Frame f = make_frame(kIpProtoTcp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), be16(5000), be16(80),
                         std::vector<uint8_t>(40, 7));
    f.ip()->frag_off = be16(3);  // offset 24 bytes: no L4 header here
    f.ip()->checksum = 0;
    f.ip()->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), 20));
    PacketView v = parse_frame(f.data(), f.size());
    REQUIRE(v.kind == FrameKind::kIpv4);
    REQUIRE(v.l4 == nullptr);
    const std::vector<uint8_t> l4_before(f.l4(), f.data() + f.size());
    REQUIRE(nat_forward_destination(v, ip4(10, 0, 0, 11), be16(8080)));
    REQUIRE(f.ip()->dst == ip4(10, 0, 0, 11));
    REQUIRE(f.ip()->ttl == 63);
    REQUIRE(ip_checksum_ok(f));
    REQUIRE(std::vector<uint8_t>(f.l4(), f.data() + f.size()) == l4_before);
}

TEST_CASE("parse_frame rejects what the rewrite must not see", "[nat][parse]") {
    Frame good = make_frame(kIpProtoTcp, ip4(1, 1, 1, 1), ip4(2, 2, 2, 2), be16(1), be16(2), {9});
    SECTION("truncated Ethernet") {
        REQUIRE(parse_frame(good.data(), 10).drop == DropReason::kL2Malformed);
    }
    SECTION("IP total length beyond the frame") {
        REQUIRE(parse_frame(good.data(), good.size() - 1).drop == DropReason::kIpMalformed);
    }
    SECTION("bad IP header checksum") {
        good.ip()->checksum ^= 0x0100;
        REQUIRE(parse_frame(good.data(), good.size()).drop == DropReason::kIpBadChecksum);
    }
    SECTION("IHL below 5") {
        good.ip()->version_ihl = 0x44;
        REQUIRE(parse_frame(good.data(), good.size()).drop == DropReason::kIpMalformed);
    }
    SECTION("TCP data offset beyond the packet") {
        reinterpret_cast<TcpHdr*>(good.l4())->data_off = 15 << 4;
        REQUIRE(parse_frame(good.data(), good.size()).drop == DropReason::kL4Malformed);
    }
    SECTION("Ethernet padding after the IP packet is accepted") {
        good.bytes.resize(good.bytes.size() + 6, 0);
        PacketView v = parse_frame(good.data(), good.size());
        REQUIRE(v.kind == FrameKind::kIpv4);
        REQUIRE(v.l4_len == sizeof(TcpHdr) + 1);
    }
}
