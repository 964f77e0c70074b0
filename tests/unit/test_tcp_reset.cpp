#include <catch2/catch.hpp>

#include "packet/packet_view.hpp"
#include "packet/tcp_reset.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using namespace dvs::test;

namespace {

const uint32_t kClient = ip4(10, 0, 1, 2);
const uint32_t kVip = ip4(192, 0, 2, 10);

}  // namespace

TEST_CASE("a reset answering an ACK segment takes its ack as sequence", "[nat][reset]") {
    Frame f = make_frame(kIpProtoTcp, kClient, kVip, be16(40000), be16(80),
                         std::vector<uint8_t>(100, 'x'), kTcpAck);
    // The input's checksum goes stale here; the reset's is computed afresh.
    reinterpret_cast<TcpHdr*>(f.l4())->ack = be32(777);
    PacketView v = parse_frame(f.data(), f.size());
    REQUIRE(v.has_ports);
    const uint16_t len = tcp_reset_to_sender(v);
    REQUIRE(len == 40);
    f.bytes.resize(sizeof(EthHdr) + len);
    const auto* t = reinterpret_cast<const TcpHdr*>(f.l4());
    REQUIRE(f.ip()->src == kVip);
    REQUIRE(f.ip()->dst == kClient);
    REQUIRE(t->src_port == be16(80));
    REQUIRE(t->dst_port == be16(40000));
    REQUIRE(t->flags == kTcpRst);
    REQUIRE(t->seq == be32(777));
    REQUIRE(be16(f.ip()->total_length) == 40);
    REQUIRE(ip_checksum_ok(f));
    REQUIRE(l4_checksum_ok(f));
    // The reset parses as a plain TCP segment.
    PacketView again = parse_frame(f.data(), f.size());
    REQUIRE(again.kind == FrameKind::kIpv4);
    REQUIRE(again.tcp_flags == kTcpRst);
}

TEST_CASE("a reset answering a segment without ACK acknowledges it", "[nat][reset]") {
    // SYN+FIN with 10 bytes: 10 + 1 + 1 sequence numbers from seq 1000.
    Frame f = make_frame(kIpProtoTcp, kClient, kVip, be16(40000), be16(80),
                         std::vector<uint8_t>(10, 'y'), kTcpSyn | kTcpFin);
    PacketView v = parse_frame(f.data(), f.size());
    const uint16_t len = tcp_reset_to_sender(v);
    f.bytes.resize(sizeof(EthHdr) + len);
    const auto* t = reinterpret_cast<const TcpHdr*>(f.l4());
    REQUIRE(t->flags == (kTcpRst | kTcpAck));
    REQUIRE(t->seq == 0);
    REQUIRE(t->ack == be32(1012));
    REQUIRE(ip_checksum_ok(f));
    REQUIRE(l4_checksum_ok(f));
}

TEST_CASE("an onward reset keeps the segment's direction and sequence", "[nat][reset]") {
    Frame f = make_frame(kIpProtoTcp, kClient, kVip, be16(40000), be16(80),
                         std::vector<uint8_t>(300, 'z'), kTcpAck);
    f.ip()->ttl = 17;
    f.ip()->checksum = 0;
    f.ip()->checksum =
        be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), sizeof(Ipv4Hdr)));
    PacketView v = parse_frame(f.data(), f.size());
    REQUIRE(v.kind == FrameKind::kIpv4);
    const uint16_t len = tcp_reset_onward(v);
    REQUIRE(len == 40);
    f.bytes.resize(sizeof(EthHdr) + len);
    const auto* t = reinterpret_cast<const TcpHdr*>(f.l4());
    REQUIRE(f.ip()->src == kClient);
    REQUIRE(f.ip()->dst == kVip);
    REQUIRE(f.ip()->ttl == 17);
    REQUIRE(t->src_port == be16(40000));
    REQUIRE(t->dst_port == be16(80));
    REQUIRE(t->seq == be32(1000));
    REQUIRE(t->flags == kTcpRst);
    REQUIRE(ip_checksum_ok(f));
    REQUIRE(l4_checksum_ok(f));
}
