#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "packet/icmp.hpp"
#include "packet/icmp_error.hpp"
#include "packet/packet_view.hpp"
#include "packet/tun_encap.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using namespace dvs::test;

TEST_CASE("TUN outer header: TOS and DF copied, TTL 64, protocol 4, valid checksum", "[tun]") {
    Frame f = make_frame(kIpProtoTcp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 30), be16(4000), be16(80),
                         std::vector<uint8_t>(100, 7));
    f.ip()->tos = 0x28;
    f.ip()->frag_off = be16(kIpFlagDontFragment);
    Ipv4Hdr outer{};
    const uint16_t inner_len = be16(f.ip()->total_length);
    tun_write_outer(outer, *f.ip(), inner_len, ip4(10, 0, 0, 1), ip4(10, 0, 0, 13), 77);
    REQUIRE(outer.version_ihl == 0x45);
    REQUIRE(outer.tos == 0x28);
    REQUIRE(be16(outer.total_length) == inner_len + 20);
    REQUIRE(be16(outer.frag_off) == kIpFlagDontFragment);
    REQUIRE(outer.ttl == 64);
    REQUIRE(outer.protocol == 4);
    REQUIRE(outer.src == ip4(10, 0, 0, 1));
    REQUIRE(outer.dst == ip4(10, 0, 0, 13));
    REQUIRE(reference_checksum(reinterpret_cast<uint8_t*>(&outer), 20) == 0);

    f.ip()->frag_off = 0;
    tun_write_outer(outer, *f.ip(), inner_len, 1, 2, 78);
    REQUIRE(outer.frag_off == 0);
}

TEST_CASE("outer fragments: sizes, flags, offsets, and they reassemble", "[tun]") {
    std::mt19937 rng(8);
    for (uint16_t mtu : {576, 1000, 1500}) {
        std::vector<uint8_t> payload(1400 + rng() % 1600);
        for (auto& b : payload) b = static_cast<uint8_t>(rng());
        Ipv4Hdr outer{};
        Ipv4Hdr inner{};
        inner.version_ihl = 0x45;
        tun_write_outer(outer, inner, static_cast<uint16_t>(payload.size()), 1, 2, 99);
        std::vector<uint8_t> rebuilt;
        uint16_t expected_off = 0;
        int fragments = 0;
        for (uint16_t off = 0; off < payload.size(); off += fragment_payload(mtu)) {
            std::vector<uint8_t> out(mtu);
            const uint16_t len = write_fragment(out.data(), outer, payload.data(),
                                                static_cast<uint16_t>(payload.size()), off, mtu);
            REQUIRE(len <= mtu);
            const auto* h = reinterpret_cast<const Ipv4Hdr*>(out.data());
            REQUIRE(be16(h->total_length) == len);
            REQUIRE(be16(h->id) == 99);
            REQUIRE(reference_checksum(out.data(), 20) == 0);
            const uint16_t fo = be16(h->frag_off);
            REQUIRE((fo & kIpFragOffsetMask) * 8 == expected_off);
            const bool last = off + fragment_payload(mtu) >= payload.size();
            REQUIRE(bool(fo & kIpFlagMoreFragments) == !last);
            if (!last) REQUIRE((len - 20) % 8 == 0);
            rebuilt.insert(rebuilt.end(), out.begin() + 20, out.begin() + len);
            expected_off = static_cast<uint16_t>(expected_off + len - 20);
            ++fragments;
        }
        REQUIRE(fragments >= 2);
        REQUIRE(rebuilt == payload);
    }
}

TEST_CASE("fragmentation needed: quotes the packet, carries the MTU", "[icmp]") {
    Frame f = make_frame(kIpProtoTcp, ip4(10, 0, 1, 2), ip4(192, 0, 2, 30), be16(4000), be16(80),
                         std::vector<uint8_t>(1460, 1));
    std::vector<uint8_t> out(20 + 8 + kIcmpQuoteMax);
    const uint16_t len = icmp_write_frag_needed(out.data(), reinterpret_cast<uint8_t*>(f.ip()),
                                                be16(f.ip()->total_length), ip4(10, 0, 1, 1),
                                                ip4(10, 0, 1, 2), 1480, 5);
    REQUIRE(len == 20 + 8 + kIcmpQuoteMax);
    REQUIRE(reference_checksum(out.data(), 20) == 0);
    REQUIRE(reference_checksum(out.data() + 20, len - 20) == 0);
    const auto* icmp = reinterpret_cast<const IcmpHdr*>(out.data() + 20);
    REQUIRE(icmp->type == 3);
    REQUIRE(icmp->code == 4);
    REQUIRE(be16(icmp->seq) == 1480);
    REQUIRE(std::memcmp(out.data() + 28, f.ip(), kIcmpQuoteMax) == 0);
}

namespace {

// An ICMP frame carrying `body` (ICMP header and data), checksums set.
Frame icmp_frame(uint32_t src, uint32_t dst, const std::vector<uint8_t>& body) {
    Frame f = make_frame(kIpProtoUdp, src, dst, 0, 0, {});  // then turn into ICMP
    f.bytes.resize(14 + 20);
    f.bytes.insert(f.bytes.end(), body.begin(), body.end());
    f.ip()->protocol = kIpProtoIcmp;
    f.ip()->total_length = be16(static_cast<uint16_t>(20 + body.size()));
    f.ip()->checksum = 0;
    f.ip()->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), 20));
    auto* icmp = reinterpret_cast<IcmpHdr*>(f.l4());
    icmp->checksum = be16(reference_checksum(f.l4(), body.size()));
    return f;
}

// An ICMP error frame quoting `quoted` (IP header + 8 bytes of L4).
Frame icmp_error_frame(uint32_t src, uint32_t dst, Frame& quoted) {
    std::vector<uint8_t> body(8 + 28);
    body[0] = 3;
    body[1] = 3;
    std::memcpy(body.data() + 8, quoted.ip(), 28);
    return icmp_frame(src, dst, body);
}

bool icmp_checksum_ok(Frame& f) {
    return reference_checksum(f.l4(), be16(f.ip()->total_length) - 20) == 0;
}

}  // namespace

TEST_CASE("ICMP error from outside, NAT: outer and quoted rewritten to the real server", "[icmp]") {
    const uint32_t client = ip4(10, 0, 1, 2), vip = ip4(192, 0, 2, 10), rs = ip4(10, 0, 0, 11);
    Frame quoted = make_frame(kIpProtoTcp, vip, client, be16(80), be16(40000), {});
    Frame f = icmp_error_frame(ip4(198, 51, 100, 1), vip, quoted);
    PacketView v = parse_frame(f.data(), f.size());
    REQUIRE(icmp_is_error(v));
    QuotedPacket q;
    REQUIRE(icmp_parse_quoted(v, q));
    REQUIRE(q.reversed == FlowKey{client, vip, be16(40000), be16(80), kIpProtoTcp});
    icmp_error_nat_inbound(v, q, rs, be16(8080));
    REQUIRE(f.ip()->dst == rs);
    REQUIRE(q.ip->src == rs);
    uint16_t sport;
    std::memcpy(&sport, q.l4, 2);
    REQUIRE(sport == be16(8080));
    REQUIRE(ip_checksum_ok(f));
    REQUIRE(reference_checksum(reinterpret_cast<uint8_t*>(q.ip), 20) == 0);
    REQUIRE(icmp_checksum_ok(f));
}

TEST_CASE("ICMP error from a NAT real server: rewritten to come from the VIP", "[icmp]") {
    const uint32_t client = ip4(10, 0, 1, 2), vip = ip4(192, 0, 2, 10), rs = ip4(10, 0, 0, 11);
    Frame quoted = make_frame(kIpProtoUdp, client, rs, be16(40000), be16(5353), {1, 2});
    Frame f = icmp_error_frame(rs, client, quoted);
    PacketView v = parse_frame(f.data(), f.size());
    QuotedPacket q;
    REQUIRE(icmp_parse_quoted(v, q));
    REQUIRE(q.reversed == FlowKey{rs, client, be16(5353), be16(40000), kIpProtoUdp});
    icmp_error_nat_reply(v, q, vip, be16(53));
    REQUIRE(f.ip()->src == vip);
    REQUIRE(q.ip->dst == vip);
    uint16_t dport;
    std::memcpy(&dport, q.l4 + 2, 2);
    REQUIRE(dport == be16(53));
    REQUIRE(ip_checksum_ok(f));
    REQUIRE(icmp_checksum_ok(f));
}

TEST_CASE("quoted packets that cannot name a connection are refused", "[icmp]") {
    Frame quoted = make_frame(kIpProtoTcp, 1, 2, be16(1), be16(2), {});
    Frame f = icmp_error_frame(3, 4, quoted);
    SECTION("too short") {
        f.bytes.resize(14 + 20 + 8 + 20 + 4);
        f.ip()->total_length = be16(20 + 8 + 20 + 4);
        f.ip()->checksum = 0;
        f.ip()->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), 20));
        PacketView v = parse_frame(f.data(), f.size());
        QuotedPacket q;
        REQUIRE_FALSE(icmp_parse_quoted(v, q));
    }
    SECTION("quoted protocol is not TCP/UDP") {
        reinterpret_cast<Ipv4Hdr*>(f.l4() + 8)->protocol = kIpProtoIcmp;
        PacketView v = parse_frame(f.data(), f.size());
        QuotedPacket q;
        REQUIRE_FALSE(icmp_parse_quoted(v, q));
    }
}

TEST_CASE("echo reply to an all-zero echo request (id 0, seq 0, no data) has a valid checksum",
          "[icmp]") {
    // The reply's ICMP words then all sum to zero, where the incremental
    // update (RFC 1624 eqn. 3) gives 0x0000 and only 0xffff verifies.
    // Found by fuzz_icmp.
    Frame f = icmp_frame(ip4(10, 0, 1, 2), ip4(192, 0, 2, 10), {8, 0, 0, 0, 0, 0, 0, 0});
    PacketView v = parse_frame(f.data(), f.size());
    REQUIRE(icmp_is_echo_request(v));
    icmp_echo_reply_in_place(v);
    REQUIRE(reinterpret_cast<IcmpHdr*>(f.l4())->type == kIcmpEchoReply);
    REQUIRE(ip_checksum_ok(f));
    REQUIRE(icmp_checksum_ok(f));
}
