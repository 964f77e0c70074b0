#include "packet/tun_encap.hpp"

#include <algorithm>
#include <cstring>

#include "packet/checksum.hpp"

namespace dvs::dataplane {

void tun6_write_outer(Ipv6Hdr& outer, const Ipv6Hdr& inner, uint16_t inner_len, const Ip6& src,
                      const Ip6& dst) {
    outer.vtc_flow = be32((6u << 28) | (be32(inner.vtc_flow) & 0x0fffffffu));
    outer.payload_len = be16(inner_len);
    outer.next_header = kIpProtoIpv6;
    outer.hop_limit = kTun6HopLimit;
    std::memcpy(outer.src, src.b, 16);
    std::memcpy(outer.dst, dst.b, 16);
}

uint16_t write_fragment(uint8_t* out, const Ipv4Hdr& outer, const uint8_t* payload,
                        uint16_t payload_len, uint16_t offset, uint16_t mtu) {
    const uint16_t chunk =
        static_cast<uint16_t>(std::min<uint32_t>(fragment_payload(mtu), payload_len - offset));
    const bool last = offset + chunk >= payload_len;
    Ipv4Hdr h = outer;
    h.total_length = be16(static_cast<uint16_t>(sizeof(Ipv4Hdr) + chunk));
    h.frag_off = be16(static_cast<uint16_t>((last ? 0 : kIpFlagMoreFragments) | (offset >> 3)));
    h.checksum = 0;
    h.checksum = csum_compute(&h, sizeof(Ipv4Hdr));
    std::memcpy(out, &h, sizeof h);
    std::memcpy(out + sizeof h, payload + offset, chunk);
    return static_cast<uint16_t>(sizeof h + chunk);
}

}  // namespace dvs::dataplane
