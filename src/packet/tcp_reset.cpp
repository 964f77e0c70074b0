#include "packet/tcp_reset.hpp"

#include <cstring>

#include "packet/checksum.hpp"
#include "packet/ipv6_view.hpp"
#include "packet/l4_checksum.hpp"

namespace dvs::dataplane {

namespace {

// Puts the finished reset header at `out`, right behind the IP header
// (whose options or extension headers are gone), and the view on it.
uint16_t place_reset(PacketView& v, uint8_t* out, const TcpHdr& tcp) {
    std::memcpy(out, &tcp, sizeof tcp);
    v.l4 = out;
    v.l3_len = static_cast<uint16_t>(out - reinterpret_cast<uint8_t*>(v.ip) + sizeof(TcpHdr));
    v.l4_len = sizeof(TcpHdr);
    v.src_port = tcp.src_port;
    v.dst_port = tcp.dst_port;
    v.tcp_flags = tcp.flags;
    return v.l3_len;
}

// Writes IPv4 (no options) + `tcp` at v.ip, with the TCP checksum computed.
uint16_t write_reset(PacketView& v, uint32_t src, uint32_t dst, uint8_t ttl, TcpHdr tcp) {
    Ipv4Hdr& ip = *v.ip;
    ip.version_ihl = 0x45;  // options, if any, are not ours to repeat
    ip.tos = 0;
    ip.total_length = be16(sizeof(Ipv4Hdr) + sizeof(TcpHdr));
    ip.id = 0;
    ip.frag_off = be16(kIpFlagDontFragment);
    ip.ttl = ttl;
    ip.protocol = kIpProtoTcp;
    ip.src = src;
    ip.dst = dst;
    ip.checksum = 0;
    ip.checksum = csum_compute(&ip, sizeof(Ipv4Hdr));

    tcp.data_off = (sizeof(TcpHdr) / 4) << 4;
    tcp.window = 0;
    tcp.urgent = 0;
    tcp.checksum = 0;
    tcp.checksum =
        csum_compute(&tcp, sizeof tcp, pseudo_header_sum(ip, kIpProtoTcp, sizeof(TcpHdr)));

    // The TCP header moves up when the IP header had options.
    return place_reset(v, reinterpret_cast<uint8_t*>(v.ip) + sizeof(Ipv4Hdr), tcp);
}

// The reset answering the segment `v` (ports swapped): its sequence number
// is the segment's ack, or it acknowledges the segment (RST|ACK).
TcpHdr reset_answering(const PacketView& v) {
    const auto* in = reinterpret_cast<const TcpHdr*>(v.l4);
    TcpHdr rst{};
    rst.src_port = in->dst_port;
    rst.dst_port = in->src_port;
    if (v.tcp_flags & kTcpAck) {
        rst.seq = in->ack;
        rst.flags = kTcpRst;
    } else {
        // Data, SYN and FIN each take sequence numbers.
        const uint32_t data_len = v.l4_len - (in->data_off >> 4) * 4u;
        const uint32_t len =
            data_len + ((v.tcp_flags & kTcpSyn) ? 1 : 0) + ((v.tcp_flags & kTcpFin) ? 1 : 0);
        rst.ack = be32(be32(in->seq) + len);
        rst.flags = kTcpRst | kTcpAck;
    }
    rst.data_off = (sizeof(TcpHdr) / 4) << 4;
    return rst;
}

}  // namespace

uint16_t tcp_reset_to_sender(PacketView& v) {
    return write_reset(v, v.ip->dst, v.ip->src, 64, reset_answering(v));
}

uint16_t tcp6_reset_to_sender(PacketView& v) {
    TcpHdr rst = reset_answering(v);
    Ipv6Hdr& ip = *v.ip6;
    uint8_t src[16];
    std::memcpy(src, ip.src, 16);
    std::memcpy(ip.src, ip.dst, 16);
    std::memcpy(ip.dst, src, 16);
    ip.vtc_flow = be32(6u << 28);
    ip.payload_len = be16(sizeof(TcpHdr));
    ip.next_header = kIpProtoTcp;  // extension headers, if any, are not ours to repeat
    ip.hop_limit = 64;
    rst.checksum = 0;
    rst.checksum = csum_compute(&rst, sizeof rst, ipv6_pseudo_sum(ip, sizeof rst, kIpProtoTcp));
    return place_reset(v, reinterpret_cast<uint8_t*>(v.ip6) + sizeof(Ipv6Hdr), rst);
}

uint16_t tcp_reset_onward(PacketView& v) {
    const auto* in = reinterpret_cast<const TcpHdr*>(v.l4);
    TcpHdr rst{};
    rst.src_port = in->src_port;
    rst.dst_port = in->dst_port;
    rst.seq = in->seq;
    rst.flags = kTcpRst;
    return write_reset(v, v.ip->src, v.ip->dst, v.ip->ttl, rst);
}

}  // namespace dvs::dataplane
