// libFuzzer target: parse_frame, the compact view and the NAT rewrites.
//
// Input: [flags u8][new ip u32][new port u16][frame...]. flags bit 0 fixes
// the IP header checksum and bit 1 the L4 checksum before parsing, so most
// inputs reach the rewrites instead of stopping at a checksum test.
//
// Invariants checked (not just "no crash"):
//  - parse_frame: every pointer of the view lies inside the frame, lengths
//    agree with the headers, the IP checksum of an accepted packet is valid;
//    its inline path for plain IPv4 TCP/UDP gives the full parse's view;
//  - an accepted view survives compact_view -> restore_view field for field
//    (parse once: what the handoff rings and held fragments carry);
//  - a NAT rewrite of a packet whose checksums were valid leaves them valid,
//    sets exactly the new address and port, and touches no other byte;
//  - decrement_ttl keeps the header checksum valid and refuses TTL <= 1;
//  - the NAT router hop (nat_forward_*: TTL and rewrite, one checksum
//    update) matches decrement_ttl then the rewrite, byte for byte outside
//    the checksums, which stay valid;
//  - IPv6 (issue 15): an accepted view lies inside the frame and inside the
//    payload length, its L4 header sits behind at most 8 extension headers
//    of at most 256 bytes, an ICMPv6 checksum verifies; the echo reply and
//    the neighbour advertisement made from it parse again, checksum valid;
//    an ICMPv6 error rewritten for a NAT66 server (icmp6_error) parses
//    again with a valid checksum and quotes the server's address and port;
//    an IPv6 packet behind tun6_write_outer parses as next header 41 whose
//    payload is the packet, byte for byte; a fragment handed on is TCP or
//    UDP, a later one without L4 header or ports.

#include <algorithm>
#include <cstring>

#include "fuzz_check.hpp"
#include "packet/checksum.hpp"
#include "packet/frag_guard.hpp"
#include "packet/icmp6.hpp"
#include "packet/icmp6_error.hpp"
#include "packet/ipv6_view.hpp"
#include "packet/nat_rewrite.hpp"
#include "packet/tun_encap.hpp"

using namespace dvs::dataplane;
using dvs::fuzz::Range;

namespace {

bool inside(const PacketView& v, const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    return b >= v.data && b + n <= v.data + v.frame_len;
}

bool icmp6_checksum_ok(const PacketView& v) {
    const uint32_t sum = ipv6_pseudo_sum(*v.ip6, v.l4_len, kIpProtoIcmpv6);
    return csum_fold(csum_partial(v.l4, v.l4_len, sum)) == 0xffff;
}

void check_ipv6_view(const PacketView& v) {
    FUZZ_CHECK(be16(v.eth->ether_type) == kEtherTypeIpv6);
    FUZZ_CHECK(reinterpret_cast<uint8_t*>(v.ip6) == v.data + sizeof(EthHdr));
    FUZZ_CHECK((be32(v.ip6->vtc_flow) >> 28) == 6 && v.ip6->hop_limit != 0);
    FUZZ_CHECK(v.l3_len == sizeof(Ipv6Hdr) + be16(v.ip6->payload_len));
    FUZZ_CHECK(inside(v, v.ip6, v.l3_len));
    if (v.frag6 != 0) {
        // A fragment handed on (issue 15): its fragment header inside the
        // walk's bounds, TCP or UDP its fragmentable part; a later one has no
        // L4 header and no ports, and frag_fields counts what it carries.
        FUZZ_CHECK(v.frag6 >= sizeof(Ipv6Hdr) && v.frag6 % 8 == 0);
        FUZZ_CHECK(v.frag6 + sizeof(Ipv6FragHdr) - sizeof(Ipv6Hdr) <= kIpv6MaxExtBytes);
        FUZZ_CHECK(inside(v, v.frag6_hdr(), sizeof(Ipv6FragHdr)));
        FUZZ_CHECK(v.frag6_hdr()->next_header == v.proto);
        FUZZ_CHECK(v.proto == kIpProtoTcp || v.proto == kIpProtoUdp);
        const FragFields f = frag_fields(v);
        FUZZ_CHECK(f.offset8 != 0 || f.more);  // an atomic fragment is a whole packet
        FUZZ_CHECK(f.bytes == v.l3_len - v.frag6 - sizeof(Ipv6FragHdr));
        if (f.offset8 != 0) {
            FUZZ_CHECK(v.l4 == nullptr && !v.has_ports && v.l4_len == 0);
            return;
        }
        FUZZ_CHECK(v.has_ports && v.l4 == reinterpret_cast<uint8_t*>(v.frag6_hdr()) + 8);
    }
    const size_t ext = static_cast<size_t>(v.l4 - reinterpret_cast<uint8_t*>(v.ip6)) - 40;
    FUZZ_CHECK(ext <= kIpv6MaxExtBytes && ext % 8 == 0);
    FUZZ_CHECK(inside(v, v.l4, v.l4_len) && v.l4 + v.l4_len == v.data + sizeof(EthHdr) + v.l3_len);
    if (v.has_ports) {
        FUZZ_CHECK(v.proto == kIpProtoTcp || v.proto == kIpProtoUdp);
        FUZZ_CHECK(v.src_port == v.udp()->src_port && v.dst_port == v.udp()->dst_port);
    }
    if (v.proto == kIpProtoIcmpv6) FUZZ_CHECK(icmp6_checksum_ok(v));
}

// What the balancer answers (echo, ND) is itself a valid packet.
void check_icmp6_answers(std::vector<uint8_t> frame) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv6) return;
    if (nd_check_solicit(v) == NsCheck::kValid) {
        std::vector<uint8_t> out(kNdAdvertFrameLen);
        std::memcpy(out.data(), frame.data(), std::min(out.size(), frame.size()));
        static constexpr uint8_t kMac[6] = {2, 0, 0, 0, 1, 1};
        // Built from the solicitation's own bytes, into another buffer.
        nd_advert_in_place(out.data(), v, kMac);
        const PacketView na = parse_frame(out.data(), static_cast<uint32_t>(out.size()));
        // A target no host sends from (loopback, IPv4-mapped) makes an
        // advertisement parse_frame refuses: nd_check_solicit lets those
        // through and the dataplane answers only its own addresses.
        if (na.kind == FrameKind::kDropped) {
            FUZZ_CHECK(na.drop == DropReason::kBadSourceAddress);
        } else {
            FUZZ_CHECK(na.kind == FrameKind::kIpv6 && na.proto == kIpProtoIcmpv6);
            FUZZ_CHECK(na.l4[0] == kNdNeighborAdvert && na.ip6->hop_limit == 255);
            FUZZ_CHECK(std::memcmp(na.ip6->src, nd_target(v), 16) == 0);
        }
    }
    if (icmp6_is_echo_request(v)) {
        icmp6_echo_reply_in_place(v);
        const PacketView r = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
        // The reply's source was the request's destination: multicast or ::
        // there makes it a source parse_frame refuses, and rightly so.
        if (r.kind == FrameKind::kIpv6) {
            FUZZ_CHECK(r.l4[0] == kIcmp6EchoReply && icmp6_checksum_ok(r));
        } else {
            FUZZ_CHECK(r.drop == DropReason::kBadSourceAddress);
        }
    }
}

// parse_frame's inline path for the plain frame (parse_plain_ipv4) gives
// the view the full parse gives, field for field: every frame it does not
// refuse to the full parse must pass the full parse's checks.
void check_plain_path(const PacketView& v, std::vector<uint8_t>& frame) {
    const PacketView full = parse_frame_full(frame.data(), static_cast<uint32_t>(frame.size()));
    FUZZ_CHECK(v.data == full.data && v.frame_len == full.frame_len && v.kind == full.kind);
    FUZZ_CHECK(v.drop == full.drop && v.eth == full.eth && v.ip == full.ip && v.l4 == full.l4);
    FUZZ_CHECK(v.l3_len == full.l3_len && v.l4_len == full.l4_len && v.proto == full.proto);
    FUZZ_CHECK(v.has_ports == full.has_ports && v.src_port == full.src_port &&
               v.dst_port == full.dst_port && v.tcp_flags == full.tcp_flags);
    FUZZ_CHECK(v.frag6 == full.frag6 && v.arp == full.arp);
}

void check_view(const PacketView& v, const std::vector<uint8_t>& frame) {
    FUZZ_CHECK(v.data == frame.data() && v.frame_len == frame.size());
    if (v.kind == FrameKind::kDropped) {
        FUZZ_CHECK(v.drop < DropReason::kCount);
        return;
    }
    FUZZ_CHECK(inside(v, v.eth, sizeof(EthHdr)));
    if (v.kind == FrameKind::kArp) {
        FUZZ_CHECK(be16(v.eth->ether_type) == kEtherTypeArp);
        FUZZ_CHECK(inside(v, v.arp, sizeof(ArpHdr)));
        return;
    }
    if (v.kind == FrameKind::kIpv6) return check_ipv6_view(v);
    FUZZ_CHECK(v.kind == FrameKind::kIpv4);
    FUZZ_CHECK(be16(v.eth->ether_type) == kEtherTypeIpv4);
    FUZZ_CHECK(reinterpret_cast<uint8_t*>(v.ip) == v.data + sizeof(EthHdr));
    const uint32_t ihl = dvs::fuzz::ihl_of(*v.ip);
    FUZZ_CHECK((v.ip->version_ihl >> 4) == 4 && ihl >= sizeof(Ipv4Hdr));
    FUZZ_CHECK(v.l3_len == be16(v.ip->total_length) && v.l3_len >= ihl);
    FUZZ_CHECK(inside(v, v.ip, v.l3_len));
    FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*v.ip));
    FUZZ_CHECK(v.proto == v.ip->protocol);
    const bool later_fragment = be16(v.ip->frag_off) & kIpFragOffsetMask;
    if (later_fragment) {
        FUZZ_CHECK(v.l4 == nullptr && !v.has_ports);
        return;
    }
    FUZZ_CHECK(v.l4 == reinterpret_cast<uint8_t*>(v.ip) + ihl);
    FUZZ_CHECK(v.l4_len == v.l3_len - ihl);
    FUZZ_CHECK(inside(v, v.l4, v.l4_len));
    if (v.has_ports) {
        FUZZ_CHECK(v.proto == kIpProtoTcp || v.proto == kIpProtoUdp);
        FUZZ_CHECK(v.src_port == v.udp()->src_port && v.dst_port == v.udp()->dst_port);
        if (v.proto == kIpProtoTcp) {
            const uint32_t doff = (v.tcp()->data_off >> 4) * 4u;
            FUZZ_CHECK(doff >= sizeof(TcpHdr) && doff <= v.l4_len);
            FUZZ_CHECK(v.tcp_flags == v.tcp()->flags);
        } else {
            FUZZ_CHECK(v.l4_len >= sizeof(UdpHdr) && be16(v.udp()->length) >= sizeof(UdpHdr));
        }
    } else {
        FUZZ_CHECK(v.proto != kIpProtoTcp && v.proto != kIpProtoUdp);
    }
}

void check_compact(const PacketView& v, std::vector<uint8_t>& frame) {
    // IPv6 is handled on the core that reads it: it never travels compacted.
    if (v.kind == FrameKind::kDropped || v.kind == FrameKind::kIpv6) return;
    const PacketView r =
        restore_view(frame.data(), static_cast<uint32_t>(frame.size()), compact_view(v));
    FUZZ_CHECK(r.data == v.data && r.frame_len == v.frame_len && r.kind == v.kind);
    FUZZ_CHECK(r.eth == v.eth && r.ip == v.ip && r.l4 == v.l4 && r.arp == v.arp);
    FUZZ_CHECK(r.l3_len == v.l3_len && r.l4_len == v.l4_len && r.proto == v.proto);
    FUZZ_CHECK(r.has_ports == v.has_ports && r.src_port == v.src_port && r.dst_port == v.dst_port &&
               r.tcp_flags == v.tcp_flags);
}

// Offsets in the frame of what a NAT rewrite may change.
struct NatFields {
    size_t ip_csum, ip_addr, l4_csum, port;
};

void check_nat(std::vector<uint8_t> frame, bool destination, uint32_t new_ip, uint16_t new_port) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4 || !v.has_ports) return;
    const bool first_fragment = be16(v.ip->frag_off) & kIpFlagMoreFragments;
    // A first fragment's L4 checksum covers the whole datagram: not checkable here.
    const bool l4_valid = !first_fragment && dvs::fuzz::l4_checksum_ok(v);
    const size_t ip_off = sizeof(EthHdr);
    const size_t l4_off = static_cast<size_t>(v.l4 - v.data);
    const NatFields f{ip_off + 10, ip_off + (destination ? 16u : 12u),
                      l4_off + (v.proto == kIpProtoTcp ? 16u : 6u),
                      l4_off + (destination ? 2u : 0u)};
    const std::vector<uint8_t> before = frame;
    const bool udp_no_csum = v.proto == kIpProtoUdp && v.udp()->checksum == 0;

    if (destination) {
        nat_rewrite_destination(v, new_ip, new_port);
    } else {
        nat_rewrite_source(v, new_ip, new_port);
    }
    FUZZ_CHECK(dvs::fuzz::same_outside(
        before, frame,
        {Range{f.ip_csum, 2}, Range{f.ip_addr, 4}, Range{f.l4_csum, 2}, Range{f.port, 2}}));
    FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*v.ip));
    FUZZ_CHECK((destination ? v.ip->dst : v.ip->src) == new_ip);
    FUZZ_CHECK((destination ? v.udp()->dst_port : v.udp()->src_port) == new_port);
    FUZZ_CHECK((destination ? v.dst_port : v.src_port) == new_port);
    if (udp_no_csum) FUZZ_CHECK(v.udp()->checksum == 0);
    if (l4_valid) FUZZ_CHECK(dvs::fuzz::l4_checksum_ok(v));
    // The rewritten frame still parses to the same shape.
    const PacketView again = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    FUZZ_CHECK(again.kind == FrameKind::kIpv4 && again.has_ports && again.l4 == v.l4);
}

void check_ip_only_nat(std::vector<uint8_t> frame, bool destination, uint32_t new_ip) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4) return;
    const std::vector<uint8_t> before = frame;
    const size_t ip_off = sizeof(EthHdr);
    if (destination) {
        nat_rewrite_ip_destination(v, new_ip);
    } else {
        nat_rewrite_ip_source(v, new_ip);
    }
    FUZZ_CHECK(dvs::fuzz::same_outside(
        before, frame, {Range{ip_off + 10, 2}, Range{ip_off + (destination ? 16u : 12u), 4}}));
    FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*v.ip));
}

void check_ttl(std::vector<uint8_t> frame) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4) return;
    const uint8_t ttl = v.ip->ttl;
    const std::vector<uint8_t> before = frame;
    const bool ok = decrement_ttl(*v.ip);
    FUZZ_CHECK(ok == (ttl > 1));
    if (!ok) {
        FUZZ_CHECK(before == frame);
        return;
    }
    FUZZ_CHECK(v.ip->ttl == ttl - 1);
    FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*v.ip));
}

// The router hop (TTL and rewrite in one checksum update) does what
// decrement_ttl followed by the rewrite does, byte for byte outside the two
// checksums, and both checksums stay valid where they were.
void check_nat_hop(std::vector<uint8_t> frame, bool destination, uint32_t new_ip,
                   uint16_t new_port) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4) return;
    const bool ports = v.l4 != nullptr && v.has_ports;
    const bool first_fragment = be16(v.ip->frag_off) & kIpFlagMoreFragments;
    const bool l4_valid = ports && !first_fragment && dvs::fuzz::l4_checksum_ok(v);
    std::vector<uint8_t> stepwise = frame;
    PacketView s = parse_frame(stepwise.data(), static_cast<uint32_t>(stepwise.size()));
    const bool ok = destination ? nat_forward_destination(v, new_ip, new_port)
                                : nat_forward_source(v, new_ip, new_port);
    FUZZ_CHECK(ok == decrement_ttl(*s.ip));
    if (!ok) return;
    if (ports) {
        destination ? nat_rewrite_destination(s, new_ip, new_port)
                    : nat_rewrite_source(s, new_ip, new_port);
    } else {
        destination ? nat_rewrite_ip_destination(s, new_ip) : nat_rewrite_ip_source(s, new_ip);
    }
    const Range ip_csum{sizeof(EthHdr) + 10, 2};
    const Range l4_csum{
        ports ? static_cast<size_t>(v.l4 - v.data) + (v.proto == kIpProtoTcp ? 16u : 6u)
              : ip_csum.off,
        2};
    FUZZ_CHECK(dvs::fuzz::same_outside(stepwise, frame, {ip_csum, l4_csum}));
    FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*v.ip));
    if (l4_valid) FUZZ_CHECK(dvs::fuzz::l4_checksum_ok(v));
}

}  // namespace

// A server address made from the input's new IPv4 address (2001:db8::/96).
Ip6 server6(uint32_t new_ip) {
    Ip6 a;
    a.b[0] = 0x20;
    a.b[1] = 0x01;
    a.b[2] = 0x0d;
    a.b[3] = 0xb8;
    std::memcpy(a.b + 12, &new_ip, 4);
    return a;
}

void check_icmp6_error(std::vector<uint8_t> frame, uint32_t new_ip, uint16_t new_port) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    QuotedPacket6 q;
    if (!icmp6_is_error(v) || !icmp6_parse_quoted(v, q)) return;
    FUZZ_CHECK(inside(v, q.ip, sizeof(Ipv6Hdr)) && inside(v, q.l4, q.l4_len) && q.l4_len >= 8);
    const Ip6 rs = server6(new_ip);
    icmp6_error_nat_inbound(v, q, rs, new_port);
    const PacketView again = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    FUZZ_CHECK(again.kind == FrameKind::kIpv6 && icmp6_checksum_ok(again));
    QuotedPacket6 q2;
    FUZZ_CHECK(icmp6_parse_quoted(again, q2));
    FUZZ_CHECK(q2.reversed.dst_ip == rs && q2.reversed.dst_port == new_port);
}

void check_tun6(const std::vector<uint8_t>& frame, uint32_t new_ip) {
    const PacketView v =
        parse_frame(const_cast<uint8_t*>(frame.data()), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv6) return;
    std::vector<uint8_t> out(sizeof(EthHdr) + sizeof(Ipv6Hdr) + v.l3_len);
    std::memcpy(out.data(), frame.data(), sizeof(EthHdr));
    std::memcpy(out.data() + sizeof(EthHdr) + sizeof(Ipv6Hdr), v.ip6, v.l3_len);
    auto* outer = reinterpret_cast<Ipv6Hdr*>(out.data() + sizeof(EthHdr));
    tun6_write_outer(*outer, *v.ip6, v.l3_len, server6(new_ip), server6(~new_ip));
    const PacketView t = parse_frame(out.data(), static_cast<uint32_t>(out.size()));
    FUZZ_CHECK(t.kind == FrameKind::kIpv6 && t.proto == kIpProtoIpv6 && !t.has_ports);
    FUZZ_CHECK(t.l4 == out.data() + sizeof(EthHdr) + sizeof(Ipv6Hdr) && t.l4_len == v.l3_len);
    FUZZ_CHECK(std::memcmp(t.l4, v.ip6, v.l3_len) == 0 && t.ip6->hop_limit == kTun6HopLimit);
    FUZZ_CHECK(tun6_inner_mtu(static_cast<uint16_t>(v.l3_len)) >= kIpv6MinMtu);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dvs::fuzz::Input in(data, size);
    const auto flags = in.take<uint8_t>();
    // A rewrite writes a real server's or a VIP's address: never one that
    // parse_frame refuses as a source (0/8, 127/8, multicast, 240/4).
    const auto new_ip = be32((be32(in.take<uint32_t>()) & 0x00ffffffu) | 0x0a000000u);
    const auto new_port = in.take<uint16_t>();
    std::vector<uint8_t> frame = in.rest();
    if (flags & 1) dvs::fuzz::fix_ip_checksum(frame);
    if (flags & 2) {
        PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
        if (v.kind == FrameKind::kIpv4 && v.has_ports && dvs::fuzz::l4_covered(v) <= v.l4_len) {
            dvs::fuzz::fix_l4_checksum(v);
        }
    }

    const PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    check_view(v, frame);
    check_plain_path(v, frame);
    check_compact(v, frame);
    check_nat(frame, true, new_ip, new_port);
    check_nat(frame, false, new_ip, new_port);
    check_ip_only_nat(frame, true, new_ip);
    check_ip_only_nat(frame, false, new_ip);
    check_ttl(frame);
    check_nat_hop(frame, true, new_ip, new_port);
    check_nat_hop(frame, false, new_ip, new_port);
    check_icmp6_answers(frame);
    check_icmp6_error(frame, new_ip, new_port);
    check_tun6(frame, new_ip);
    return 0;
}
