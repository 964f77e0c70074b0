// Hostile input in the pure parse path (issue 9): impossible source
// addresses and the fragment rules of RFC 1858 / RFC 3128.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

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

namespace {

// An IPv6 UDP fragment from 2001:db8:1::2 to 2001:db8:10::80: the fixed
// header, a fragment header (next header `carried`, id 0x01020304), then
// `body` (the fragmentable part's bytes this fragment carries).
std::vector<uint8_t> frag6(uint8_t carried, uint16_t offset8, bool more,
                           const std::vector<uint8_t>& body) {
    // Sized once: growing it by insert() after the headers makes GCC 12
    // warn (-Warray-bounds) about a copy it cannot prove in range.
    std::vector<uint8_t> f(14 + 40 + 8 + body.size());
    f[12] = 0x86;
    f[13] = 0xdd;
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x60;
    const uint16_t plen = static_cast<uint16_t>(8 + body.size());
    ip[4] = static_cast<uint8_t>(plen >> 8);
    ip[5] = static_cast<uint8_t>(plen);
    ip[6] = kIpv6FragmentHdr;
    ip[7] = 64;
    const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};
    std::copy(src, src + 16, ip + 8);
    std::copy(dst, dst + 16, ip + 24);
    uint8_t* fh = ip + 40;
    fh[0] = carried;
    const uint16_t om = static_cast<uint16_t>(offset8 << 3 | (more ? 1 : 0));
    fh[2] = static_cast<uint8_t>(om >> 8);
    fh[3] = static_cast<uint8_t>(om);
    fh[4] = 1, fh[5] = 2, fh[6] = 3, fh[7] = 4;
    std::copy(body.begin(), body.end(), fh + 8);
    return f;
}

}  // namespace

TEST_CASE("IPv6 fragments: parse_ipv6 hands them on, frag_fields reads them", "[hostile][parse]") {
    SECTION("a first UDP fragment: ports, frag6, UDP length past what it carries") {
        std::vector<uint8_t> udp = {0xc3, 0x50, 0x00, 0x35, 0x0f, 0xa8, 0x12, 0x34};  // len 4008
        udp.resize(1448, 0x5a);
        auto f = frag6(kIpProtoUdp, 0, true, udp);
        const PacketView v = parse_frame(f.data(), static_cast<uint32_t>(f.size()));
        REQUIRE(v.kind == FrameKind::kIpv6);
        REQUIRE(v.has_ports);
        REQUIRE(v.src_port == be16(50000));
        REQUIRE(v.dst_port == be16(53));
        REQUIRE(v.frag6 == 40);
        const FragFields ff = frag_fields(v);
        REQUIRE(ff.offset8 == 0);
        REQUIRE(ff.more);
        REQUIRE(ff.bytes == 1448);
        REQUIRE(ff.id == be32(0x01020304));
        REQUIRE(frag_l4_header_len(v) == 8);
    }
    SECTION("a later fragment: no L4 header, no ports, proto from the fragment header") {
        auto f = frag6(kIpProtoUdp, 181, false, std::vector<uint8_t>(1112, 0x5a));
        const PacketView v = parse_frame(f.data(), static_cast<uint32_t>(f.size()));
        REQUIRE(v.kind == FrameKind::kIpv6);
        REQUIRE_FALSE(v.has_ports);
        REQUIRE(v.l4 == nullptr);
        REQUIRE(v.proto == kIpProtoUdp);
        const FragFields ff = frag_fields(v);
        REQUIRE(ff.offset8 == 181);
        REQUIRE_FALSE(ff.more);
        REQUIRE(ff.bytes == 1112);
    }
    SECTION("fragments of anything but TCP or UDP itself: ipv6_fragment") {
        auto later = frag6(kIpv6DestOptions, 10, true, std::vector<uint8_t>(16, 0));
        REQUIRE(parse_frame(later.data(), static_cast<uint32_t>(later.size())).drop ==
                DropReason::kIpv6Fragment);
        auto icmp = frag6(kIpProtoIcmpv6, 0, true, std::vector<uint8_t>(16, 0));
        REQUIRE(parse_frame(icmp.data(), static_cast<uint32_t>(icmp.size())).drop ==
                DropReason::kIpv6Fragment);
    }
}
