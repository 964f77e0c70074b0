#include "packet/l4_checksum.hpp"

#include <cstring>

#include "packet/checksum.hpp"

namespace dvs::dataplane {

uint32_t pseudo_header_sum(const Ipv4Hdr& ip, uint8_t proto, uint16_t l4_len) {
    uint8_t pseudo[12] = {};
    std::memcpy(pseudo, &ip.src, 4);
    std::memcpy(pseudo + 4, &ip.dst, 4);
    pseudo[9] = proto;
    const uint16_t len = be16(l4_len);
    std::memcpy(pseudo + 10, &len, 2);
    return csum_partial(pseudo, sizeof pseudo);
}

L4ChecksumCheck check_l4_checksum(const PacketView& v) {
    if (v.kind != FrameKind::kIpv4 || !v.has_ports || v.l4 == nullptr) {
        return L4ChecksumCheck::kNotChecked;
    }
    // A first fragment carries only part of the segment the checksum covers.
    if (be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask)) {
        return L4ChecksumCheck::kNotChecked;
    }
    if (v.proto == kIpProtoUdp && v.udp()->checksum == 0) return L4ChecksumCheck::kNotChecked;
    const uint32_t sum = csum_partial(v.l4, v.l4_len, pseudo_header_sum(*v.ip, v.proto, v.l4_len));
    return csum_fold(sum) == 0xffff ? L4ChecksumCheck::kGood : L4ChecksumCheck::kBad;
}

}  // namespace dvs::dataplane
