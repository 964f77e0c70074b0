#pragma once
// The exception path's packet logic: what goes to the kernel interface and
// how fast, and what the kernel sends back. Pure code over parsed frames and
// TSC ticks (no DPDK), so it is unit-tested without EAL; the mbuf side is in
// engine/kernel.ipp.
//
// A TokenBucket belongs to one worker and is written by that worker only.

#include <cstdint>

#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// Per-worker limit on packets toward the kernel (from the config).
struct KernelPathLimits {
    uint32_t rate_pps = 0;  // packets per second per worker; 0 = no limit
    uint32_t burst = 0;     // packets that may pass at once after a quiet spell
};

// A token bucket counted in clock ticks instead of tokens: each packet costs
// `hz / rate` ticks of credit, credit grows with elapsed ticks and is capped
// at `burst` packets' worth. Integer arithmetic only, no division per packet.
class TokenBucket {
public:
    // rate 0 disables the limit. Starts full.
    void configure(uint64_t rate_per_s, uint64_t burst, uint64_t hz, uint64_t now) {
        cost_ = rate_per_s == 0 ? 0 : (hz / rate_per_s == 0 ? 1 : hz / rate_per_s);
        depth_ = cost_ * (burst == 0 ? 1 : burst);
        credit_ = depth_;
        last_ = now;
    }

    // True if a packet may pass at time `now` (ticks, monotonic).
    bool take(uint64_t now) {
        if (cost_ == 0) return true;
        uint64_t credit = credit_ + (now - last_);
        if (credit > depth_) credit = depth_;
        last_ = now;
        if (credit < cost_) {
            credit_ = credit;
            return false;
        }
        credit_ = credit - cost_;
        return true;
    }

private:
    uint64_t cost_ = 0;   // ticks per packet; 0 = unlimited
    uint64_t depth_ = 0;  // ticks of credit at most (burst packets)
    uint64_t credit_ = 0;
    uint64_t last_ = 0;
};

// What to do with a frame the kernel sent through its interface.
enum class FromKernel : uint8_t {
    kRoute,        // unicast IPv4: route it like anything else
    kRoute6,       // unicast IPv6: the same over the IPv6 routes
    kArpRequest,   // the kernel resolving a next hop: the dataplane answers
    kNdSolicit,    // the kernel resolving an IPv6 next hop (a valid NS from a
                   // unicast source): the dataplane answers, as for ARP
    kVrrp,         // a VRRP advert (protocol 112 to 224.0.0.18 or ff02::12): out on
                   // the wire port as is
    kMulticast,    // other multicast (IPv4 or IPv6: MLD, router solicitations,
                   // DAD probes) or limited broadcast: not forwarded
    kUnsupported,  // other EtherTypes, ARP replies/announcements
    kMalformed,    // parse failed: the frame's own drop reason applies
};

FromKernel classify_from_kernel(const PacketView& v);

// VRRP's groups (224.0.0.18, ff02::12) and protocol (RFC 5798): adverts of
// either family pass between the wire and the exception path both ways, so
// `ha.interface` may be a port's tap.
inline constexpr uint8_t kIpProtoVrrp = 112;
bool is_vrrp_advert(const PacketView& v);

// True for an ICMP error quoting an IP-in-IP packet: about our own TUN
// traffic, not about a kernel socket (left to the dataplane, see ICMP in
// docs/ARCHITECTURE.md).
bool icmp_error_quotes_ipip(const PacketView& v);
// The same for IPv6: an ICMPv6 error quoting an IPv6-in-IPv6 packet (next
// header 41 right after the quoted IPv6 header) is about our TUN traffic.
bool icmp6_error_quotes_tunnel(const PacketView& v);

}  // namespace dvs::dataplane
