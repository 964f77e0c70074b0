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

// Parses `len` bytes at `data`. Never reads past data+len.
PacketView parse_frame(uint8_t* data, uint32_t len);

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
