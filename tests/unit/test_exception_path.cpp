// The exception path's pure parts: the per-worker rate limit toward the
// kernel, what is done with each kind of frame the kernel sends, the config
// keys and their messages, and the commands that set the kernel side up.

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "control/config/config.hpp"
#include "control/config/config_writer.hpp"
#include "control/kernel_interface.hpp"
#include "dataplane/exception_path.hpp"
#include "packet/arp.hpp"
#include "packet/icmp6.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using namespace dvs::test;
using dvs::control::Config;
using dvs::control::load_config_text;

namespace {

constexpr uint64_t kHz = 1'000'000;  // ticks per second in these tests

const std::string kTwoPorts =
    "ports:\n"
    "  - { name: wan, device: net_null0, addresses: [10.0.1.1/24] }\n"
    "  - { name: lan, device: net_null1, addresses: [10.0.0.1/24, 10.0.0.2/24] }\n"
    "routes:\n"
    "  - { prefix: 0.0.0.0/0, via: 10.0.1.254, port: wan }\n";

Config load(const std::string& text) { return load_config_text(text, "t.yaml"); }

}  // namespace

TEST_CASE("token bucket: a full burst, then the rate", "[exception]") {
    TokenBucket b;
    b.configure(1000, 10, kHz, 0);  // 1000/s: one packet per 1000 ticks
    int passed = 0;
    for (int i = 0; i < 50; ++i) passed += b.take(0);
    CHECK(passed == 10);
    CHECK_FALSE(b.take(999));
    CHECK(b.take(1000));
    CHECK_FALSE(b.take(1000));
    // A long quiet spell saves no more than the burst.
    passed = 0;
    for (int i = 0; i < 50; ++i) passed += b.take(10 * kHz);
    CHECK(passed == 10);
}

TEST_CASE("token bucket: ten times the rate offered for a second", "[exception]") {
    TokenBucket b;
    b.configure(1000, 100, kHz, 0);
    int passed = 0;
    for (uint64_t t = 0; t < kHz; t += 100) passed += b.take(t);  // 10,000 offered
    CHECK(passed >= 1000 + 100 - 2);
    CHECK(passed <= 1000 + 100 + 1);
}

TEST_CASE("token bucket: rate 0 is no limit", "[exception]") {
    TokenBucket b;
    b.configure(0, 1, kHz, 0);
    for (int i = 0; i < 100000; ++i) REQUIRE(b.take(0));
}

TEST_CASE("frames from the kernel: route unicast IPv4, answer ARP requests, drop the rest",
          "[exception]") {
    Frame udp = make_frame(kIpProtoUdp, ip4(10, 0, 0, 1), ip4(10, 0, 0, 11), be16(40000),
                           be16(5353), std::vector<uint8_t>(20, 1));
    CHECK(classify_from_kernel(parse_frame(udp.data(), udp.size())) == FromKernel::kRoute);

    Frame mdns = make_frame(kIpProtoUdp, ip4(10, 0, 0, 1), ip4(224, 0, 0, 251), be16(5353),
                            be16(5353), std::vector<uint8_t>(20, 1));
    CHECK(classify_from_kernel(parse_frame(mdns.data(), mdns.size())) == FromKernel::kMulticast);
    Frame bcast = make_frame(kIpProtoUdp, ip4(10, 0, 0, 1), ip4(255, 255, 255, 255), be16(68),
                             be16(67), std::vector<uint8_t>(20, 1));
    CHECK(classify_from_kernel(parse_frame(bcast.data(), bcast.size())) == FromKernel::kMulticast);
    // VRRP adverts leave for the wire (ha.interface on a port's tap, issue
    // 16); another protocol to the same group does not.
    Frame vrrp = make_frame(kIpProtoVrrp, ip4(10, 0, 0, 3), ip4(224, 0, 0, 18), 0, 0,
                            std::vector<uint8_t>(20, 1));
    CHECK(classify_from_kernel(parse_frame(vrrp.data(), vrrp.size())) == FromKernel::kVrrp);
    Frame udp18 = make_frame(kIpProtoUdp, ip4(10, 0, 0, 3), ip4(224, 0, 0, 18), be16(1), be16(1),
                             std::vector<uint8_t>(20, 1));
    CHECK(classify_from_kernel(parse_frame(udp18.data(), udp18.size())) == FromKernel::kMulticast);

    uint8_t arp[kArpFrameLen];
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    arp_build_request(arp, mac, ip4(10, 0, 0, 1), ip4(10, 0, 0, 11));
    CHECK(classify_from_kernel(parse_frame(arp, sizeof arp)) == FromKernel::kArpRequest);
    PacketView reply = parse_frame(arp, sizeof arp);
    reply.arp->op = be16(kArpReply);
    CHECK(classify_from_kernel(reply) == FromKernel::kUnsupported);

    // An IPv4 packet labelled IPv6 is malformed; unicast IPv6 is routed
    // like IPv4 (issue 15).
    Frame mislabelled = udp;
    reinterpret_cast<EthHdr*>(mislabelled.data())->ether_type = be16(0x86dd);
    CHECK(classify_from_kernel(parse_frame(mislabelled.data(), mislabelled.size())) ==
          FromKernel::kMalformed);
    uint8_t v6[14 + 40 + 8] = {};
    reinterpret_cast<EthHdr*>(v6)->ether_type = be16(0x86dd);
    auto* ip6 = reinterpret_cast<Ipv6Hdr*>(v6 + 14);
    ip6->vtc_flow = be32(6u << 28);
    ip6->payload_len = be16(8);
    ip6->next_header = kIpProtoUdp;
    ip6->hop_limit = 64;
    ip6->src[0] = 0x20;  // 2000::1 -> 2000::2
    ip6->src[15] = 1;
    ip6->dst[0] = 0x20;
    ip6->dst[15] = 2;
    auto* u = reinterpret_cast<UdpHdr*>(v6 + 54);
    u->length = be16(8);
    u->checksum = be16(0x1234);  // not verified by the parse; only 0 is refused
    const PacketView p6 = parse_frame(v6, sizeof v6);
    REQUIRE(p6.kind == FrameKind::kIpv6);
    CHECK(classify_from_kernel(p6) == FromKernel::kRoute6);
    ip6->dst[0] = 0xff;  // ff00::2: multicast (MLD reports, router solicitations)
    CHECK(classify_from_kernel(parse_frame(v6, sizeof v6)) == FromKernel::kMulticast);
    // IPv6 VRRP adverts (next header 112 to ff02::12, from a link-local
    // address) leave for the wire as IPv4 ones do; UDP to that group and
    // VRRP to another group stay multicast.
    ip6->src[0] = 0xfe;  // fe80::1
    ip6->src[1] = 0x80;
    ip6->dst[1] = 0x02;  // ff02::12
    ip6->dst[15] = 0x12;
    ip6->hop_limit = 255;
    CHECK(classify_from_kernel(parse_frame(v6, sizeof v6)) == FromKernel::kMulticast);  // UDP
    ip6->next_header = kIpProtoVrrp;
    const PacketView advert6 = parse_frame(v6, sizeof v6);
    CHECK(is_vrrp_advert(advert6));
    CHECK(classify_from_kernel(advert6) == FromKernel::kVrrp);
    ip6->dst[15] = 0x01;  // ff02::1
    CHECK_FALSE(is_vrrp_advert(parse_frame(v6, sizeof v6)));
    CHECK(classify_from_kernel(parse_frame(v6, sizeof v6)) == FromKernel::kMulticast);

    Frame cut = udp;
    cut.ip()->total_length = be16(2000);  // longer than the frame
    const PacketView bad = parse_frame(cut.data(), cut.size());
    CHECK(classify_from_kernel(bad) == FromKernel::kMalformed);
    CHECK(bad.drop == DropReason::kIpMalformed);
}

TEST_CASE("the kernel's Neighbor Solicitations: answered, except its DAD probes", "[exception]") {
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    Ip6 src, target;
    src.b[0] = target.b[0] = 0x20;  // 2000::1 asks for 2000::11
    src.b[15] = 1;
    target.b[15] = 0x11;
    uint8_t ns[kNdSolicitFrameLen];
    nd_build_solicit(ns, mac, src, target);
    const PacketView v = parse_frame(ns, sizeof ns);
    REQUIRE(v.kind == FrameKind::kIpv6);
    CHECK(classify_from_kernel(v) == FromKernel::kNdSolicit);

    // The advertisement the dataplane writes: from the target, to the
    // kernel's address and MAC, with the wire port's MAC as the answer.
    const uint8_t wire_mac[6] = {2, 0, 0, 0, 0, 0x77};
    uint8_t na[kNdAdvertFrameLen];
    std::memcpy(na, ns, sizeof na);
    nd_advert_in_place(na, parse_frame(ns, sizeof ns), wire_mac);
    const PacketView a = parse_frame(na, sizeof na);
    REQUIRE(a.kind == FrameKind::kIpv6);
    CHECK(std::memcmp(a.eth->dst, mac, 6) == 0);
    CHECK(std::memcmp(a.ip6->dst, src.b, 16) == 0);
    const NdSender said = nd_sender(a);
    REQUIRE(said.found);
    CHECK(said.ip == target);
    CHECK(std::memcmp(said.mac, wire_mac, 6) == 0);

    // Duplicate address detection (from ::, no source link-layer option):
    // answering would tell the kernel its address is taken.
    uint8_t dad[kNdSolicitFrameLen];
    nd_build_solicit(dad, mac, Ip6{}, target);
    PacketView d = parse_frame(dad, sizeof dad);
    REQUIRE(d.kind == FrameKind::kIpv6);
    d.l4_len = sizeof(NdMessage);  // as the kernel sends it: no option
    CHECK(classify_from_kernel(d) == FromKernel::kMulticast);
}

TEST_CASE("ICMP errors quoting IP-in-IP stay with the dataplane", "[exception]") {
    // An ICMP port unreachable quoting a UDP packet, then the same quoting protocol 4.
    std::vector<uint8_t> payload(8 + 20 + 8, 0);
    payload[0] = 3;     // type: destination unreachable
    payload[1] = 3;     // code: port unreachable
    payload[8] = 0x45;  // quoted IPv4 header
    payload[8 + 9] = kIpProtoUdp;
    Frame f = make_frame(kIpProtoUdp, ip4(10, 0, 0, 11), ip4(10, 0, 0, 1), 0, 0, {});
    // Build the ICMP frame by hand: Ethernet + IP from f, our payload as L4.
    f.bytes.resize(sizeof(EthHdr) + sizeof(Ipv4Hdr));
    f.bytes.insert(f.bytes.end(), payload.begin(), payload.end());
    f.ip()->protocol = kIpProtoIcmp;
    f.ip()->total_length = be16(static_cast<uint16_t>(sizeof(Ipv4Hdr) + payload.size()));
    f.ip()->checksum = 0;
    f.ip()->checksum = be16(reference_checksum(reinterpret_cast<uint8_t*>(f.ip()), 20));
    // parse_frame verifies ICMP checksums.
    uint8_t* icmp = f.data() + sizeof(EthHdr) + sizeof(Ipv4Hdr);
    auto set_icmp_checksum = [&] {
        icmp[2] = icmp[3] = 0;
        const uint16_t c = reference_checksum(icmp, payload.size());
        icmp[2] = static_cast<uint8_t>(c >> 8);
        icmp[3] = static_cast<uint8_t>(c);
    };
    set_icmp_checksum();
    PacketView v = parse_frame(f.data(), f.size());
    REQUIRE(v.kind == FrameKind::kIpv4);
    CHECK_FALSE(icmp_error_quotes_ipip(v));
    icmp[8 + 9] = 4;
    set_icmp_checksum();
    v = parse_frame(f.data(), f.size());
    REQUIRE(v.kind == FrameKind::kIpv4);
    CHECK(icmp_error_quotes_ipip(v));
}

TEST_CASE("exception_path: off by default, keys and defaults", "[exception][config]") {
    const Config off = load(kTwoPorts);
    CHECK_FALSE(off.exception_path.enabled);
    CHECK(off.exception_path.rate_limit_pps == 10000);
    CHECK(off.exception_path.burst == 256);
    CHECK(off.exception_path.install_routes);
    CHECK(dvs::control::kernel_interface_name(off.ports[0]) == "dvs-wan");

    const Config on = load(kTwoPorts +
                           "exception_path: { enabled: true, rate_limit_pps: 0, burst: 1, "
                           "install_routes: false }\n");
    CHECK(on.exception_path.enabled);
    CHECK(on.exception_path.rate_limit_pps == 0);
    CHECK(on.exception_path.burst == 1);
    CHECK_FALSE(on.exception_path.install_routes);

    const Config named = load(
        "ports:\n  - { name: lan, device: net_null0, addresses: [10.0.0.1/24], "
        "kernel_interface: lb0 }\nexception_path: { enabled: true }\n");
    CHECK(dvs::control::kernel_interface_name(named.ports[0]) == "lb0");

    // Written and read back, every key survives.
    const Config back = load_config_text(dvs::control::config_to_yaml(on), "w.yaml");
    CHECK(back.exception_path.enabled);
    CHECK(back.exception_path.rate_limit_pps == 0);
    CHECK_FALSE(back.exception_path.install_routes);
    const Config back2 = load_config_text(dvs::control::config_to_yaml(named), "w.yaml");
    CHECK(back2.ports[0].kernel_interface == "lb0");
}

TEST_CASE("exception_path: mistakes name file, line, column and key", "[exception][config]") {
    REQUIRE_THROWS_WITH(load(kTwoPorts + "exception_path: { enabled: yes }\n"),
                        "t.yaml:6:28: exception_path.enabled: expected true or false, got 'yes'");
    REQUIRE_THROWS_WITH(load(kTwoPorts + "exception_path: { rate: 5 }\n"),
                        "t.yaml:6:19: exception_path: unknown key 'rate' (expected one of: "
                        "enabled, rate_limit_pps, burst, install_routes)");
    REQUIRE_THROWS_WITH(load(kTwoPorts + "exception_path: { rate_limit_pps: 20000000 }\n"),
                        "t.yaml:6:35: exception_path.rate_limit_pps: expected an integer "
                        "0..10000000, got '20000000'");
    REQUIRE_THROWS_WITH(load(kTwoPorts + "exception_path: { burst: 0 }\n"),
                        Catch::Contains("exception_path.burst: expected an integer 1..65536"));
    REQUIRE_THROWS_WITH(
        load("ports:\n  - { name: lan, device: d0, addresses: [10.0.0.1/24], "
             "kernel_interface: a-very-long-name0 }\n"),
        "t.yaml:2:74: ports[0].kernel_interface: 'a-very-long-name0' is not 1..15 characters "
        "long (a Linux interface name)");
    REQUIRE_THROWS_WITH(
        load("ports:\n  - { name: lan, device: d0, addresses: [10.0.0.1/24], "
             "kernel_interface: \"a b\" }\n"),
        Catch::Contains("ports[0].kernel_interface: 'a b' may contain only letters"));
    // Default names are checked only when the exception path is on.
    const std::string long_port =
        "ports:\n  - { name: outside-port1, device: d0, addresses: [10.0.0.1/24] }\n";
    CHECK_NOTHROW(load(long_port));
    REQUIRE_THROWS_WITH(load(long_port + "exception_path: { enabled: true }\n"),
                        "t.yaml:2:13: ports[0].name: the default kernel interface name "
                        "'dvs-outside-port1' is not 1..15 characters long (a Linux interface "
                        "name); set kernel_interface");
    REQUIRE_THROWS_WITH(
        load("ports:\n"
             "  - { name: a, device: d0, addresses: [10.0.0.1/24], kernel_interface: k0 }\n"
             "  - { name: b, device: d1, addresses: [10.0.1.1/24], kernel_interface: k0 }\n"
             "exception_path: { enabled: true }\n"),
        "t.yaml:3:72: ports[1].kernel_interface: kernel interface 'k0' is already used by port "
        "'a'");
}

TEST_CASE("kernel interface plan: a net_tap per port, its addresses, its routes", "[exception]") {
    const Config c = load(kTwoPorts + "exception_path: { enabled: true }\n");
    const auto plans = dvs::control::plan_kernel_interfaces(c);
    REQUIRE(plans.size() == 2);
    CHECK(plans[0].ifname == "dvs-wan");
    CHECK(plans[0].device == "net_tap_dvs0");
    CHECK(plans[0].devargs == "iface=dvs-wan");
    REQUIRE(plans[0].commands.size() == 3);
    CHECK(dvs::control::command_text(plans[0].commands[0].argv) ==
          "ip link set dev dvs-wan mtu 1500 up");
    CHECK(dvs::control::command_text(plans[0].commands[1].argv) ==
          "ip -4 addr add 10.0.1.1/24 dev dvs-wan");
    CHECK(dvs::control::command_text(plans[0].commands[2].argv) ==
          "ip -4 route add 0.0.0.0/0 via 10.0.1.254 dev dvs-wan");
    CHECK(plans[0].commands[1].required);
    CHECK_FALSE(plans[0].commands[2].required);  // the kernel may have a route of its own
    REQUIRE(plans[1].commands.size() == 3);      // link, two addresses, no route
    CHECK(dvs::control::command_text(plans[1].commands[2].argv) ==
          "ip -4 addr add 10.0.0.2/24 dev dvs-lan");

    const Config no_routes =
        load(kTwoPorts + "exception_path: { enabled: true, install_routes: false }\n");
    CHECK(dvs::control::plan_kernel_interfaces(no_routes)[0].commands.size() == 2);
}

TEST_CASE("kernel interface plan: IPv6 addresses without DAD, IPv6 routes", "[exception]") {
    const Config c = load(
        "ports:\n"
        "  - { name: wan, device: net_null0, addresses: [10.0.1.1/24, \"2001:db8:1::1/64\"] }\n"
        "  - { name: lan, device: net_null1, addresses: [10.0.0.1/24] }\n"
        "routes:\n"
        "  - { prefix: \"::/0\", via: \"2001:db8:1::fe\", port: wan }\n"
        "exception_path: { enabled: true }\n");
    const auto plans = dvs::control::plan_kernel_interfaces(c);
    REQUIRE(plans.size() == 2);
    REQUIRE(plans[0].commands.size() == 4);
    CHECK(dvs::control::command_text(plans[0].commands[2].argv) ==
          "ip -6 addr add 2001:db8:1::1/64 dev dvs-wan nodad");
    CHECK(plans[0].commands[2].required);
    CHECK(dvs::control::command_text(plans[0].commands[3].argv) ==
          "ip -6 route add ::/0 via 2001:db8:1::fe dev dvs-wan");
    CHECK_FALSE(plans[0].commands[3].required);
    CHECK(dvs::control::port_has_ipv6(c.ports[0]));
    CHECK_FALSE(dvs::control::port_has_ipv6(c.ports[1]));

    // A reload adds and removes IPv6 addresses the same way.
    Config b = c;
    b.ports[0].addresses.erase(b.ports[0].addresses.begin() + 1);
    b.ports[1].addresses.push_back(c.ports[0].addresses[1]);
    const auto changes = dvs::control::port_address_changes(c, b);
    REQUIRE(changes.size() == 2);
    const auto del = dvs::control::address_change_commands(changes[0], "dvs-wan");
    REQUIRE(del.size() == 1);
    CHECK(dvs::control::command_text(del[0].argv) == "ip -6 addr del 2001:db8:1::1/64 dev dvs-wan");
    const auto add = dvs::control::address_change_commands(changes[1], "dvs-lan");
    REQUIRE(add.size() == 1);
    CHECK(dvs::control::command_text(add[0].argv) ==
          "ip -6 addr add 2001:db8:1::1/64 dev dvs-lan nodad");
}

TEST_CASE("a reload's port address changes become ip addr del/add on the kernel interface",
          "[exception][restart]") {
    const Config a = load(kTwoPorts + "exception_path: { enabled: true }\n");
    Config b = a;
    b.ports[0].addresses.push_back(b.ports[1].addresses[0]);   // 10.0.0.1/24 on wan too
    b.ports[0].addresses.erase(b.ports[0].addresses.begin());  // 10.0.1.1/24 gone
    const auto changes = dvs::control::port_address_changes(a, b);
    REQUIRE(changes.size() == 1);
    const auto cmds = dvs::control::address_change_commands(changes[0], "dvs-wan");
    REQUIRE(cmds.size() == 2);
    CHECK(dvs::control::command_text(cmds[0].argv) == "ip -4 addr del 10.0.1.1/24 dev dvs-wan");
    CHECK(dvs::control::command_text(cmds[1].argv) == "ip -4 addr add 10.0.0.1/24 dev dvs-wan");
    CHECK_FALSE(cmds[0].required);
}

TEST_CASE("run_command reports the exit status and what the command printed", "[exception]") {
    CHECK(dvs::control::run_command({"true"}).empty());
    const std::string err = dvs::control::run_command({"sh", "-c", "echo oops >&2; exit 3"});
    CHECK(err == "exit status 3: oops");
    CHECK_THAT(dvs::control::run_command({"/nonexistent/cmd"}),
               Catch::Contains("cannot run /nonexistent/cmd"));
}
