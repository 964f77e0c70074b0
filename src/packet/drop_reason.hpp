#pragma once
// Every packet the dataplane does not forward is counted under one reason.
// Names are what operators see in stats; keep them stable.

#include <array>
#include <cstdint>
#include <string_view>

namespace dvs::dataplane {

enum class DropReason : uint8_t {
    kL2Malformed,         // shorter than an Ethernet header
    kMultiSegment,        // chained mbufs (jumbo frames): not handled yet
    kL2NotForUs,          // unicast to another MAC (veth/bridge flooding, promiscuous NICs)
    kL3Unsupported,       // neither IPv4 nor ARP
    kIpMalformed,         // bad version/IHL/length, truncated
    kIpBadChecksum,
    kIpFragment,          // a fragment we cannot place (not TCP/UDP, or ICMP fragmented)
    kL4Malformed,         // truncated TCP/UDP header
    kTtlExceeded,
    kNoService,           // no VIP:port matched and no tracked reply
    kTcpNoConn,           // non-SYN TCP segment with no connection entry
    kNoRealServer,        // every real server quiesced / pool empty
    kConnTableFull,
    kLocalUnhandled,      // addressed to the balancer, not ARP/echo, and no exception path
    kIcmpUnhandled,       // ICMP that is neither echo to us nor (yet) handled
    kArpMalformed,
    kArpIgnored,          // ARP not about us
    kNoRoute,
    kNeighborQueueFull,   // too many packets waiting for one unresolved neighbour
    kNeighborTableFull,
    kNeighborUnresolved,  // ARP got no answer in time; queued packets dropped
    kHandoffRingFull,     // owner core's ring full
    kTxFull,              // NIC did not take the packet
    kMbufAllocFailed,     // could not build an ARP/ICMP reply
    kFragNeeded,          // TUN: too big with DF; ICMP fragmentation-needed sent to the client
    kIcmpNoConn,          // ICMP error quoting a connection we do not track
    kFragTableFull,
    kFragHoldFull,        // too many fragments waiting for their first fragment
    kFragTimeout,         // held fragments whose first fragment never came
    kFragNoConn,          // a later fragment whose connection is gone
    kKernelRateLimited,   // for the kernel interface, over the worker's exception_path rate
    kKernelMulticast,     // from the kernel: IPv4 multicast/broadcast (not forwarded)
    kKernelUnsupported,   // from the kernel: IPv6, other EtherTypes, ARP other than requests
    kTcpBadFlags,         // flag set no TCP sends: SYN with FIN or RST, or none of SYN/ACK/RST
    kIcmpBadChecksum,     // ICMP message whose checksum does not verify
    kArpConflict,         // ARP from another host claiming one of our addresses or a VIP
    kHalfOpenLimit,       // a SYN over the service's max_half_open (SYN flood bound)
    kBadSourceAddress,    // IPv4 source 0/8, 127/8, 224/4 (multicast), 240/4 or broadcast
    kSpoofedOwnAddress,   // from the wire with one of our addresses or a VIP as source
    kFragTiny,            // first fragment without the whole TCP (or UDP) header (RFC 1858)
    kFragTinyOverlap,     // TCP fragment at offset 8 bytes: would rewrite the flags (RFC 1858)
    kFragOverlap,         // fragment that would change the header decided by the first one
    kHaBackup,            // for an address whose VRRP instance is BACKUP here
    kCount
};

inline constexpr std::array<std::string_view, static_cast<size_t>(DropReason::kCount)>
    kDropReasonNames = {
        "l2_malformed",        "multi_segment",   "l2_not_for_us",   "l3_unsupported",     "ip_malformed",
        "ip_bad_checksum",     "ip_fragment",     "l4_malformed",       "ttl_exceeded",
        "no_service",          "tcp_no_conn",     "no_real_server",     "conn_table_full",
        "local_unhandled",     "icmp_unhandled",  "arp_malformed",      "arp_ignored",
        "no_route",            "neighbor_queue_full", "neighbor_table_full",
        "neighbor_unresolved", "handoff_ring_full", "tx_full",          "mbuf_alloc_failed",
        "frag_needed",         "icmp_no_conn",    "frag_table_full",    "frag_hold_full",
        "frag_timeout",        "frag_no_conn",
        "kernel_rate_limited", "kernel_multicast", "kernel_unsupported",
        "tcp_bad_flags",       "icmp_bad_checksum", "arp_conflict",
        "half_open_limit",     "bad_source_address", "spoofed_own_address",
        "frag_tiny",           "frag_tiny_overlap", "frag_overlap",
        "ha_backup",
};

static_assert(!kDropReasonNames.back().empty(), "every DropReason needs a name");

inline constexpr std::string_view drop_reason_name(DropReason r) {
    return kDropReasonNames[static_cast<size_t>(r)];
}

}  // namespace dvs::dataplane
