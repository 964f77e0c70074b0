#pragma once
// Every packet the dataplane does not forward is counted under one reason.
// Names are what operators see in stats; keep them stable.

#include <array>
#include <cstdint>
#include <string_view>

namespace dvs::dataplane {

// clang-format off
// Every drop reason once: enumerator, the stable name operators and the stats
// JSON see, and why (help text for dvsadm and metrics).
#define DVS_DROP_REASONS(X) \
    X(kL2Malformed,        "l2_malformed",        "shorter than an Ethernet header") \
    X(kMultiSegment,       "multi_segment",       "chained mbufs (jumbo frames): not handled yet") \
    X(kL2NotForUs,         "l2_not_for_us",       "unicast to another MAC (veth/bridge flooding, promiscuous NICs)") \
    X(kL3Unsupported,      "l3_unsupported",      "neither IPv4, IPv6 nor ARP") \
    X(kIpMalformed,        "ip_malformed",        "bad version/IHL/length, truncated") \
    X(kIpBadChecksum,      "ip_bad_checksum",     "IPv4 header checksum wrong") \
    X(kIpFragment,         "ip_fragment",         "a fragment we cannot place (not TCP/UDP, or ICMP fragmented)") \
    X(kL4Malformed,        "l4_malformed",        "truncated TCP/UDP header") \
    X(kTtlExceeded,        "ttl_exceeded",        "TTL 0 or 1 on a packet we would forward") \
    X(kNoService,          "no_service",          "no VIP:port matched and no tracked reply") \
    X(kTcpNoConn,          "tcp_no_conn",         "non-SYN TCP segment with no connection entry") \
    X(kNoRealServer,       "no_real_server",      "every real server quiesced / pool empty") \
    X(kConnTableFull,      "conn_table_full",     "new connection refused: the connection table is full") \
    X(kLocalUnhandled,     "local_unhandled",     "addressed to the balancer, not ARP/echo, and no exception path") \
    X(kIcmpUnhandled,      "icmp_unhandled",      "ICMP that is neither echo to us nor (yet) handled") \
    X(kArpMalformed,       "arp_malformed",       "truncated or not Ethernet/IPv4 ARP") \
    X(kArpIgnored,         "arp_ignored",         "ARP not about us") \
    X(kNoRoute,            "no_route",            "no route to the destination or next hop") \
    X(kNeighborQueueFull,  "neighbor_queue_full", "too many packets waiting for one unresolved neighbour, or for all (the hold budget)") \
    X(kNeighborTableFull,  "neighbor_table_full", "no free neighbour entry for a next hop") \
    X(kNeighborUnresolved, "neighbor_unresolved", "ARP got no answer in time; queued packets dropped") \
    X(kHandoffRingFull,    "handoff_ring_full",   "owner core's ring full") \
    X(kTxFull,             "tx_full",             "NIC did not take the packet") \
    X(kMbufAllocFailed,    "mbuf_alloc_failed",   "could not build an ARP/ICMP reply") \
    X(kFragNeeded,         "frag_needed",         "TUN: too big with DF; ICMP fragmentation-needed sent to the client") \
    X(kIcmpNoConn,         "icmp_no_conn",        "ICMP error quoting a connection we do not track") \
    X(kFragTableFull,      "frag_table_full",     "no free entry to place a fragment's datagram") \
    X(kFragHoldFull,       "frag_hold_full",      "too many fragments waiting for their first fragment (per datagram, or no room)") \
    X(kFragTimeout,        "frag_timeout",        "held fragments whose first fragment never came") \
    X(kFragNoConn,         "frag_no_conn",        "a later fragment whose connection is gone") \
    X(kKernelRateLimited,  "kernel_rate_limited", "for the kernel interface, over the worker's exception_path rate") \
    X(kKernelMulticast,    "kernel_multicast",    "from the kernel: IPv4 multicast/broadcast (not forwarded)") \
    X(kKernelUnsupported,  "kernel_unsupported",  "from the kernel: IPv6, other EtherTypes, ARP other than requests") \
    X(kTcpBadFlags,        "tcp_bad_flags",       "flag set no TCP sends: SYN with FIN or RST, or none of SYN/ACK/RST") \
    X(kIcmpBadChecksum,    "icmp_bad_checksum",   "ICMP message whose checksum does not verify") \
    X(kArpConflict,        "arp_conflict",        "ARP from another host claiming one of our addresses or a VIP") \
    X(kHalfOpenLimit,      "half_open_limit",     "a SYN over the service's max_half_open, or half the table half-open (SYN flood)") \
    X(kBadSourceAddress,   "bad_source_address",  "IPv4 source 0/8, 127/8, 224/4 (multicast), 240/4 or broadcast; IPv6 :: (but DAD), ::1, ff00::/8, ::ffff:0:0/96") \
    X(kSpoofedOwnAddress,  "spoofed_own_address", "from the wire with one of our addresses or a VIP as source") \
    X(kFragTiny,           "frag_tiny",           "first fragment without the whole TCP (or UDP) header (RFC 1858)") \
    X(kFragTinyOverlap,    "frag_tiny_overlap",   "TCP fragment at offset 8 bytes: would rewrite the flags (RFC 1858)") \
    X(kFragOverlap,        "frag_overlap",        "fragment that would change the header decided by the first one") \
    X(kHaBackup,           "ha_backup",           "for an address whose VRRP instance is BACKUP here") \
    X(kFragEvicted,        "frag_evicted",        "held fragments dropped to make room: the hold budget was spent or the pool low") \
    X(kIpv6Malformed,      "ipv6_malformed",      "IPv6: truncated, bad version, or a payload length the frame does not hold") \
    X(kIpv6ExtChain,       "ipv6_ext_chain",      "IPv6 extension headers past the bound (8 headers, 256 bytes) or hop-by-hop not first") \
    X(kIpv6RoutingHeader,  "ipv6_routing_header", "IPv6 routing header of type 0 (RFC 5095) or with segments left") \
    X(kIpv6Fragment,       "ipv6_fragment",       "IPv6 fragment whose fragmentable part is not TCP or UDP itself: not followed") \
    X(kIpv6Unhandled,      "ipv6_unhandled",      "IPv6 neither for a service, nor a NAT66 reply, nor ND or echo for our addresses") \
    X(kNdInvalid,          "nd_invalid",          "Neighbor Discovery with hop limit not 255, code not 0, or too short (RFC 4861 7.1.1)") \
    X(kNdNotOurs,          "nd_not_ours",         "Neighbor Solicitation for an address that is not ours") \
    X(kIpv6Mld,            "ipv6_mld",            "Multicast Listener Discovery (queries, reports, done): dvsd joins no IPv6 group on the wire") \
    X(kNdRouterMessage,    "nd_router_message",   "Router Solicitation or Advertisement, or Redirect: dvsd advertises no router and takes no route from them") \
    X(kNdDadProbe,         "nd_dad_probe",        "duplicate address detection probe (from ::) for one of our addresses: never answered") \
    X(kPacketTooBig,       "packet_too_big",      "TUN over IPv6: the encapsulated packet exceeds the egress MTU; ICMPv6 Packet Too Big sent to the client (rate limited)") \
    X(kIpv6FragChain,      "ipv6_frag_chain",     "IPv6 first fragment without the whole header chain up to and including the TCP/UDP header (RFC 7112)") \
    X(kIpv6FragNested,     "ipv6_frag_nested",    "IPv6 fragment header inside a fragment (a fragment of a fragment)")

enum class DropReason : uint8_t {
#define DVS_DROP_ENUM(name, text, help) name,
    DVS_DROP_REASONS(DVS_DROP_ENUM)
#undef DVS_DROP_ENUM
    kCount
};

inline constexpr std::array<std::string_view, static_cast<size_t>(DropReason::kCount)>
    kDropReasonNames = {
#define DVS_DROP_NAME(name, text, help) text,
        DVS_DROP_REASONS(DVS_DROP_NAME)
#undef DVS_DROP_NAME
};

inline constexpr std::array<std::string_view, static_cast<size_t>(DropReason::kCount)>
    kDropReasonHelp = {
#define DVS_DROP_HELP(name, text, help) help,
        DVS_DROP_REASONS(DVS_DROP_HELP)
#undef DVS_DROP_HELP
};
// clang-format on

static_assert(!kDropReasonNames.back().empty(), "every DropReason needs a name");

inline constexpr std::string_view drop_reason_name(DropReason r) {
    return kDropReasonNames[static_cast<size_t>(r)];
}

}  // namespace dvs::dataplane
