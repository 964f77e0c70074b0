#include "dataplane/exception_path.hpp"

#include <cstring>

#include "packet/arp.hpp"
#include "packet/icmp6.hpp"

namespace dvs::dataplane {

namespace {

constexpr uint8_t kIpProtoIpip = 4;
constexpr uint8_t kIpProtoIpv6InIpv6 = 41;

}  // namespace

FromKernel classify_from_kernel(const PacketView& v) {
    switch (v.kind) {
        case FrameKind::kArp:
            return arp_is_valid(*v.arp) && be16(v.arp->op) == kArpRequest
                       ? FromKernel::kArpRequest
                       : FromKernel::kUnsupported;
        case FrameKind::kIpv4: {
            const uint8_t first = reinterpret_cast<const uint8_t*>(&v.ip->dst)[0];
            if (is_vrrp_advert(v)) return FromKernel::kVrrp;
            const bool multicast = (first & 0xf0) == 0xe0;
            const bool broadcast = v.ip->dst == 0xffffffffu;
            return multicast || broadcast ? FromKernel::kMulticast : FromKernel::kRoute;
        }
        case FrameKind::kIpv6: {
            // A solicitation first: the kernel sends most of them to a
            // solicited-node group. One from :: is the kernel's own duplicate
            // address detection: never answered (multicast, dropped).
            if (nd_check_solicit(v) == NsCheck::kValid && !Ip6::from(v.ip6->src).is_unspecified()) {
                return FromKernel::kNdSolicit;
            }
            if (is_vrrp_advert(v)) return FromKernel::kVrrp;
            return v.ip6->dst[0] == 0xff ? FromKernel::kMulticast : FromKernel::kRoute6;
        }
        case FrameKind::kDropped:
            return v.drop == DropReason::kL3Unsupported ? FromKernel::kUnsupported
                                                        : FromKernel::kMalformed;
    }
    return FromKernel::kUnsupported;
}

bool is_vrrp_advert(const PacketView& v) {
    static const uint8_t kGroup[4] = {224, 0, 0, 18};
    static const uint8_t kGroup6[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12};
    if (v.proto != kIpProtoVrrp) return false;
    if (v.kind == FrameKind::kIpv4) return std::memcmp(&v.ip->dst, kGroup, 4) == 0;
    return v.kind == FrameKind::kIpv6 && std::memcmp(v.ip6->dst, kGroup6, 16) == 0;
}

bool icmp_error_quotes_ipip(const PacketView& v) {
    if (v.l4 == nullptr || v.l4_len < sizeof(IcmpHdr) + sizeof(Ipv4Hdr)) return false;
    const auto* quoted = reinterpret_cast<const Ipv4Hdr*>(v.l4 + sizeof(IcmpHdr));
    return quoted->protocol == kIpProtoIpip;
}

bool icmp6_error_quotes_tunnel(const PacketView& v) {
    // ICMPv6 header (8 bytes), then the quoted IPv6 header: next header at 6.
    if (v.l4 == nullptr || v.l4_len < 8 + sizeof(Ipv6Hdr)) return false;
    const auto* quoted = reinterpret_cast<const Ipv6Hdr*>(v.l4 + 8);
    return quoted->next_header == kIpProtoIpv6InIpv6;
}

}  // namespace dvs::dataplane
