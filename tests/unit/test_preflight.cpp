// What --check and start-up warn about (control/preflight): health checks
// with no path to their target, ports whose interface is missing or down.
// The kernel is a fake probe here; e2e_check_config asks the real one.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"
#include "control/preflight.hpp"

using namespace dvs::control;

namespace {

const char* kYaml = R"(dataplane:
  eal: ["--no-pci", "--vdev=net_af_packet0,iface=wan,qdisc_bypass=0", "--vdev", "net_af_packet1,qdisc_bypass=0,iface=lan"]
ports:
  - { name: wan, device: net_af_packet0, addresses: [10.0.1.1/24] }
  - { name: lan, device: net_af_packet1, addresses: [10.0.0.1/24] }
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    health_check: { type: tcp, interval: 1s, timeout: 500ms }
    real_servers:
      - { address: 10.0.0.11, port: 8080 }
      - { address: 10.9.0.12, port: 8080, health_check: { fall: 2 } }
  - name: plain
    vip: 192.0.2.10
    port: 81
    protocol: tcp
    real_servers:
      - { address: 10.9.0.13, port: 8080 }
)";

// Routes only to 10.0.0.0/24; every interface up unless named.
KernelProbe fake(std::string missing = "", std::string down = "") {
    KernelProbe p;
    p.route_error = [](const dvs::IpAddress& a) -> std::optional<std::string> {
        if (a.is_v4() && (a.to_v4() >> 8) == ((10u << 16) | 0u)) return std::nullopt;
        return std::string("Network is unreachable");
    };
    p.interface_state = [missing, down](const std::string& name) {
        KernelProbe::Interface i;
        if (name == missing) i.exists = false;
        if (name == down) i.problem = "is down";
        return i;
    };
    return p;
}

}  // namespace

TEST_CASE("preflight: a check with no route warns at the check's line", "[config]") {
    const ParsedConfig parsed = parse_config_text(kYaml, "f.yaml");
    const auto w = preflight_warnings(parsed.config, parsed.positions, fake());
    REQUIRE(w.size() == 1);
    // The second server wrote its own health_check (line 14); the unchecked
    // service on 10.9.0.13 is not warned about.
    CHECK(w[0].text.rfind("f.yaml:14:", 0) == 0);
    CHECK(w[0].text.find("services[0].real_servers[1].health_check") != std::string::npos);
    CHECK(w[0].text.find("no path to real server 10.9.0.12") != std::string::npos);
    CHECK(w[0].text.find("Network is unreachable") != std::string::npos);
    CHECK_FALSE(w[0].stops_start);
}

TEST_CASE("preflight: the service's check line when the server has no override", "[config]") {
    std::string yaml = kYaml;
    yaml.replace(yaml.find("10.0.0.11"), 9, "10.9.0.11");
    const ParsedConfig parsed = parse_config_text(yaml, "f.yaml");
    const auto w = preflight_warnings(parsed.config, parsed.positions, fake());
    REQUIRE(w.size() == 2);
    CHECK(w[0].text.rfind("f.yaml:11:", 0) == 0);
    CHECK(w[0].text.find("services[0].health_check: service web") != std::string::npos);
}

TEST_CASE("preflight: the exception path carries checks: no route warning", "[config]") {
    ParsedConfig parsed = parse_config_text(kYaml, "f.yaml");
    parsed.config.exception_path.enabled = true;
    CHECK(preflight_warnings(parsed.config, parsed.positions, fake()).empty());
}

TEST_CASE("preflight: a missing interface stops start-up, a down one warns", "[config]") {
    ParsedConfig parsed = parse_config_text(kYaml, "f.yaml");
    parsed.config.services.clear();
    auto w = preflight_warnings(parsed.config, parsed.positions, fake("wan"));
    REQUIRE(w.size() == 1);
    CHECK(w[0].stops_start);
    CHECK(w[0].text.find("f.yaml:4:") == 0);
    CHECK(w[0].text.find("port wan: interface wan (net_af_packet0) does not exist") !=
          std::string::npos);
    w = preflight_warnings(parsed.config, parsed.positions, fake("", "lan"));
    REQUIRE(w.size() == 1);
    CHECK_FALSE(w[0].stops_start);
    CHECK(w[0].text.find("port lan: interface lan (net_af_packet1) is down") != std::string::npos);
}

TEST_CASE("preflight: the interface behind a device comes from its --vdev", "[config]") {
    DataplaneConfig d;
    d.eal = {"--vdev=net_af_packet0,iface=veth-lb,qdisc_bypass=0", "--vdev",
             "net_pcap0,iface=eth9"};
    CHECK(port_kernel_interface(d, "net_af_packet0") == "veth-lb");
    CHECK(port_kernel_interface(d, "net_pcap0") == "eth9");
    CHECK(port_kernel_interface(d, "net_af_packet1").empty());
    CHECK(port_kernel_interface(d, "0000:01:00.0").empty());
}

TEST_CASE("preflight: one warning per check, naming every server it covers", "[config]") {
    std::string yaml = kYaml;
    yaml.replace(yaml.find("10.0.0.11"), 9, "10.9.0.11");
    yaml.replace(yaml.find(", health_check: { fall: 2 }"), 27, "");
    const ParsedConfig parsed = parse_config_text(yaml, "f.yaml");
    const auto w = preflight_warnings(parsed.config, parsed.positions, fake());
    REQUIRE(w.size() == 1);
    CHECK(w[0].text.find("no path to real servers 10.9.0.11, 10.9.0.12 for its health_check") !=
          std::string::npos);
}

// Issue 15: the route check skipped IPv6 real servers, so a v6 pool with no
// route in dvsd's namespace went down at start with no warning.
TEST_CASE("preflight: an IPv6 real server with no route warns too", "[config]") {
    const char* yaml = R"(ports:
  - { name: lan, device: net_null0, addresses: [10.0.0.1/24, "2001:db8:1::1/64"] }
services:
  - name: web6
    vip: "2001:db8::10"
    port: 80
    protocol: tcp
    health_check: { type: tcp, interval: 1s, timeout: 500ms }
    real_servers:
      - { address: "2001:db8:1::11", port: 8080 }
      - { address: "2001:db8:9::12", port: 8080 }
)";
    const ParsedConfig parsed = parse_config_text(yaml, "f.yaml");
    KernelProbe p = fake();
    std::vector<std::string> asked;
    // Routes only to 2001:db8:1::/64 on the IPv6 side.
    p.route_error = [&asked](const dvs::IpAddress& a) -> std::optional<std::string> {
        asked.push_back(dvs::text::format_ip(a));
        if (a.is_v6() && a.bytes[5] == 1 && a.bytes[4] == 0) return std::nullopt;
        return std::string("Network is unreachable");
    };
    const auto w = preflight_warnings(parsed.config, parsed.positions, p);
    CHECK(asked == std::vector<std::string>{"2001:db8:1::11", "2001:db8:9::12"});
    REQUIRE(w.size() == 1);
    CHECK(w[0].text.rfind("f.yaml:8:", 0) == 0);
    CHECK(w[0].text.find("no path to real server 2001:db8:9::12 for its health_check") !=
          std::string::npos);
}

TEST_CASE("preflight: the kernel probe answers for IPv6 too", "[config]") {
    // ::1 is routable wherever lo is up (the unit-test namespace has it);
    // an IPv4 probe of an IPv6 address used to answer nothing at all.
    const KernelProbe k = kernel_probe();
    CHECK_FALSE(k.route_error(*dvs::text::parse_ip("127.0.0.1")));
    std::ifstream lo6("/proc/sys/net/ipv6/conf/lo/disable_ipv6");
    int disabled = 1;
    if (!(lo6 >> disabled) || disabled != 0) {
        WARN("IPv6 is off on lo here: the IPv6 probe is not asked");
        return;
    }
    CHECK_FALSE(k.route_error(*dvs::text::parse_ip("::1")));
}
