#pragma once
// A parsed view over one Ethernet frame held in contiguous memory.
//
// parse_frame() validates what the dataplane relies on (lengths, IHL, IP
// header checksum, L4 header present) so the rewrite functions can assume a
// well-formed packet. The view points into the caller's buffer; it owns
// nothing and is valid as long as the buffer is.

#include <cstddef>
#include <cstdint>

#include "packet/checksum.hpp"
#include "packet/drop_reason.hpp"
#include "packet/wire.hpp"

namespace dvs::dataplane {

enum class FrameKind : uint8_t {
    kIpv4,  // IPv4; l4 fields valid when has_ports
    kArp,
    kIpv6,     // IPv6 (packet/ipv6_view.hpp): l4 after the extension headers
    kDropped,  // see drop
};

struct PacketView {
    uint8_t* data = nullptr;
    uint32_t frame_len = 0;
    FrameKind kind = FrameKind::kDropped;
    DropReason drop = DropReason::kL2Malformed;

    EthHdr* eth = nullptr;
    union {
        Ipv4Hdr* ip = nullptr;  // kIpv4
        Ipv6Hdr* ip6;           // kIpv6 (the view stays as small as before)
    };
    uint8_t* l4 = nullptr;  // start of the L4 header (none in a later fragment)
    uint16_t l3_len = 0;    // IP total length (IPv6: 40 + payload length)
    uint16_t l4_len = 0;    // bytes from l4 to the end of the IP packet
    uint8_t proto = 0;
    bool has_ports = false;  // TCP or UDP with a complete header
    uint16_t src_port = 0;   // network byte order
    uint16_t dst_port = 0;   // network byte order
    uint8_t tcp_flags = 0;
    // kIpv6 fragments (not atomic ones): the fragment header's offset from
    // ip6, 0 for a whole packet. A later fragment has no l4 and no ports;
    // proto is the fragment header's next header (TCP or UDP).
    uint16_t frag6 = 0;

    ArpHdr* arp = nullptr;  // kArp

    TcpHdr* tcp() const { return reinterpret_cast<TcpHdr*>(l4); }
    UdpHdr* udp() const { return reinterpret_cast<UdpHdr*>(l4); }
    Ipv6FragHdr* frag6_hdr() const {
        return reinterpret_cast<Ipv6FragHdr*>(reinterpret_cast<uint8_t*>(ip6) + frag6);
    }
};

// FlowKey::of copies the two ports as one 4-byte word.
static_assert(offsetof(PacketView, dst_port) == offsetof(PacketView, src_port) + 2);

// `v` refused for reason `r` (what the parsers return).
inline PacketView dropped(PacketView v, DropReason r) {
    v.kind = FrameKind::kDropped;
    v.drop = r;
    return v;
}

// TCP flag sets no TCP sends (scans, and state-confusion attempts): SYN
// with FIN or RST would open a connection that is also closing (SYN counts
// as a new connection in the worker), and a segment with none of SYN, ACK,
// RST (null, FIN-only, "xmas") is invalid in every state (RFC 9293: every
// segment after the SYN carries ACK).
inline bool tcp_flags_invalid(uint8_t f) {
    return ((f & kTcpSyn) && (f & (kTcpFin | kTcpRst))) || !(f & (kTcpSyn | kTcpAck | kTcpRst));
}

// The full parse (packet_view.cpp), into a default-constructed `v`: every
// frame, with every check and its drop reason.
void parse_frame_into(PacketView& v, uint8_t* data, uint32_t len);

// The frame nearly every packet is: Ethernet, IPv4 with a 20-byte header,
// not a fragment, TCP or UDP with its whole header. Makes the checks the
// full parse makes of such a frame (lengths, header checksum, TTL, source
// address, TCP data offset and flags, UDP length), inline and in one pass,
// and fills `v` as the full parse would. Anything else, and anything a
// check would refuse, returns false with `v` untouched: the full parse
// then decides, and names the drop reason.
inline bool parse_plain_ipv4(PacketView& v, uint8_t* data, uint32_t len) {
    constexpr uint32_t kIpOff = sizeof(EthHdr);
    constexpr uint32_t kL4Off = kIpOff + sizeof(Ipv4Hdr);
    if (len < kL4Off + sizeof(UdpHdr)) return false;
    auto* eth = reinterpret_cast<EthHdr*>(data);
    auto* ip = reinterpret_cast<Ipv4Hdr*>(data + kIpOff);
    // Version 4 and IHL 5 in one compare; neither fragment field set.
    if (eth->ether_type != be16(kEtherTypeIpv4) || ip->version_ihl != 0x45) return false;
    if (ip->frag_off & be16(kIpFlagMoreFragments | kIpFragOffsetMask)) return false;
    const uint32_t l3_len = be16(ip->total_length);
    const uint8_t proto = ip->protocol;
    // Ethernet padding may follow the IP packet, never less than it.
    if (l3_len > len - kIpOff) return false;
    if (ip->ttl == 0) return false;
    const uint8_t src_a = reinterpret_cast<const uint8_t*>(&ip->src)[0];
    if (src_a == 0 || src_a == 127 || src_a >= 224) return false;
    if (ipv4_header_sum20(ip) != 0xffff) return false;
    uint8_t* l4 = data + kL4Off;
    uint8_t flags = 0;
    if (proto == kIpProtoTcp) {
        // l3_len covers the whole TCP header, and the frame covers l3_len.
        if (l3_len < sizeof(Ipv4Hdr) + sizeof(TcpHdr)) return false;
        const auto* tcp = reinterpret_cast<const TcpHdr*>(l4);
        const uint32_t doff = (tcp->data_off >> 4) * 4u;
        if (doff < sizeof(TcpHdr) || doff > l3_len - sizeof(Ipv4Hdr)) return false;
        flags = tcp->flags;
        if (tcp_flags_invalid(flags)) return false;
    } else if (proto == kIpProtoUdp) {
        if (l3_len < sizeof(Ipv4Hdr) + sizeof(UdpHdr)) return false;
        const uint32_t ulen = be16(reinterpret_cast<const UdpHdr*>(l4)->length);
        if (ulen < sizeof(UdpHdr) || ulen > l3_len - sizeof(Ipv4Hdr)) return false;
    } else {
        return false;
    }
    v.data = data;
    v.frame_len = len;
    v.kind = FrameKind::kIpv4;
    v.eth = eth;
    v.ip = ip;
    v.l4 = l4;
    v.l3_len = static_cast<uint16_t>(l3_len);
    v.l4_len = static_cast<uint16_t>(l3_len - sizeof(Ipv4Hdr));
    v.proto = proto;
    v.has_ports = true;
    // The ports sit at the same place in both headers.
    v.src_port = reinterpret_cast<const uint16_t*>(l4)[0];
    v.dst_port = reinterpret_cast<const uint16_t*>(l4)[1];
    v.tcp_flags = flags;
    return true;
}

// Parses `len` bytes at `data`. Never reads past data+len. The plain frame
// inline (parse_plain_ipv4), any other by the full parse.
inline PacketView parse_frame(uint8_t* data, uint32_t len) {
    PacketView v;
    if (!parse_plain_ipv4(v, data, len)) parse_frame_into(v, data, len);
    return v;
}

// The full parse alone, for every frame (tests compare parse_frame with it).
inline PacketView parse_frame_full(uint8_t* data, uint32_t len) {
    PacketView v;
    parse_frame_into(v, data, len);
    return v;
}

// A parsed view kept as offsets (6 bytes), so that it can travel with its
// packet (handoff rings, held fragments) and be restored without parsing
// again: parse once. Only for views parse_frame accepted (kIpv4 or kArp; an
// IPv6 packet that travels is parsed again: see handoff.hpp),
// over frame bytes unchanged since; the rest of the view follows from the
// headers the parse validated.
struct CompactView {
    FrameKind kind = FrameKind::kDropped;
    uint8_t l4_off = 0;  // from the frame start; 0: no L4 header (a later fragment)
    uint16_t l3_len = 0;
    uint8_t proto = 0;
    uint8_t tcp_flags = 0;
};

inline CompactView compact_view(const PacketView& v) {
    return {v.kind, v.l4 != nullptr ? static_cast<uint8_t>(v.l4 - v.data) : uint8_t{0}, v.l3_len,
            v.proto, v.tcp_flags};
}

inline PacketView restore_view(uint8_t* data, uint32_t len, const CompactView& c) {
    PacketView v;
    v.data = data;
    v.frame_len = len;
    v.kind = c.kind;
    v.eth = reinterpret_cast<EthHdr*>(data);
    if (c.kind == FrameKind::kArp) {
        v.arp = reinterpret_cast<ArpHdr*>(data + sizeof(EthHdr));
        return v;
    }
    v.ip = reinterpret_cast<Ipv4Hdr*>(data + sizeof(EthHdr));
    v.l3_len = c.l3_len;
    v.proto = c.proto;
    v.tcp_flags = c.tcp_flags;
    if (c.l4_off != 0) {
        v.l4 = data + c.l4_off;
        v.l4_len = static_cast<uint16_t>(c.l3_len - (c.l4_off - sizeof(EthHdr)));
        // An accepted TCP or UDP packet with its L4 header has complete ports,
        // at the same place in both headers.
        if (c.proto == kIpProtoTcp || c.proto == kIpProtoUdp) {
            v.has_ports = true;
            v.src_port = reinterpret_cast<const uint16_t*>(v.l4)[0];
            v.dst_port = reinterpret_cast<const uint16_t*>(v.l4)[1];
        }
    }
    return v;
}

}  // namespace dvs::dataplane
