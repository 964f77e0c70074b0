#pragma once
// ICMPv6 the balancer answers itself: echo (RFC 4443 4.1) and Neighbor
// Discovery for its own addresses (RFC 4861 7.1.1, 7.2.4). Pure functions
// over a parsed view (packet/ipv6_view.hpp has verified the checksum).

#include <cstdint>

#include "packet/flow_key.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// True if `p` is an ICMPv6 echo request (type 128, code 0).
bool icmp6_is_echo_request(const PacketView& p);

// Turns an echo request into its reply in place: addresses swapped, type
// 129, hop limit 64, checksum updated (the pseudo-header sum does not change
// when source and destination swap). Ethernet is left for the sender.
void icmp6_echo_reply_in_place(PacketView& p);

// A Neighbor Solicitation, checked as RFC 4861 7.1.1 asks.
enum class NsCheck : uint8_t {
    kValid,
    kNotNs,    // some other ICMPv6
    kInvalid,  // hop limit not 255, code not 0, too short, a bad option, or a
               // source link-layer option from :: (a DAD probe has none)
};
NsCheck nd_check_solicit(const PacketView& p);

// The solicitation's target address (16 bytes inside the packet); only
// after nd_check_solicit said kValid.
inline const uint8_t* nd_target(const PacketView& p) {
    return reinterpret_cast<const NdMessage*>(p.l4)->target;
}

// Frame length of the advertisement nd_advert_in_place writes.
inline constexpr uint32_t kNdAdvertFrameLen =
    sizeof(EthHdr) + sizeof(Ipv6Hdr) + sizeof(NdMessage) + 8;

// Rewrites a valid solicitation (from a unicast source) into the solicited
// advertisement for its target, from `our_mac`: Ethernet back to the
// sender, IPv6 from the target to the solicitation's source, hop limit
// 255, flags solicited and override, a target link-layer option, the
// checksum over the pseudo-header. The advertisement is written from the
// frame start and is kNdAdvertFrameLen bytes: the caller sizes the buffer
// (it may be longer or shorter than the solicitation, whose extension
// headers and options are dropped).
void nd_advert_in_place(uint8_t* frame, const PacketView& ns, const uint8_t our_mac[6]);

// The IPv6 twin of a gratuitous ARP (RFC 4861 7.2.6): an unsolicited
// advertisement for `target` (an address this box now holds), from it to
// all-nodes ff02::1 (MAC 33:33:00:00:00:01), hop limit 255, override set
// and solicited clear, with the target link-layer option `our_mac`, so the
// neighbours that cache `target` move to this box. Writes
// kNdAdvertFrameLen bytes from the frame start.
void nd_build_unsolicited_advert(uint8_t* frame, const uint8_t our_mac[6], const Ip6& target);

// Resolving next hops (RFC 4861 7.2.2): a solicitation for `target` from
// `src` (our address on the link) and `our_mac`, to the target's
// solicited-node multicast address ff02::1:ffXX:XXXX (MAC 33:33:ff:XX:XX:XX),
// hop limit 255, with our source link-layer address. Writes
// kNdSolicitFrameLen bytes from the frame start.
inline constexpr uint32_t kNdSolicitFrameLen = kNdAdvertFrameLen;
void nd_build_solicit(uint8_t* frame, const uint8_t our_mac[6], const Ip6& src, const Ip6& target);

// What a neighbour tells about itself: an advertisement (valid as RFC 4861
// 7.1.2 asks: hop limit 255, code 0, no multicast target, well-formed
// options) its target and target link-layer address; a valid solicitation
// from a unicast source its source and source link-layer address. `found`
// is false when the packet carries no such pair.
struct NdSender {
    bool found = false;
    bool invalid = false;  // an advertisement that fails the checks
    Ip6 ip;
    uint8_t mac[6] = {};
};
NdSender nd_sender(const PacketView& p);

// An ICMPv6 error (RFC 4443 3: Time Exceeded type 3, Packet Too Big type 2
// with `param` the MTU, ...) to the packet's source from `src`, quoting as
// much of the packet as keeps the error within the IPv6 minimum MTU (RFC
// 4443 2.4(c)). Written from the frame start into `cap` bytes (Ethernet
// addresses left to the sender, EtherType set); returns the frame length,
// 0 if `cap` is too small.
inline constexpr uint32_t kIcmp6ErrorMaxFrame = 14 + 1280;
uint32_t icmp6_error(uint8_t* frame, uint32_t cap, const PacketView& p, const Ip6& src,
                     uint8_t type, uint8_t code, uint32_t param);

}  // namespace dvs::dataplane
