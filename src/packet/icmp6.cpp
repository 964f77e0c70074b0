#include "packet/icmp6.hpp"

#include <cstring>

#include "packet/checksum.hpp"
#include "packet/ipv6_view.hpp"

namespace dvs::dataplane {

bool icmp6_is_echo_request(const PacketView& p) {
    if (p.kind != FrameKind::kIpv6 || p.proto != kIpProtoIcmpv6 || p.l4_len < 8) return false;
    return p.l4[0] == kIcmp6EchoRequest && p.l4[1] == 0;
}

void icmp6_echo_reply_in_place(PacketView& p) {
    uint8_t* icmp = p.l4;
    uint16_t old_word;
    std::memcpy(&old_word, icmp, 2);
    icmp[0] = kIcmp6EchoReply;
    uint16_t new_word;
    std::memcpy(&new_word, icmp, 2);
    uint16_t checksum;
    std::memcpy(&checksum, icmp + 2, 2);
    checksum = csum_update16(checksum, old_word, new_word);
    // As for ICMPv4 (icmp.cpp): 0xffff is the spelling of a zero result that
    // verifies.
    if (checksum == 0) checksum = 0xffff;
    std::memcpy(icmp + 2, &checksum, 2);

    uint8_t src[16];
    std::memcpy(src, p.ip6->src, 16);
    std::memcpy(p.ip6->src, p.ip6->dst, 16);
    std::memcpy(p.ip6->dst, src, 16);
    p.ip6->hop_limit = 64;
}

NsCheck nd_check_solicit(const PacketView& p) {
    if (p.kind != FrameKind::kIpv6 || p.proto != kIpProtoIcmpv6 || p.l4_len < 1 ||
        p.l4[0] != kNdNeighborSolicit) {
        return NsCheck::kNotNs;
    }
    if (p.ip6->hop_limit != 255 || p.l4_len < sizeof(NdMessage) || p.l4[1] != 0) {
        return NsCheck::kInvalid;
    }
    const NdMessage& ns = *reinterpret_cast<const NdMessage*>(p.l4);
    if (ns.target[0] == 0xff) return NsCheck::kInvalid;  // a multicast target
    // Options: type, length in 8-byte units (never 0), all inside the message.
    static constexpr uint8_t kZero[16] = {};
    const bool from_unspecified = std::memcmp(p.ip6->src, kZero, 16) == 0;
    uint32_t off = sizeof(NdMessage);
    while (off < p.l4_len) {
        if (off + 2 > p.l4_len) return NsCheck::kInvalid;
        const uint32_t len = p.l4[off + 1] * 8u;
        if (len == 0 || off + len > p.l4_len) return NsCheck::kInvalid;
        if (p.l4[off] == kNdOptSourceLinkAddr && from_unspecified) return NsCheck::kInvalid;
        off += len;
    }
    return NsCheck::kValid;
}

namespace {

// A Neighbor Discovery message with one link-layer option carrying our MAC
// (RFC 4861 4.3, 4.4): hop limit 255, checksum over the pseudo-header.
// Inputs are copies: `frame` may overlap the packet they came from.
void write_nd(uint8_t* frame, const uint8_t eth_dst[6], const uint8_t our_mac[6],
              const uint8_t src[16], const uint8_t dst[16], uint8_t type, uint32_t flags,
              const uint8_t target[16], uint8_t option_type) {
    auto* eth = reinterpret_cast<EthHdr*>(frame);
    std::memcpy(eth->dst, eth_dst, 6);
    std::memcpy(eth->src, our_mac, 6);
    eth->ether_type = be16(kEtherTypeIpv6);

    auto* ip = reinterpret_cast<Ipv6Hdr*>(frame + sizeof(EthHdr));
    constexpr uint16_t kPayload = sizeof(NdMessage) + 8;
    ip->vtc_flow = be32(6u << 28);
    ip->payload_len = be16(kPayload);
    ip->next_header = kIpProtoIcmpv6;
    ip->hop_limit = 255;
    std::memcpy(ip->src, src, 16);
    std::memcpy(ip->dst, dst, 16);

    uint8_t* l4 = frame + sizeof(EthHdr) + sizeof(Ipv6Hdr);
    auto* nd = reinterpret_cast<NdMessage*>(l4);
    nd->type = type;
    nd->code = 0;
    nd->checksum = 0;
    nd->flags = be32(flags);
    std::memcpy(nd->target, target, 16);
    uint8_t* option = l4 + sizeof(NdMessage);
    option[0] = option_type;
    option[1] = 1;  // 8 bytes
    std::memcpy(option + 2, our_mac, 6);
    nd->checksum = csum_compute(l4, kPayload, ipv6_pseudo_sum(*ip, kPayload, kIpProtoIcmpv6));
}

}  // namespace

void nd_advert_in_place(uint8_t* frame, const PacketView& ns, const uint8_t our_mac[6]) {
    // Everything the advertisement needs, before it is overwritten.
    uint8_t target[16], to[16], to_mac[6];
    std::memcpy(target, nd_target(ns), 16);
    std::memcpy(to, ns.ip6->src, 16);
    std::memcpy(to_mac, ns.eth->src, 6);
    write_nd(frame, to_mac, our_mac, target, to, kNdNeighborAdvert,
             kNaFlagSolicited | kNaFlagOverride, target, kNdOptTargetLinkAddr);
}

void nd_build_unsolicited_advert(uint8_t* frame, const uint8_t our_mac[6], const Ip6& target) {
    static constexpr uint8_t kAllNodesMac[6] = {0x33, 0x33, 0, 0, 0, 1};
    static constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    write_nd(frame, kAllNodesMac, our_mac, target.b, kAllNodes, kNdNeighborAdvert, kNaFlagOverride,
             target.b, kNdOptTargetLinkAddr);
}

void nd_build_solicit(uint8_t* frame, const uint8_t our_mac[6], const Ip6& src, const Ip6& target) {
    const uint8_t group_mac[6] = {0x33, 0x33, 0xff, target.b[13], target.b[14], target.b[15]};
    uint8_t group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
    std::memcpy(group + 13, target.b + 13, 3);
    write_nd(frame, group_mac, our_mac, src.b, group, kNdNeighborSolicit, 0, target.b,
             kNdOptSourceLinkAddr);
}

NdSender nd_sender(const PacketView& p) {
    NdSender out;
    if (p.kind != FrameKind::kIpv6 || p.proto != kIpProtoIcmpv6 || p.l4_len < 1) return out;
    const uint8_t type = p.l4[0];
    uint8_t wanted_option = 0;
    if (type == kNdNeighborAdvert) {
        if (p.ip6->hop_limit != 255 || p.l4_len < sizeof(NdMessage) || p.l4[1] != 0 ||
            p.l4[8] == 0xff) {
            out.invalid = true;
            return out;
        }
        wanted_option = kNdOptTargetLinkAddr;
        out.ip = Ip6::from(reinterpret_cast<const NdMessage*>(p.l4)->target);
    } else if (type == kNdNeighborSolicit) {
        if (nd_check_solicit(p) != NsCheck::kValid) return out;
        out.ip = Ip6::from(p.ip6->src);
        if (out.ip.is_unspecified()) return out;  // DAD: no address to learn
        wanted_option = kNdOptSourceLinkAddr;
    } else {
        return out;
    }
    uint32_t off = sizeof(NdMessage);
    while (off < p.l4_len) {
        if (off + 2 > p.l4_len) break;
        const uint32_t len = p.l4[off + 1] * 8u;
        if (len == 0 || off + len > p.l4_len) {
            out.invalid = type == kNdNeighborAdvert;
            return out;
        }
        if (p.l4[off] == wanted_option && len >= 8) {
            std::memcpy(out.mac, p.l4 + off + 2, 6);
            out.found = true;
        }
        off += len;
    }
    return out;
}

uint32_t icmp6_error(uint8_t* frame, uint32_t cap, const PacketView& p, const Ip6& src,
                     uint8_t type, uint8_t code, uint32_t param) {
    constexpr uint32_t kHeaders = sizeof(EthHdr) + sizeof(Ipv6Hdr) + 8;
    const uint32_t limit = cap < kIcmp6ErrorMaxFrame ? cap : kIcmp6ErrorMaxFrame;
    if (limit <= kHeaders) return 0;
    const uint32_t have = p.l3_len;  // the offending packet from its IPv6 header
    const uint32_t quoted = have < limit - kHeaders ? have : limit - kHeaders;
    // The quote first: the packet may share the buffer's memory layout with
    // nothing here (a new mbuf), so plain copies suffice.
    std::memcpy(frame + kHeaders, p.ip6, quoted);

    auto* eth = reinterpret_cast<EthHdr*>(frame);
    eth->ether_type = be16(kEtherTypeIpv6);
    auto* ip = reinterpret_cast<Ipv6Hdr*>(frame + sizeof(EthHdr));
    const auto payload = static_cast<uint16_t>(8 + quoted);
    ip->vtc_flow = be32(6u << 28);
    ip->payload_len = be16(payload);
    ip->next_header = kIpProtoIcmpv6;
    ip->hop_limit = 64;
    std::memcpy(ip->src, src.b, 16);
    std::memcpy(ip->dst, p.ip6->src, 16);
    uint8_t* l4 = frame + sizeof(EthHdr) + sizeof(Ipv6Hdr);
    l4[0] = type;
    l4[1] = code;
    std::memset(l4 + 2, 0, 2);
    const uint32_t param_be = be32(param);
    std::memcpy(l4 + 4, &param_be, 4);
    const uint16_t checksum =
        csum_compute(l4, payload, ipv6_pseudo_sum(*ip, payload, kIpProtoIcmpv6));
    std::memcpy(l4 + 2, &checksum, 2);
    return kHeaders + quoted;
}

}  // namespace dvs::dataplane
