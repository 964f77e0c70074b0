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

void nd_advert_in_place(uint8_t* frame, const PacketView& ns, const uint8_t our_mac[6]) {
    // Everything the advertisement needs, before it is overwritten.
    uint8_t target[16], to[16], to_mac[6];
    std::memcpy(target, nd_target(ns), 16);
    std::memcpy(to, ns.ip6->src, 16);
    std::memcpy(to_mac, ns.eth->src, 6);

    auto* eth = reinterpret_cast<EthHdr*>(frame);
    std::memcpy(eth->dst, to_mac, 6);
    std::memcpy(eth->src, our_mac, 6);
    eth->ether_type = be16(kEtherTypeIpv6);

    auto* ip = reinterpret_cast<Ipv6Hdr*>(frame + sizeof(EthHdr));
    constexpr uint16_t kPayload = sizeof(NdMessage) + 8;
    ip->vtc_flow = be32(6u << 28);
    ip->payload_len = be16(kPayload);
    ip->next_header = kIpProtoIcmpv6;
    ip->hop_limit = 255;
    std::memcpy(ip->src, target, 16);
    std::memcpy(ip->dst, to, 16);

    uint8_t* l4 = frame + sizeof(EthHdr) + sizeof(Ipv6Hdr);
    auto* na = reinterpret_cast<NdMessage*>(l4);
    na->type = kNdNeighborAdvert;
    na->code = 0;
    na->checksum = 0;
    na->flags = be32(kNaFlagSolicited | kNaFlagOverride);
    std::memcpy(na->target, target, 16);
    uint8_t* option = l4 + sizeof(NdMessage);
    option[0] = kNdOptTargetLinkAddr;
    option[1] = 1;  // 8 bytes
    std::memcpy(option + 2, our_mac, 6);
    na->checksum = csum_compute(l4, kPayload, ipv6_pseudo_sum(*ip, kPayload, kIpProtoIcmpv6));
}

}  // namespace dvs::dataplane
