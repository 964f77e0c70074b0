#pragma once
// Wire formats of the headers the dataplane reads and writes. All multi-byte
// fields are in network byte order, as on the wire. Our own definitions (not
// rte_*.h) so the packet logic builds and tests without DPDK.

#include <cstdint>

namespace dvs::dataplane {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;

struct __attribute__((packed)) EthHdr {
    uint8_t dst[6];
    uint8_t src[6];
    uint16_t ether_type;
};
static_assert(sizeof(EthHdr) == 14);

struct __attribute__((packed)) Ipv4Hdr {
    uint8_t version_ihl;
    uint8_t tos;
    uint16_t total_length;
    uint16_t id;
    uint16_t frag_off;  // flags (3 bits) + offset (13 bits, 8-byte units)
    uint8_t ttl;
    uint8_t protocol;
    uint16_t checksum;
    uint32_t src;
    uint32_t dst;
};
static_assert(sizeof(Ipv4Hdr) == 20);
inline constexpr uint16_t kIpFlagMoreFragments = 0x2000;
inline constexpr uint16_t kIpFlagDontFragment = 0x4000;
inline constexpr uint16_t kIpFragOffsetMask = 0x1fff;

struct __attribute__((packed)) Ipv6Hdr {
    uint32_t vtc_flow;  // version (4 bits), traffic class (8), flow label (20)
    uint16_t payload_len;
    uint8_t next_header;
    uint8_t hop_limit;
    uint8_t src[16];
    uint8_t dst[16];
};
static_assert(sizeof(Ipv6Hdr) == 40);
inline constexpr uint8_t kIpv6HopByHop = 0;
inline constexpr uint8_t kIpv6Routing = 43;
inline constexpr uint8_t kIpv6FragmentHdr = 44;
inline constexpr uint8_t kIpv6DestOptions = 60;
// RFC 8200 4.5: the fragment header; offset in 8-byte units (13 bits), then
// 2 reserved bits and M (more fragments), as IPv4's offset.
struct __attribute__((packed)) Ipv6FragHdr {
    uint8_t next_header;  // the first header of the fragmentable part, in every fragment
    uint8_t reserved;
    uint16_t offset_m;  // offset << 3 | M
    uint32_t id;
};
static_assert(sizeof(Ipv6FragHdr) == 8);
inline constexpr uint8_t kIpProtoIcmpv6 = 58;
inline constexpr uint8_t kIpProtoIpv6 = 41;  // IPv6 in IPv6 (RFC 2473)
// RFC 8200 5: every link carries 1280-byte IPv6 packets.
inline constexpr uint16_t kIpv6MinMtu = 1280;

// ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861) message types.
inline constexpr uint8_t kIcmp6DestUnreachable = 1;
inline constexpr uint8_t kIcmp6CodePortUnreachable = 4;  // of Destination Unreachable
inline constexpr uint8_t kIcmp6PacketTooBig = 2;
inline constexpr uint8_t kIcmp6TimeExceeded = 3;
inline constexpr uint8_t kIcmp6ParamProblem = 4;
inline constexpr uint8_t kIcmp6EchoRequest = 128;
inline constexpr uint8_t kIcmp6EchoReply = 129;
inline constexpr uint8_t kMldQuery = 130;  // Multicast Listener Discovery (RFC 2710, 3810)
inline constexpr uint8_t kMldReport = 131;
inline constexpr uint8_t kMldDone = 132;
inline constexpr uint8_t kMld2Report = 143;
inline constexpr uint8_t kNdNeighborSolicit = 135;
inline constexpr uint8_t kNdNeighborAdvert = 136;
inline constexpr uint8_t kNdOptSourceLinkAddr = 1;
inline constexpr uint8_t kNdOptTargetLinkAddr = 2;

// Neighbor Solicitation and Advertisement share this layout: ICMPv6 type,
// code, checksum, 32 bits of flags (NA: router, solicited, override) or
// reserved (NS), the target address; options follow.
struct __attribute__((packed)) NdMessage {
    uint8_t type;
    uint8_t code;
    uint16_t checksum;
    uint32_t flags;
    uint8_t target[16];
};
static_assert(sizeof(NdMessage) == 24);
inline constexpr uint32_t kNaFlagSolicited = 0x40000000;  // host order
inline constexpr uint32_t kNaFlagOverride = 0x20000000;

struct __attribute__((packed)) TcpHdr {
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t data_off;
    uint8_t flags;
    uint16_t window;
    uint16_t checksum;
    uint16_t urgent;
};
static_assert(sizeof(TcpHdr) == 20);
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

struct __attribute__((packed)) UdpHdr {
    uint16_t src_port;
    uint16_t dst_port;
    uint16_t length;
    uint16_t checksum;
};
static_assert(sizeof(UdpHdr) == 8);

struct __attribute__((packed)) IcmpHdr {
    uint8_t type;
    uint8_t code;
    uint16_t checksum;
    uint16_t id;
    uint16_t seq;
};
static_assert(sizeof(IcmpHdr) == 8);
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpEchoRequest = 8;

struct __attribute__((packed)) ArpHdr {
    uint16_t htype;
    uint16_t ptype;
    uint8_t hlen;
    uint8_t plen;
    uint16_t op;
    uint8_t sha[6];
    uint32_t spa;
    uint8_t tha[6];
    uint32_t tpa;
};
static_assert(sizeof(ArpHdr) == 28);
inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;

// Byte order helpers usable in constexpr and hot code alike.
constexpr uint16_t be16(uint16_t v) { return __builtin_bswap16(v); }
constexpr uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }

}  // namespace dvs::dataplane
