// The unsolicited Neighbor Advertisement a new VRRP master sends for its
// IPv6 addresses (RFC 4861 7.2.6, the IPv6 twin of a gratuitous ARP; issue
// 15), checked byte by byte with an independent checksum, then read back
// with the dataplane's own parser and ND learner, as a neighbour would.

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "packet/icmp6.hpp"
#include "packet/packet_view.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using namespace dvs::test;

TEST_CASE("unsolicited NA: all-nodes, hop limit 255, override without solicited, target LLA",
          "[icmp][ha]") {
    const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x02, 0x02};
    const uint8_t target_bytes[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const Ip6 target = Ip6::from(target_bytes);
    std::vector<uint8_t> frame(kNdAdvertFrameLen, 0xee);
    nd_build_unsolicited_advert(frame.data(), mac, target);
    REQUIRE(frame.size() == 14 + 40 + 24 + 8);
    const uint8_t* f = frame.data();

    // Ethernet: to 33:33:00:00:00:01 (ff02::1), from our MAC, IPv6.
    const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    CHECK(std::memcmp(f, all_nodes_mac, 6) == 0);
    CHECK(std::memcmp(f + 6, mac, 6) == 0);
    CHECK((f[12] == 0x86 && f[13] == 0xdd));

    // IPv6: version 6, payload 32, ICMPv6, hop limit 255, from the target
    // to ff02::1.
    const uint8_t* ip = f + 14;
    CHECK(ip[0] >> 4 == 6);
    CHECK((ip[4] << 8 | ip[5]) == 32);
    CHECK(ip[6] == 58);
    CHECK(ip[7] == 255);
    CHECK(std::memcmp(ip + 8, target_bytes, 16) == 0);
    const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    CHECK(std::memcmp(ip + 24, all_nodes, 16) == 0);

    // ICMPv6 136, code 0; flags R=0 S=0 O=1; the target; option 2 (target
    // link-layer address), length 1 (8 bytes), our MAC.
    const uint8_t* na = ip + 40;
    CHECK(na[0] == 136);
    CHECK(na[1] == 0);
    CHECK(na[4] == 0x20);
    CHECK((na[5] == 0 && na[6] == 0 && na[7] == 0));
    CHECK(std::memcmp(na + 8, target_bytes, 16) == 0);
    CHECK(na[24] == 2);
    CHECK(na[25] == 1);
    CHECK(std::memcmp(na + 26, mac, 6) == 0);

    // Checksum over the pseudo-header (source, destination, length 32,
    // next header 58) and the message, summed independently.
    std::vector<uint8_t> pseudo(ip + 8, ip + 40);
    pseudo.insert(pseudo.end(), {0, 0, 0, 32, 0, 0, 0, 58});
    pseudo.insert(pseudo.end(), na, na + 32);
    CHECK(reference_checksum(pseudo.data(), pseudo.size()) == 0);

    // What a neighbour's ND code learns from it: valid, the target and MAC.
    const PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    REQUIRE(v.kind == FrameKind::kIpv6);
    const NdSender s = nd_sender(v);
    CHECK_FALSE(s.invalid);
    REQUIRE(s.found);
    CHECK(s.ip == target);
    CHECK(std::memcmp(s.mac, mac, 6) == 0);
}
