#pragma once
// A parsed view over one Ethernet frame held in contiguous memory.
//
// parse_frame() validates what the dataplane relies on (lengths, IHL, IP
// header checksum, L4 header present) so the rewrite functions can assume a
// well-formed packet. The view points into the caller's buffer; it owns
// nothing and is valid as long as the buffer is.

#include <cstdint>

#include "packet/drop_reason.hpp"
#include "packet/wire.hpp"

namespace dvs::dataplane {

enum class FrameKind : uint8_t {
    kIpv4,     // IPv4; l4 fields valid when has_ports
    kArp,
    kDropped,  // see drop
};

struct PacketView {
    uint8_t* data = nullptr;
    uint32_t frame_len = 0;
    FrameKind kind = FrameKind::kDropped;
    DropReason drop = DropReason::kL2Malformed;

    EthHdr* eth = nullptr;
    Ipv4Hdr* ip = nullptr;    // kIpv4
    uint8_t* l4 = nullptr;    // start of the L4 header (kIpv4, not a later fragment)
    uint16_t l3_len = 0;      // IP total length
    uint16_t l4_len = 0;      // bytes from l4 to the end of the IP packet
    uint8_t proto = 0;
    bool has_ports = false;   // TCP or UDP with a complete header
    uint16_t src_port = 0;    // network byte order
    uint16_t dst_port = 0;    // network byte order
    uint8_t tcp_flags = 0;

    ArpHdr* arp = nullptr;    // kArp

    TcpHdr* tcp() const { return reinterpret_cast<TcpHdr*>(l4); }
    UdpHdr* udp() const { return reinterpret_cast<UdpHdr*>(l4); }
};

// Parses `len` bytes at `data`. Never reads past data+len.
PacketView parse_frame(uint8_t* data, uint32_t len);

// The flow tuple of a plain IPv4 TCP/UDP frame (no options, not a
// fragment), without validation: only to prefetch table buckets a few
// packets ahead. False for anything else.
inline bool peek_flow(const uint8_t* data, uint32_t len, uint32_t& src, uint32_t& dst,
                      uint16_t& sport, uint16_t& dport, uint8_t& proto) {
    if (len < sizeof(EthHdr) + sizeof(Ipv4Hdr) + 4) return false;
    const auto* eth = reinterpret_cast<const EthHdr*>(data);
    const auto* ip = reinterpret_cast<const Ipv4Hdr*>(data + sizeof(EthHdr));
    if (eth->ether_type != be16(kEtherTypeIpv4) || ip->version_ihl != 0x45) return false;
    if (ip->protocol != kIpProtoTcp && ip->protocol != kIpProtoUdp) return false;
    const auto* ports = reinterpret_cast<const uint16_t*>(data + sizeof(EthHdr) + sizeof(Ipv4Hdr));
    src = ip->src;
    dst = ip->dst;
    sport = ports[0];
    dport = ports[1];
    proto = ip->protocol;
    return true;
}

}  // namespace dvs::dataplane
