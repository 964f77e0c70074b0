// The one text codec (common/text_codec.hpp): strict addresses, prefixes and
// MACs, and every enum name read back to the value it was written from.

#include <catch2/catch.hpp>
#include <string>

#include "common/text_codec.hpp"

using namespace dvs;

TEST_CASE("IPv4 addresses are four plain decimal fields", "[codec]") {
    CHECK(text::parse_ipv4("10.0.0.1") == 0x0a000001u);
    CHECK(text::parse_ipv4("0.0.0.0") == 0u);
    CHECK(text::parse_ipv4("255.255.255.255") == 0xffffffffu);
    for (const char* bad :
         {"010.0.0.1", "10.0.0.01", "00.0.0.0", "256.0.0.1", "10.0.0.256", "1000.0.0.1",
          "10.0.0.1 ", " 10.0.0.1", "10.0.0.1x", "10.0.0.1.", "10.0.0", "10..0.1", "10.0.0.",
          "+1.0.0.1", "-1.0.0.1", "0x0a.0.0.1", "1.2.3.4/24", ""}) {
        INFO(bad);
        CHECK_FALSE(text::parse_ipv4(bad));
    }
    CHECK(text::format_ipv4(0xc000020au) == "192.0.2.10");
    for (uint32_t a : {0u, 1u, 0x0a000001u, 0x7f000001u, 0xffffffffu}) {
        CHECK(text::parse_ipv4(text::format_ipv4(a)) == a);
    }
}

TEST_CASE("IPv4 prefixes: a strict address and a length 0..32", "[codec]") {
    const auto p = text::parse_ipv4_prefix("10.0.0.1/24");
    REQUIRE(p);
    CHECK(p->address == 0x0a000001u);  // host bits kept: port addresses need them
    CHECK(p->length == 24);
    CHECK(p->mask() == 0xffffff00u);
    CHECK(p->contains(0x0a0000feu));
    CHECK_FALSE(p->contains(0x0a000100u));
    CHECK(text::parse_ipv4_prefix("0.0.0.0/0")->mask() == 0);
    CHECK(text::parse_ipv4_prefix("1.2.3.4/32")->length == 32);
    for (const char* bad : {"10.0.0.1", "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/+8", "10.0.0.1/008",
                            "10.0.0.1/8x", "10.0.0.1/-1", "010.0.0.1/8", "/8", "10.0.0.1/2/4"}) {
        INFO(bad);
        CHECK_FALSE(text::parse_ipv4_prefix(bad));
    }
    CHECK(text::format_ipv4_prefix({0xc0a80000u, 16}) == "192.168.0.0/16");
    CHECK(text::is_contiguous_netmask(0xffffff00u));
    CHECK(text::is_contiguous_netmask(0));
    CHECK(text::is_contiguous_netmask(0xffffffffu));
    CHECK_FALSE(text::is_contiguous_netmask(0xff00ff00u));
}

TEST_CASE("MAC addresses are six two-digit hex fields", "[codec]") {
    const auto mac = text::parse_mac("fe:ED:00:aa:bb:CC");
    REQUIRE(mac);
    CHECK(*mac == MacAddress{0xfe, 0xed, 0x00, 0xaa, 0xbb, 0xcc});
    CHECK(text::format_mac(*mac) == "fe:ed:00:aa:bb:cc");
    for (const char* bad : {"fe:ed:00:aa:bb", "fe:ed:00:aa:bb:cc:dd", "fe-ed-00-aa-bb-cc",
                            "fe:ed:0:aa:bb:cc", "fe:ed:00:aa:bb:cg", "fe:ed:00:aa:bb:cc ", ""}) {
        INFO(bad);
        CHECK_FALSE(text::parse_mac(bad));
    }
}

TEST_CASE("enum names round-trip through their one table", "[codec]") {
    for (Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
        CHECK(text::parse_protocol(text::name(p)) == p);
    }
    for (ForwardMethod f : {ForwardMethod::kNat, ForwardMethod::kDr, ForwardMethod::kTun}) {
        CHECK(text::parse_forward_method(text::name(f)) == f);
    }
    for (CheckType t : {CheckType::kNone, CheckType::kTcp, CheckType::kHttp, CheckType::kUdp,
                        CheckType::kPing, CheckType::kExec}) {
        CHECK(text::parse_check_type(text::name(t)) == t);
    }
    for (FailureAction a : {FailureAction::kInhibit, FailureAction::kRemove}) {
        CHECK(text::parse_failure_action(text::name(a)) == a);
    }
    CHECK(text::name(Protocol::kUdp) == "udp");
    CHECK(text::name(ForwardMethod::kDr) == "dr");
    CHECK(text::name(CheckType::kHttp) == "http");
    CHECK(text::name(FailureAction::kRemove) == "remove");
    // Names are exact: no case folding, no surrounding space.
    CHECK_FALSE(text::parse_protocol("TCP"));
    CHECK_FALSE(text::parse_protocol("icmp"));
    CHECK_FALSE(text::parse_forward_method("nat "));
    CHECK_FALSE(text::parse_check_type("https"));
    CHECK_FALSE(text::parse_failure_action(""));
}

TEST_CASE("scheduler flags name their scheduler", "[codec]") {
    using text::SchedulerFlag;
    for (const char* scheduler : {"sh", "mh"}) {
        for (SchedulerFlag f : {SchedulerFlag::kFallback, SchedulerFlag::kPort}) {
            const std::string name = text::scheduler_flag_name(scheduler, f);
            const auto parsed = text::parse_scheduler_flag(name);
            REQUIRE(parsed);
            CHECK(parsed->scheduler == scheduler);
            CHECK(parsed->flag == f);
        }
    }
    CHECK(text::scheduler_flag_name("mh", SchedulerFlag::kPort) == "mh-port");
    for (const char* bad : {"rr-port", "sh-fast", "sh", "shfallback", "sh-port-x", "-port", ""}) {
        INFO(bad);
        CHECK_FALSE(text::parse_scheduler_flag(bad));
    }
}

TEST_CASE("durations are written in whole seconds when they can be", "[codec]") {
    CHECK(text::format_duration_ms(2000) == "2s");
    CHECK(text::format_duration_ms(500) == "500ms");
    CHECK(text::format_duration_ms(0) == "0s");
}

namespace {
std::array<uint8_t, 16> v6(std::initializer_list<uint16_t> groups) {
    std::array<uint8_t, 16> a{};
    std::size_t i = 0;
    for (uint16_t g : groups) {
        a[i++] = static_cast<uint8_t>(g >> 8);
        a[i++] = static_cast<uint8_t>(g);
    }
    return a;
}
}  // namespace

TEST_CASE("IPv6 addresses: RFC 4291 text in, RFC 5952 text out", "[codec]") {
    CHECK(text::parse_ipv6("2001:db8::1") == v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}));
    CHECK(text::parse_ipv6("::") == v6({0, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(text::parse_ipv6("::1") == v6({0, 0, 0, 0, 0, 0, 0, 1}));
    CHECK(text::parse_ipv6("fe80::") == v6({0xfe80, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(text::parse_ipv6("2001:DB8:0:0:0:0:0:10") == v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10}));
    CHECK(text::parse_ipv6("0:0:0:0:0:0:0:0") == v6({0, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(text::parse_ipv6("1:2:3:4:5:6:7::") == v6({1, 2, 3, 4, 5, 6, 7, 0}));
    CHECK(text::parse_ipv6("::ffff:192.0.2.1") == v6({0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}));
    CHECK(text::parse_ipv6("1:2:3:4:5:6:10.0.0.1") == v6({1, 2, 3, 4, 5, 6, 0x0a00, 1}));
    for (const char* bad : {"",
                            ":",
                            ":::",
                            "1:2:3:4:5:6:7",
                            "1:2:3:4:5:6:7:8:9",
                            "1::2::3",
                            ":1::2",
                            "1::2:",
                            "12345::",
                            "g::1",
                            "1:2:3:4:5:6:7:8::",
                            "::1:2:3:4:5:6:7:8",
                            "[::1]",
                            "fe80::1%eth0",
                            "::1.2.3.4:5",
                            "1.2.3.4::",
                            "::256.0.0.1",
                            "1:2:3:4:5:6:7:1.2.3.4",
                            " ::1",
                            "::1 ",
                            "2001:db8::1/64"}) {
        INFO(bad);
        CHECK_FALSE(text::parse_ipv6(bad));
    }
    // RFC 5952: lower case, no leading zeros, the longest zero run (first of
    // equals) compressed, a single zero group never.
    CHECK(text::format_ipv6(v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})) == "2001:db8::1");
    CHECK(text::format_ipv6(v6({0, 0, 0, 0, 0, 0, 0, 0})) == "::");
    CHECK(text::format_ipv6(v6({0, 0, 0, 0, 0, 0, 0, 1})) == "::1");
    CHECK(text::format_ipv6(v6({0xfe80, 0, 0, 0, 0, 0, 0, 0})) == "fe80::");
    CHECK(text::format_ipv6(v6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1})) == "2001:db8:0:1:1:1:1:1");
    CHECK(text::format_ipv6(v6({0x2001, 0, 0, 1, 0, 0, 0, 1})) == "2001:0:0:1::1");
    CHECK(text::format_ipv6(v6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1})) == "2001:db8::1:0:0:1");
    CHECK(text::format_ipv6(v6({0x2001, 0xDB8, 0xABCD, 0x12, 0, 0, 0, 0})) == "2001:db8:abcd:12::");
    for (const char* round : {"2001:db8::10", "::", "::1", "1:2:3:4:5:6:7:8", "fe80::1:2",
                              "2001:db8:0:1:1:1:1:1", "::ffff:c000:201"}) {
        INFO(round);
        REQUIRE(text::parse_ipv6(round));
        CHECK(text::format_ipv6(*text::parse_ipv6(round)) == round);
    }
}

TEST_CASE("Family-aware addresses and prefixes", "[codec]") {
    const auto a4 = text::parse_ip("10.0.0.1");
    REQUIRE(a4);
    CHECK(a4->is_v4());
    CHECK(a4->to_v4() == 0x0a000001u);
    CHECK(*a4 == IpAddress::v4(0x0a000001u));
    CHECK(text::format_ip(*a4) == "10.0.0.1");
    CHECK(text::format_ip_bracketed(*a4) == "10.0.0.1");

    const auto a6 = text::parse_ip("2001:db8::10");
    REQUIRE(a6);
    CHECK(a6->is_v6());
    CHECK(text::format_ip(*a6) == "2001:db8::10");
    CHECK(text::format_ip_bracketed(*a6) == "[2001:db8::10]");
    // The families never compare equal, whatever the bytes.
    CHECK(IpAddress::v4(0) != IpAddress::v6({}));
    CHECK(IpAddress::v6({}).is_unspecified());
    CHECK_FALSE(a6->is_unspecified());
    CHECK_FALSE(text::parse_ip("10.0.0.1:80"));
    CHECK_FALSE(text::parse_ip("[2001:db8::1]"));

    const auto p6 = text::parse_ip_prefix("2001:db8:1::1/64");
    REQUIRE(p6);
    CHECK(p6->length == 64);
    CHECK(p6->address == *text::parse_ip("2001:db8:1::1"));  // host bits kept
    CHECK(p6->network() == *text::parse_ip("2001:db8:1::"));
    CHECK(p6->contains(*text::parse_ip("2001:db8:1::ffff")));
    CHECK_FALSE(p6->contains(*text::parse_ip("2001:db8:2::1")));
    CHECK_FALSE(p6->contains(*a4));
    CHECK(text::parse_ip_prefix("2001:db8::/29")->network() == *text::parse_ip("2001:db8::"));
    CHECK(text::parse_ip_prefix("2001:dbf::/29")->network() == *text::parse_ip("2001:db8::"));
    CHECK(text::parse_ip_prefix("::/0")->contains(*a6));
    CHECK(text::format_ip_prefix(*p6) == "2001:db8:1::1/64");

    const auto p4 = text::parse_ip_prefix("10.0.0.1/24");
    REQUIRE(p4);
    CHECK(p4->to_v4() == Ipv4Prefix{0x0a000001u, 24});
    CHECK(p4->contains(IpAddress::v4(0x0a0000feu)));
    CHECK_FALSE(p4->contains(IpAddress::v4(0x0a000100u)));
    for (const char* bad : {"10.0.0.1/33", "2001:db8::/129", "2001:db8::/064",
                            "2001:db8::", "2001:db8::/", "/64", "2001:db8::/1000", "::/-1"}) {
        INFO(bad);
        CHECK_FALSE(text::parse_ip_prefix(bad));
    }
    CHECK(text::parse_ip_prefix("2001:db8::/128"));
}
