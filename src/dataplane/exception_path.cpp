#include "dataplane/exception_path.hpp"

#include <cstring>

#include "packet/arp.hpp"

namespace dvs::dataplane {

namespace {

constexpr uint8_t kIpProtoIpip = 4;

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
        case FrameKind::kIpv6:  // the exception path carries IPv4 only (issue 15, stage 2)
            return FromKernel::kUnsupported;
        case FrameKind::kDropped:
            return v.drop == DropReason::kL3Unsupported ? FromKernel::kUnsupported
                                                        : FromKernel::kMalformed;
    }
    return FromKernel::kUnsupported;
}

bool is_vrrp_advert(const PacketView& v) {
    static const uint8_t kGroup[4] = {224, 0, 0, 18};
    return v.kind == FrameKind::kIpv4 && v.proto == kIpProtoVrrp &&
           std::memcmp(&v.ip->dst, kGroup, 4) == 0;
}

bool icmp_error_quotes_ipip(const PacketView& v) {
    if (v.l4 == nullptr || v.l4_len < sizeof(IcmpHdr) + sizeof(Ipv4Hdr)) return false;
    const auto* quoted = reinterpret_cast<const Ipv4Hdr*>(v.l4 + sizeof(IcmpHdr));
    return quoted->protocol == kIpProtoIpip;
}

}  // namespace dvs::dataplane
