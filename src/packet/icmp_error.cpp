#include "packet/icmp_error.hpp"

#include <algorithm>
#include <cstring>

#include "packet/checksum.hpp"

namespace dvs::dataplane {

namespace {

uint16_t* quoted_port(QuotedPacket& q, int which) {
    return reinterpret_cast<uint16_t*>(q.l4 + 2 * which);  // 0: source, 1: destination
}

void recompute_icmp(PacketView& p) {
    auto* icmp = reinterpret_cast<IcmpHdr*>(p.l4);
    icmp->checksum = 0;
    icmp->checksum = csum_compute(p.l4, p.l4_len);
}

}  // namespace

bool icmp_is_error(const PacketView& p) {
    if (p.proto != kIpProtoIcmp || p.l4 == nullptr || p.l4_len < sizeof(IcmpHdr)) return false;
    const uint8_t type = reinterpret_cast<const IcmpHdr*>(p.l4)->type;
    return type == kIcmpDestUnreachable || type == kIcmpSourceQuench || type == kIcmpTimeExceeded ||
           type == kIcmpParameterProblem;
}

bool icmp_parse_quoted(const PacketView& p, QuotedPacket& q) {
    if (p.l4_len < sizeof(IcmpHdr) + sizeof(Ipv4Hdr) + 8) return false;
    auto* ip = reinterpret_cast<Ipv4Hdr*>(p.l4 + sizeof(IcmpHdr));
    const uint32_t ihl = (ip->version_ihl & 0x0f) * 4u;
    if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(Ipv4Hdr)) return false;
    if (sizeof(IcmpHdr) + ihl + 8 > p.l4_len) return false;
    if (ip->protocol != kIpProtoTcp && ip->protocol != kIpProtoUdp) return false;
    if (be16(ip->frag_off) & kIpFragOffsetMask) return false;  // no ports in a later fragment
    q.ip = ip;
    q.l4 = reinterpret_cast<uint8_t*>(ip) + ihl;
    uint16_t sport, dport;
    std::memcpy(&sport, q.l4, 2);
    std::memcpy(&dport, q.l4 + 2, 2);
    q.reversed = {ip->dst, ip->src, dport, sport, ip->protocol};
    return true;
}

void icmp_error_nat_inbound(PacketView& p, QuotedPacket& q, uint32_t rs_ip, uint16_t rs_port) {
    const uint32_t old_dst = p.ip->dst;
    p.ip->dst = rs_ip;
    p.ip->checksum = csum_update32(p.ip->checksum, old_dst, rs_ip);
    const uint32_t old_qsrc = q.ip->src;
    q.ip->src = rs_ip;
    q.ip->checksum = csum_update32(q.ip->checksum, old_qsrc, rs_ip);
    std::memcpy(quoted_port(q, 0), &rs_port, 2);
    recompute_icmp(p);
}

void icmp_error_nat_reply(PacketView& p, QuotedPacket& q, uint32_t vip, uint16_t vport) {
    const uint32_t old_src = p.ip->src;
    p.ip->src = vip;
    p.ip->checksum = csum_update32(p.ip->checksum, old_src, vip);
    const uint32_t old_qdst = q.ip->dst;
    q.ip->dst = vip;
    q.ip->checksum = csum_update32(q.ip->checksum, old_qdst, vip);
    std::memcpy(quoted_port(q, 1), &vport, 2);
    recompute_icmp(p);
}

uint16_t icmp_write_frag_needed(uint8_t* out, const uint8_t* orig, uint16_t orig_len, uint32_t src,
                                uint32_t dst, uint16_t next_hop_mtu, uint16_t id) {
    return icmp_write_unreachable(out, orig, orig_len, src, dst, kIcmpCodeFragNeeded, id,
                                  next_hop_mtu);
}

uint16_t icmp_write_unreachable(uint8_t* out, const uint8_t* orig, uint16_t orig_len, uint32_t src,
                                uint32_t dst, uint8_t code, uint16_t id, uint16_t next_hop_mtu) {
    const uint16_t quote = std::min(orig_len, kIcmpQuoteMax);
    const uint16_t total = static_cast<uint16_t>(sizeof(Ipv4Hdr) + sizeof(IcmpHdr) + quote);
    auto* ip = reinterpret_cast<Ipv4Hdr*>(out);
    ip->version_ihl = 0x45;
    ip->tos = 0xc0;  // internetwork control, as routers send errors
    ip->total_length = be16(total);
    ip->id = be16(id);
    ip->frag_off = 0;
    ip->ttl = 64;
    ip->protocol = kIpProtoIcmp;
    ip->src = src;
    ip->dst = dst;
    ip->checksum = 0;
    ip->checksum = csum_compute(ip, sizeof(Ipv4Hdr));
    auto* icmp = reinterpret_cast<IcmpHdr*>(out + sizeof(Ipv4Hdr));
    icmp->type = kIcmpDestUnreachable;
    icmp->code = code;
    icmp->id = 0;                    // "unused" (RFC 1191)
    icmp->seq = be16(next_hop_mtu);  // next-hop MTU for code 4, else unused (0)
    std::memcpy(out + sizeof(Ipv4Hdr) + sizeof(IcmpHdr), orig, quote);
    icmp->checksum = 0;
    icmp->checksum = csum_compute(icmp, sizeof(IcmpHdr) + quote);
    return total;
}

}  // namespace dvs::dataplane
