#include "packet/tcp_reset.hpp"

#include <cstring>

#include "packet/checksum.hpp"
#include "packet/l4_checksum.hpp"

namespace dvs::dataplane {

namespace {

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
    auto* out = reinterpret_cast<uint8_t*>(v.ip) + sizeof(Ipv4Hdr);
    std::memcpy(out, &tcp, sizeof tcp);
    v.l4 = out;
    v.l3_len = sizeof(Ipv4Hdr) + sizeof(TcpHdr);
    v.l4_len = sizeof(TcpHdr);
    v.src_port = tcp.src_port;
    v.dst_port = tcp.dst_port;
    v.tcp_flags = tcp.flags;
    return v.l3_len;
}

}  // namespace

uint16_t tcp_reset_to_sender(PacketView& v) {
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
    return write_reset(v, v.ip->dst, v.ip->src, 64, rst);
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
