// libFuzzer target: ICMP handled by the balancer (icmp, icmp_error).
//
// Input: [flags u8][addr u32][port u16][mtu u16][frame...]. flags bit 0
// fixes the outer IP checksum, bit 1 the ICMP checksum, bit 2 the quoted IP
// header checksum, so inputs reach the rewrites.
//
// Invariants:
//  - an echo request turned into a reply has valid IP and ICMP checksums,
//    swapped addresses, type 0, and the same length;
//  - icmp_parse_quoted points inside the ICMP message and has 8 L4 bytes;
//  - the NAT rewrites of an ICMP error leave the outer IP header, the ICMP
//    message and (if it was valid) the quoted IP header with valid
//    checksums, and change only the fields they name;
//  - icmp_write_frag_needed writes a packet that parse_frame accepts, with
//    valid checksums, within its documented buffer size.

#include "fuzz_check.hpp"
#include "packet/icmp.hpp"
#include "packet/icmp_error.hpp"

using namespace dvs::dataplane;

namespace {

bool icmp_checksum_ok(const PacketView& v) {
    return csum_fold(csum_partial(v.l4, v.l4_len)) == 0xffff;
}

void fix_quoted(std::vector<uint8_t>& frame) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4 || v.proto != kIpProtoIcmp || v.l4 == nullptr) return;
    if (v.l4_len < sizeof(IcmpHdr) + sizeof(Ipv4Hdr)) return;
    auto* q = reinterpret_cast<Ipv4Hdr*>(v.l4 + sizeof(IcmpHdr));
    const uint32_t ihl = dvs::fuzz::ihl_of(*q);
    if (ihl < sizeof(Ipv4Hdr) || sizeof(IcmpHdr) + ihl > v.l4_len) return;
    q->checksum = 0;
    q->checksum = csum_compute(q, ihl);
}

void fix_icmp(std::vector<uint8_t>& frame) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4 || v.proto != kIpProtoIcmp || v.l4 == nullptr) return;
    if (v.l4_len < sizeof(IcmpHdr)) return;
    auto* icmp = reinterpret_cast<IcmpHdr*>(v.l4);
    icmp->checksum = 0;
    icmp->checksum = csum_compute(v.l4, v.l4_len);
}

void check_echo(std::vector<uint8_t> frame) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (!icmp_is_echo_request(v)) return;
    FUZZ_CHECK(v.kind == FrameKind::kIpv4 && v.l4 != nullptr && v.l4_len >= sizeof(IcmpHdr));
    const uint32_t src = v.ip->src, dst = v.ip->dst;
    const size_t len = frame.size();
    icmp_echo_reply_in_place(v);
    FUZZ_CHECK(frame.size() == len);
    FUZZ_CHECK(v.ip->src == dst && v.ip->dst == src);
    FUZZ_CHECK(reinterpret_cast<IcmpHdr*>(v.l4)->type == kIcmpEchoReply);
    FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*v.ip));
    FUZZ_CHECK(icmp_checksum_ok(v));
}

void check_error(std::vector<uint8_t> frame, bool inbound, uint32_t addr, uint16_t port) {
    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4 || !icmp_is_error(v)) return;
    QuotedPacket q;
    if (!icmp_parse_quoted(v, q)) return;
    const auto* msg_end = v.l4 + v.l4_len;
    FUZZ_CHECK(reinterpret_cast<uint8_t*>(q.ip) == v.l4 + sizeof(IcmpHdr));
    FUZZ_CHECK(q.l4 == reinterpret_cast<uint8_t*>(q.ip) + dvs::fuzz::ihl_of(*q.ip));
    FUZZ_CHECK(q.l4 + 8 <= msg_end);
    FUZZ_CHECK(q.reversed.src_ip == q.ip->dst && q.reversed.dst_ip == q.ip->src);
    FUZZ_CHECK(q.reversed.proto == q.ip->protocol);

    const bool quoted_valid = dvs::fuzz::ip_checksum_ok(*q.ip);
    const std::vector<uint8_t> before = frame;
    const size_t ip_off = sizeof(EthHdr);
    const size_t icmp_off = static_cast<size_t>(v.l4 - v.data);
    const size_t qip_off = static_cast<size_t>(reinterpret_cast<uint8_t*>(q.ip) - v.data);
    const size_t ql4_off = static_cast<size_t>(q.l4 - v.data);
    if (inbound) {
        icmp_error_nat_inbound(v, q, addr, port);
        FUZZ_CHECK(v.ip->dst == addr && q.ip->src == addr);
        FUZZ_CHECK(std::memcmp(q.l4, &port, 2) == 0);
        FUZZ_CHECK(dvs::fuzz::same_outside(before, frame,
                                           {{ip_off + 10, 2},
                                            {ip_off + 16, 4},
                                            {icmp_off + 2, 2},
                                            {qip_off + 10, 2},
                                            {qip_off + 12, 4},
                                            {ql4_off, 2}}));
    } else {
        icmp_error_nat_reply(v, q, addr, port);
        FUZZ_CHECK(v.ip->src == addr && q.ip->dst == addr);
        FUZZ_CHECK(std::memcmp(q.l4 + 2, &port, 2) == 0);
        FUZZ_CHECK(dvs::fuzz::same_outside(before, frame,
                                           {{ip_off + 10, 2},
                                            {ip_off + 12, 4},
                                            {icmp_off + 2, 2},
                                            {qip_off + 10, 2},
                                            {qip_off + 16, 4},
                                            {ql4_off + 2, 2}}));
    }
    FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*v.ip));
    FUZZ_CHECK(icmp_checksum_ok(v));
    if (quoted_valid) FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*q.ip));
}

void check_frag_needed(const std::vector<uint8_t>& frame, uint32_t addr, uint16_t mtu) {
    if (frame.size() < sizeof(EthHdr)) return;
    // Our own address sends it: unicast (parse_frame drops 0/8, 127/8, 224/3 sources).
    addr = be32((be32(addr) & 0x00ffffffu) | 0x0a000000u);
    // The worker quotes the IP packet as received (v.l3_len bytes of it).
    const uint8_t* orig = frame.data() + sizeof(EthHdr);
    const auto orig_len =
        static_cast<uint16_t>(std::min<size_t>(frame.size() - sizeof(EthHdr), 0xffff));
    constexpr size_t kOut = sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(IcmpHdr) + kIcmpQuoteMax;
    std::vector<uint8_t> out(kOut);
    out[12] = 0x08;  // an Ethernet header in front, so parse_frame can check it
    const uint16_t n =
        icmp_write_frag_needed(out.data() + sizeof(EthHdr), orig, orig_len, addr, ~addr, mtu, 7);
    FUZZ_CHECK(n <= kOut - sizeof(EthHdr));
    out.resize(sizeof(EthHdr) + n);
    const PacketView v = parse_frame(out.data(), static_cast<uint32_t>(out.size()));
    FUZZ_CHECK(v.kind == FrameKind::kIpv4 && v.proto == kIpProtoIcmp && v.l3_len == n);
    FUZZ_CHECK(icmp_checksum_ok(v));
    const auto* icmp = reinterpret_cast<const IcmpHdr*>(v.l4);
    FUZZ_CHECK(icmp->type == kIcmpDestUnreachable && icmp->code == kIcmpCodeFragNeeded);
    FUZZ_CHECK(be16(icmp->seq) == mtu);
    const size_t quoted = n - sizeof(Ipv4Hdr) - sizeof(IcmpHdr);
    FUZZ_CHECK(quoted == std::min<size_t>(orig_len, kIcmpQuoteMax));
    FUZZ_CHECK(std::memcmp(v.l4 + sizeof(IcmpHdr), orig, quoted) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dvs::fuzz::Input in(data, size);
    const auto flags = in.take<uint8_t>();
    const auto addr = in.take<uint32_t>();
    const auto port = in.take<uint16_t>();
    const auto mtu = in.take<uint16_t>();
    std::vector<uint8_t> frame = in.rest();
    if (flags & 1) dvs::fuzz::fix_ip_checksum(frame);
    if (flags & 4) fix_quoted(frame);
    if (flags & 2) fix_icmp(frame);  // last: covers the fixed quote

    check_echo(frame);
    check_error(frame, true, addr, port);
    check_error(frame, false, addr, port);
    check_frag_needed(frame, addr, mtu);
    return 0;
}
