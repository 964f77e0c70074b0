#include "packet/icmp6_error.hpp"

#include <cstring>

#include "packet/checksum.hpp"
#include "packet/ipv6_view.hpp"
#include "packet/nat6_rewrite.hpp"

namespace dvs::dataplane {

namespace {

constexpr uint32_t kIcmp6HeaderLen = 8;

// The quoted packet as a view, for the NAT66 rewrites: they update its L4
// checksum, which only a quote holding it may have done to it.
bool quoted_view(QuotedPacket6& q, PacketView& out) {
    const uint32_t need = q.reversed.proto == kIpProtoTcp ? 18 : 8;
    if (q.l4_len < need) return false;
    out.kind = FrameKind::kIpv6;
    out.ip6 = q.ip;
    out.l4 = q.l4;
    out.l4_len = q.l4_len;
    out.proto = q.reversed.proto;
    out.has_ports = true;
    return true;
}

void recompute_icmp6(PacketView& p) {
    p.l4[2] = 0;
    p.l4[3] = 0;
    const uint16_t c =
        csum_compute(p.l4, p.l4_len, ipv6_pseudo_sum(*p.ip6, p.l4_len, kIpProtoIcmpv6));
    std::memcpy(p.l4 + 2, &c, 2);
}

// The outer address `outer` and the quote's source (quoted_source) or
// destination become ip (and port), checksums fixed.
void rewrite_error(PacketView& p, QuotedPacket6& q, uint8_t* outer, bool quoted_source,
                   const Ip6& ip, uint16_t port) {
    std::memcpy(outer, ip.b, 16);
    PacketView qv;
    if (quoted_view(q, qv)) {
        if (quoted_source) {
            nat6_rewrite_source(qv, ip, port);
        } else {
            nat6_rewrite_destination(qv, ip, port);
        }
    } else {
        std::memcpy(quoted_source ? q.ip->src : q.ip->dst, ip.b, 16);
        std::memcpy(q.l4 + (quoted_source ? 0 : 2), &port, 2);
    }
    recompute_icmp6(p);
}

}  // namespace

bool icmp6_is_error(const PacketView& p) {
    if (p.kind != FrameKind::kIpv6 || p.proto != kIpProtoIcmpv6 || p.l4_len < kIcmp6HeaderLen) {
        return false;
    }
    const uint8_t type = p.l4[0];
    return type >= kIcmp6DestUnreachable && type <= kIcmp6ParamProblem;
}

bool icmp6_parse_quoted(const PacketView& p, QuotedPacket6& q) {
    if (p.l4_len < kIcmp6HeaderLen + sizeof(Ipv6Hdr) + 8) return false;
    auto* ip = reinterpret_cast<Ipv6Hdr*>(p.l4 + kIcmp6HeaderLen);
    if ((be32(ip->vtc_flow) >> 28) != 6) return false;
    const uint32_t have = p.l4_len - kIcmp6HeaderLen;  // quoted bytes from ip
    uint8_t next = ip->next_header;
    uint32_t off = sizeof(Ipv6Hdr);
    unsigned headers = 0;
    while (next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestOptions) {
        if (++headers > kIpv6MaxExtHeaders || off + 8 > have) return false;
        const uint8_t* h = reinterpret_cast<const uint8_t*>(ip) + off;
        const uint32_t len = (h[1] + 1u) * 8u;
        if (off + len - sizeof(Ipv6Hdr) > kIpv6MaxExtBytes) return false;
        next = h[0];
        off += len;
    }
    if (next != kIpProtoTcp && next != kIpProtoUdp) return false;  // fragments too
    if (off + 8 > have) return false;
    q.ip = ip;
    q.l4 = reinterpret_cast<uint8_t*>(ip) + off;
    q.l4_len = static_cast<uint16_t>(have - off);
    uint16_t sport, dport;
    std::memcpy(&sport, q.l4, 2);
    std::memcpy(&dport, q.l4 + 2, 2);
    q.reversed = {Ip6::from(ip->dst), Ip6::from(ip->src), dport, sport, next};
    return true;
}

void icmp6_error_nat_inbound(PacketView& p, QuotedPacket6& q, const Ip6& rs_ip, uint16_t rs_port) {
    rewrite_error(p, q, p.ip6->dst, true, rs_ip, rs_port);
}

void icmp6_error_nat_reply(PacketView& p, QuotedPacket6& q, const Ip6& vip, uint16_t vport) {
    rewrite_error(p, q, p.ip6->src, false, vip, vport);
}

}  // namespace dvs::dataplane
