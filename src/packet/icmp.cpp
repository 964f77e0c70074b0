#include "packet/icmp.hpp"

#include "packet/checksum.hpp"

namespace dvs::dataplane {

bool icmp_is_echo_request(const PacketView& p) {
    if (p.kind != FrameKind::kIpv4 || p.proto != kIpProtoIcmp || p.l4 == nullptr) return false;
    if (p.l4_len < sizeof(IcmpHdr)) return false;
    const auto* icmp = reinterpret_cast<const IcmpHdr*>(p.l4);
    return icmp->type == kIcmpEchoRequest && icmp->code == 0 &&
           csum_fold(csum_partial(p.l4, p.l4_len)) == 0xffff;
}

void icmp_echo_reply_in_place(PacketView& p) {
    auto* icmp = reinterpret_cast<IcmpHdr*>(p.l4);
    const uint16_t old_word = static_cast<uint16_t>(icmp->type | (icmp->code << 8));
    icmp->type = kIcmpEchoReply;
    const uint16_t new_word = static_cast<uint16_t>(icmp->type | (icmp->code << 8));
    icmp->checksum = csum_update16(icmp->checksum, old_word, new_word);
    // The incremental update yields 0x0000 when the reply's words sum to
    // zero (id 0, seq 0, zero data); only 0xffff verifies then. 0xffff is
    // valid for any other message too, so it is always the safe spelling
    // of a zero result (found by fuzz_icmp).
    if (icmp->checksum == 0) icmp->checksum = 0xffff;

    const uint32_t src = p.ip->src;
    p.ip->src = p.ip->dst;
    p.ip->dst = src;
    p.ip->ttl = 64;
    p.ip->checksum = 0;
    p.ip->checksum = csum_compute(p.ip, (p.ip->version_ihl & 0x0f) * 4u);
}

}  // namespace dvs::dataplane
