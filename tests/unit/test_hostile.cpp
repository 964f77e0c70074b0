// Hostile input in the pure parse path (issue 9): impossible source
// addresses and the fragment rules of RFC 1858 / RFC 3128.
#include <catch2/catch.hpp>

#include "packet/frag_guard.hpp"
#include "packet/packet_view.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using namespace dvs::test;

namespace {

// Sets the fragment field, cuts the IP packet to `ip_len` bytes (0: keep)
// and recomputes the IP header checksum.
void make_fragment(Frame& f, uint16_t frag_off, uint16_t ip_len = 0) {
    Ipv4Hdr* ip = f.ip();
    if (ip_len != 0) {
        ip->total_length = be16(ip_len);
        f.bytes.resize(sizeof(EthHdr) + ip_len);
    }
    ip->frag_off = be16(frag_off);
    ip->checksum = 0;
    ip->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(ip), sizeof(Ipv4Hdr)));
}

PacketView parse(Frame& f) { return parse_frame(f.data(), f.size()); }

const std::vector<uint8_t> kData(64, 0x5a);

}  // namespace

TEST_CASE("parse_frame drops impossible IPv4 sources", "[hostile][parse]") {
    const uint32_t bad[] = {ip4(0, 0, 0, 0),     ip4(0, 1, 2, 3),        ip4(127, 0, 0, 1),
                            ip4(127, 255, 1, 2), ip4(224, 0, 0, 1),      ip4(239, 255, 255, 250),
                            ip4(240, 0, 0, 1),   ip4(255, 255, 255, 255)};
    for (uint32_t src : bad) {
        for (uint8_t proto : {kIpProtoTcp, kIpProtoUdp}) {
            Frame f =
                make_frame(proto, src, ip4(192, 0, 2, 10), be16(1000), be16(80), kData, kTcpSyn);
            INFO("source " << std::hex << be32(src));
            REQUIRE(parse(f).drop == DropReason::kBadSourceAddress);
            REQUIRE(parse(f).kind == FrameKind::kDropped);
        }
    }
    const uint32_t good[] = {ip4(1, 0, 0, 1), ip4(10, 0, 0, 1), ip4(126, 255, 255, 255),
                             ip4(128, 0, 0, 1), ip4(223, 255, 255, 255)};
    for (uint32_t src : good) {
        Frame f =
            make_frame(kIpProtoTcp, src, ip4(192, 0, 2, 10), be16(1000), be16(80), kData, kTcpSyn);
        INFO("source " << std::hex << be32(src));
        REQUIRE(parse(f).kind == FrameKind::kIpv4);
    }
    SECTION("the destination may be anything the rest of the worker judges") {
        Frame f = make_frame(kIpProtoUdp, ip4(10, 0, 0, 1), ip4(255, 255, 255, 255), be16(68),
                             be16(67), kData);
        REQUIRE(parse(f).kind == FrameKind::kIpv4);
    }
}

TEST_CASE("fragments: tiny first, offset 1 for TCP (RFC 1858)", "[hostile][parse]") {
    const uint32_t client = ip4(198, 51, 100, 7), vip = ip4(192, 0, 2, 10);
    SECTION("a TCP fragment at offset 1 (8 bytes) is frag_tiny_overlap") {
        Frame f = make_frame(kIpProtoTcp, client, vip, be16(1000), be16(80), kData);
        make_fragment(f, 1);
        REQUIRE(parse(f).drop == DropReason::kFragTinyOverlap);
        make_fragment(f, 1 | kIpFlagMoreFragments);
        REQUIRE(parse(f).drop == DropReason::kFragTinyOverlap);
    }
    SECTION("TCP at offset 2 and UDP at offset 1 parse (no L4 header)") {
        Frame f = make_frame(kIpProtoTcp, client, vip, be16(1000), be16(80), kData);
        make_fragment(f, 2);
        PacketView v = parse(f);
        REQUIRE(v.kind == FrameKind::kIpv4);
        REQUIRE(v.l4 == nullptr);
        Frame u = make_frame(kIpProtoUdp, client, vip, be16(1000), be16(53), kData);
        make_fragment(u, 1);
        REQUIRE(parse(u).kind == FrameKind::kIpv4);
    }
    SECTION("a first TCP fragment with 8 or 16 bytes of header is frag_tiny") {
        for (uint16_t l4 : {8, 16}) {
            Frame f = make_frame(kIpProtoTcp, client, vip, be16(1000), be16(80), kData);
            make_fragment(f, kIpFlagMoreFragments, static_cast<uint16_t>(sizeof(Ipv4Hdr) + l4));
            REQUIRE(parse(f).drop == DropReason::kFragTiny);
        }
    }
    SECTION("a first TCP fragment cutting the options off is frag_tiny") {
        Frame f = make_frame(kIpProtoTcp, client, vip, be16(1000), be16(80), kData);
        reinterpret_cast<TcpHdr*>(f.l4())->data_off = 8 << 4;  // 32-byte header
        make_fragment(f, kIpFlagMoreFragments, static_cast<uint16_t>(sizeof(Ipv4Hdr) + 24));
        REQUIRE(parse(f).drop == DropReason::kFragTiny);
        make_fragment(f, 0);  // not a fragment: simply truncated
        REQUIRE(parse(f).drop == DropReason::kL4Malformed);
    }
    SECTION("a first UDP fragment shorter than 8 bytes is frag_tiny; unfragmented: l4_malformed") {
        Frame f = make_frame(kIpProtoUdp, client, vip, be16(1000), be16(53), kData);
        make_fragment(f, kIpFlagMoreFragments, static_cast<uint16_t>(sizeof(Ipv4Hdr) + 4));
        REQUIRE(parse(f).drop == DropReason::kFragTiny);
        make_fragment(f, 0);
        REQUIRE(parse(f).drop == DropReason::kL4Malformed);
    }
    SECTION("a first fragment with the whole header parses with its ports") {
        Frame f = make_frame(kIpProtoTcp, client, vip, be16(1000), be16(80), kData);
        make_fragment(f, kIpFlagMoreFragments, static_cast<uint16_t>(sizeof(Ipv4Hdr) + 24));
        PacketView v = parse(f);
        REQUIRE(v.kind == FrameKind::kIpv4);
        REQUIRE(v.has_ports);
        REQUIRE(frag_l4_header_len(v) == 20);
    }
}

TEST_CASE("frag_guard: later fragments cannot replace the decided header", "[hostile]") {
    // Offsets in 8-byte units, as in the IP header (flags bits ignored).
    REQUIRE(frag_overlaps_header(2, 20));  // bytes 16.. of a 20-byte header
    REQUIRE_FALSE(frag_overlaps_header(3, 20));
    REQUIRE(frag_overlaps_header(7 | kIpFlagMoreFragments, 60));  // inside 60 bytes of options
    REQUIRE_FALSE(frag_overlaps_header(8, 60));
    REQUIRE_FALSE(frag_overlaps_header(1, 8));  // UDP: 8 bytes, offset 8 is after
    REQUIRE_FALSE(frag_overlaps_header(5, 0));  // nothing known: no verdict

    Frame f = make_frame(kIpProtoUdp, ip4(198, 51, 100, 7), ip4(192, 0, 2, 10), be16(1000),
                         be16(53), kData);
    PacketView v = parse(f);
    REQUIRE(frag_l4_header_len(v) == 8);
    REQUIRE_FALSE(frag_first_conflicts(be16(1000), be16(53), v));
    REQUIRE(frag_first_conflicts(be16(1001), be16(53), v));
    REQUIRE(frag_first_conflicts(be16(1000), be16(54), v));
}
