// parse_frame's inline path for the plain frame (parse_plain_ipv4) against
// the full parse (parse_frame_into): the same view for every frame, and the
// inline path taken for the frames it is there for. Hostile frames must
// reach the full parse's checks, so each check the inline path repeats is
// broken here one at a time, and frames are cut at every length and
// mutated byte by byte (with the IP checksum made right again, so the
// mutation reaches the checks after it).
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "packet/packet_view.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using namespace dvs::test;

namespace {

// The first field in which two views differ, or "" when none does.
std::string differs(const PacketView& a, const PacketView& b) {
    if (a.data != b.data) return "data";
    if (a.frame_len != b.frame_len) return "frame_len";
    if (a.kind != b.kind) return "kind";
    if (a.drop != b.drop) return "drop";
    if (a.eth != b.eth) return "eth";
    if (a.ip != b.ip) return "ip";
    if (a.l4 != b.l4) return "l4";
    if (a.l3_len != b.l3_len) return "l3_len";
    if (a.l4_len != b.l4_len) return "l4_len";
    if (a.proto != b.proto) return "proto";
    if (a.has_ports != b.has_ports) return "has_ports";
    if (a.src_port != b.src_port) return "src_port";
    if (a.dst_port != b.dst_port) return "dst_port";
    if (a.tcp_flags != b.tcp_flags) return "tcp_flags";
    if (a.frag6 != b.frag6) return "frag6";
    if (a.arp != b.arp) return "arp";
    return "";
}

// parse_frame (inline path first) and the full parse agree on `len` bytes.
std::string check_same(std::vector<uint8_t>& bytes, uint32_t len) {
    return differs(parse_frame(bytes.data(), len), parse_frame_full(bytes.data(), len));
}

void fix_ip_checksum(std::vector<uint8_t>& bytes) {
    if (bytes.size() < sizeof(EthHdr) + sizeof(Ipv4Hdr)) return;
    auto* ip = reinterpret_cast<Ipv4Hdr*>(bytes.data() + sizeof(EthHdr));
    const uint32_t ihl = (ip->version_ihl & 0x0f) * 4u;
    if (ihl < sizeof(Ipv4Hdr) || sizeof(EthHdr) + ihl > bytes.size()) return;
    ip->checksum = 0;
    ip->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(ip), ihl));
}

// The frames the inline path is for.
std::vector<Frame> plain_frames() {
    const uint32_t client = ip4(198, 51, 100, 7);
    const uint32_t vip = ip4(192, 0, 2, 10);
    std::vector<Frame> out;
    out.push_back(make_frame(kIpProtoTcp, client, vip, be16(40001), be16(80), {}, kTcpSyn));
    out.push_back(make_frame(kIpProtoTcp, client, vip, be16(40001), be16(80),
                             std::vector<uint8_t>(100, 0x5a), kTcpAck | 0x08));
    out.push_back(
        make_frame(kIpProtoUdp, client, vip, be16(5353), be16(53), std::vector<uint8_t>(33, 0x11)));
    out.push_back(make_frame(kIpProtoUdp, client, vip, be16(5353), be16(53), {}, 0, false));
    // Ethernet padding after a short IP packet (a 60-byte minimum frame).
    Frame padded = make_frame(kIpProtoUdp, client, vip, be16(1), be16(2), {1, 2});
    padded.bytes.resize(60, 0);
    out.push_back(padded);
    // TCP with options (data offset 8: 12 bytes of options in the segment).
    Frame opts = make_frame(kIpProtoTcp, client, vip, be16(40002), be16(443),
                            std::vector<uint8_t>(12, 0x01), kTcpSyn);
    reinterpret_cast<TcpHdr*>(opts.l4())->data_off = 8 << 4;
    out.push_back(opts);
    return out;
}

}  // namespace

TEST_CASE("parse_plain_ipv4 takes the plain frames and fills the view as the full parse does",
          "[hostile][parse]") {
    for (Frame& f : plain_frames()) {
        PacketView v;
        REQUIRE(parse_plain_ipv4(v, f.data(), f.size()));
        REQUIRE(differs(v, parse_frame_full(f.data(), f.size())) == "");
        REQUIRE(check_same(f.bytes, f.size()) == "");
    }
}

TEST_CASE("parse_plain_ipv4 leaves every other frame to the full parse", "[hostile][parse]") {
    struct Case {
        const char* what;
        void (*change)(std::vector<uint8_t>&);
    };
    const Case cases[] = {
        {"IP options (IHL 6)",
         [](std::vector<uint8_t>& b) {
             // 4 bytes of options in front of the L4 header, lengths kept right.
             b.insert(b.begin() + sizeof(EthHdr) + sizeof(Ipv4Hdr), {1, 1, 1, 0});
             auto* ip = reinterpret_cast<Ipv4Hdr*>(b.data() + sizeof(EthHdr));
             ip->version_ihl = 0x46;
             ip->total_length = be16(static_cast<uint16_t>(be16(ip->total_length) + 4));
         }},
        {"IHL 4", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr)] = 0x44; }},
        {"version 6 in an IPv4 frame", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr)] = 0x65; }},
        {"more fragments", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 6] |= 0x20; }},
        {"fragment offset 1", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 7] = 1; }},
        {"fragment offset 8192 bytes", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 6] = 4; }},
        {"TTL 0", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 8] = 0; }},
        {"source 0/8", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 12] = 0; }},
        {"source 127/8", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 12] = 127; }},
        {"source 224/4", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 12] = 224; }},
        {"source 255.x", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 12] = 255; }},
        {"total length past the frame",
         [](std::vector<uint8_t>& b) {
             auto* ip = reinterpret_cast<Ipv4Hdr*>(b.data() + sizeof(EthHdr));
             ip->total_length = be16(static_cast<uint16_t>(b.size() - sizeof(EthHdr) + 1));
         }},
        {"total length 27",
         [](std::vector<uint8_t>& b) {
             reinterpret_cast<Ipv4Hdr*>(b.data() + sizeof(EthHdr))->total_length = be16(27);
         }},
        {"total length 39",
         [](std::vector<uint8_t>& b) {
             reinterpret_cast<Ipv4Hdr*>(b.data() + sizeof(EthHdr))->total_length = be16(39);
         }},
        {"ICMP", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 9] = kIpProtoIcmp; }},
        {"GRE", [](std::vector<uint8_t>& b) { b[sizeof(EthHdr) + 9] = 47; }},
        {"TCP as UDP / UDP as TCP",
         [](std::vector<uint8_t>& b) {
             uint8_t& p = b[sizeof(EthHdr) + 9];
             p = p == kIpProtoTcp ? kIpProtoUdp : kIpProtoTcp;
         }},
        {"VLAN tag (802.1Q, not parsed)",
         [](std::vector<uint8_t>& b) {
             b.insert(b.begin() + 12, {0x81, 0x00, 0x00, 0x05});
         }},
        {"ARP ether type", [](std::vector<uint8_t>& b) { b[13] = 0x06; }},
        {"IPv6 ether type",
         [](std::vector<uint8_t>& b) {
             b[12] = 0x86;
             b[13] = 0xdd;
         }},
    };
    for (Frame base : plain_frames()) {
        for (const Case& c : cases) {
            for (bool fix : {true, false}) {
                std::vector<uint8_t> b = base.bytes;
                c.change(b);
                if (fix) fix_ip_checksum(b);
                INFO(c.what << (fix ? "" : ", IP checksum not fixed"));
                REQUIRE(check_same(b, static_cast<uint32_t>(b.size())) == "");
            }
        }
        // The IP header checksum wrong by one.
        std::vector<uint8_t> b = base.bytes;
        b[sizeof(EthHdr) + 10] ^= 1;
        REQUIRE(check_same(b, static_cast<uint32_t>(b.size())) == "");
    }
    // The L4 checks, on the frame they apply to.
    const uint32_t client = ip4(198, 51, 100, 7);
    const uint32_t vip = ip4(192, 0, 2, 10);
    for (uint8_t doff : {0, 4, 6, 15}) {
        Frame f = make_frame(kIpProtoTcp, client, vip, be16(1), be16(80), {}, kTcpAck);
        reinterpret_cast<TcpHdr*>(f.l4())->data_off = static_cast<uint8_t>(doff << 4);
        INFO("TCP data offset " << int{doff});
        REQUIRE(check_same(f.bytes, f.size()) == "");
    }
    for (int flags : {0, kTcpSyn | kTcpFin, kTcpSyn | kTcpRst, int{kTcpFin}, kTcpFin | 0x08}) {
        Frame f = make_frame(kIpProtoTcp, client, vip, be16(1), be16(80), {},
                             static_cast<uint8_t>(flags));
        INFO("TCP flags " << flags);
        REQUIRE(check_same(f.bytes, f.size()) == "");
    }
    for (uint16_t ulen : {0, 7, 8, 11, 12, 13, 0xffff}) {
        Frame f = make_frame(kIpProtoUdp, client, vip, be16(1), be16(53), {1, 2, 3, 4});
        reinterpret_cast<UdpHdr*>(f.l4())->length = be16(ulen);
        INFO("UDP length " << ulen);
        REQUIRE(check_same(f.bytes, f.size()) == "");
    }
}

TEST_CASE("parse_frame and the full parse agree on cut and mutated frames", "[hostile][parse]") {
    std::mt19937 rng(18);
    for (Frame& base : plain_frames()) {
        // Cut at every length: each bound the inline path checks.
        for (uint32_t len = 0; len <= base.size(); ++len) {
            INFO("cut to " << len << " of " << base.size());
            REQUIRE(check_same(base.bytes, len) == "");
        }
        // Every header byte (Ethernet, IP, TCP/UDP) set to values near its
        // edges, with the IP checksum made right again and left wrong.
        const size_t headers = std::min<size_t>(base.size(), sizeof(EthHdr) + 60);
        for (size_t at = 0; at < headers; ++at) {
            const uint8_t was = base.bytes[at];
            const uint8_t values[] = {0,
                                      0xff,
                                      static_cast<uint8_t>(was ^ 0x01),
                                      static_cast<uint8_t>(was ^ 0x80),
                                      static_cast<uint8_t>(was ^ 0x10),
                                      static_cast<uint8_t>(rng())};
            for (uint8_t value : values) {
                for (bool fix : {true, false}) {
                    std::vector<uint8_t> b = base.bytes;
                    b[at] = value;
                    if (fix) fix_ip_checksum(b);
                    INFO("byte " << at << " = " << int{value} << (fix ? "" : ", unfixed"));
                    REQUIRE(check_same(b, static_cast<uint32_t>(b.size())) == "");
                }
            }
        }
    }
}
