#pragma once
// Builds test frames byte by byte with full, independently computed
// checksums, and verifies checksums by recomputing from scratch.

#include <cstdint>
#include <random>
#include <vector>

#include "packet/checksum.hpp"
#include "packet/wire.hpp"

namespace dvs::test {

using namespace dvs::dataplane;

inline uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return be32((uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d);
}

// Straightforward RFC 1071 sum written independently of checksum.hpp.
inline uint16_t reference_checksum(const uint8_t* p, size_t n, uint32_t seed = 0) {
    uint64_t sum = seed;
    for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t{p[i]} << 8) | p[i + 1];
    if (n & 1) sum += uint32_t{p[n - 1]} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);  // host order
}

struct Frame {
    std::vector<uint8_t> bytes;
    uint8_t* data() { return bytes.data(); }
    uint32_t size() const { return static_cast<uint32_t>(bytes.size()); }
    Ipv4Hdr* ip() { return reinterpret_cast<Ipv4Hdr*>(bytes.data() + sizeof(EthHdr)); }
    uint8_t* l4() { return bytes.data() + sizeof(EthHdr) + sizeof(Ipv4Hdr); }
};

// proto: kIpProtoTcp or kIpProtoUdp. Addresses/ports in network order.
inline Frame make_frame(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                        const std::vector<uint8_t>& payload, uint8_t tcp_flags = kTcpAck,
                        bool udp_checksum = true) {
    const size_t l4h = proto == kIpProtoTcp ? sizeof(TcpHdr) : sizeof(UdpHdr);
    Frame f;
    f.bytes.assign(sizeof(EthHdr) + sizeof(Ipv4Hdr) + l4h + payload.size(), 0);
    auto* eth = reinterpret_cast<EthHdr*>(f.data());
    eth->ether_type = be16(kEtherTypeIpv4);
    Ipv4Hdr* ip = f.ip();
    ip->version_ihl = 0x45;
    ip->total_length = be16(static_cast<uint16_t>(sizeof(Ipv4Hdr) + l4h + payload.size()));
    ip->id = be16(0x1234);
    ip->ttl = 64;
    ip->protocol = proto;
    ip->src = src;
    ip->dst = dst;
    ip->checksum = 0;
    ip->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(ip), sizeof(Ipv4Hdr)));
    uint8_t* l4 = f.l4();
    std::copy(payload.begin(), payload.end(), l4 + l4h);
    const uint16_t l4_len = static_cast<uint16_t>(l4h + payload.size());
    if (proto == kIpProtoTcp) {
        auto* t = reinterpret_cast<TcpHdr*>(l4);
        t->src_port = sport;
        t->dst_port = dport;
        t->seq = be32(1000);
        t->data_off = 5 << 4;
        t->flags = tcp_flags;
        t->window = be16(65535);
    } else {
        auto* u = reinterpret_cast<UdpHdr*>(l4);
        u->src_port = sport;
        u->dst_port = dport;
        u->length = be16(l4_len);
    }
    // Pseudo-header sum (host order words).
    uint32_t pseudo = (be32(src) >> 16) + (be32(src) & 0xffff) + (be32(dst) >> 16) +
                      (be32(dst) & 0xffff) + proto + l4_len;
    const uint16_t c = reference_checksum(l4, l4_len, pseudo);
    if (proto == kIpProtoTcp) {
        reinterpret_cast<TcpHdr*>(l4)->checksum = be16(c);
    } else if (udp_checksum) {
        reinterpret_cast<UdpHdr*>(l4)->checksum = be16(c == 0 ? 0xffff : c);
    }
    return f;
}

// True when the IP header checksum verifies from scratch.
inline bool ip_checksum_ok(Frame& f) {
    return reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), sizeof(Ipv4Hdr)) == 0;
}

// True when the TCP/UDP checksum verifies from scratch (UDP 0 = none = ok).
inline bool l4_checksum_ok(Frame& f) {
    Ipv4Hdr* ip = f.ip();
    const uint16_t l4_len = static_cast<uint16_t>(be16(ip->total_length) - sizeof(Ipv4Hdr));
    if (ip->protocol == kIpProtoUdp && reinterpret_cast<UdpHdr*>(f.l4())->checksum == 0) {
        return true;
    }
    uint32_t pseudo = (be32(ip->src) >> 16) + (be32(ip->src) & 0xffff) + (be32(ip->dst) >> 16) +
                      (be32(ip->dst) & 0xffff) + ip->protocol + l4_len;
    return reference_checksum(f.l4(), l4_len, pseudo) == 0;
}

}  // namespace dvs::test
