// Issue 19's messages, word for word: what an operator reads when a YAML
// file is mis-indented, a duration has no unit, a dvsadm change is refused,
// and what the audit and dry-run lines say about a change.
#include <catch2/catch.hpp>
#include <string>

#include "control/config/config.hpp"
#include "control/config/config_changes.hpp"
#include "control/config/config_writer.hpp"
#include "control/config/yaml_errors.hpp"
#include "control/config/yaml_loader.hpp"
#include "dvsadm/parser.hpp"

using namespace dvs::control;

namespace {

const std::string kHead =
    "ports:\n"                                                          // 1
    "  - { name: lan, device: net_null0, addresses: [10.0.0.1/24] }\n"  // 2
    "services:\n"                                                       // 3
    "  - name: web\n"                                                   // 4
    "    vip: 192.0.2.10\n"                                             // 5
    "    port: 80\n";                                                   // 6

std::string error_of(const std::string& text) {
    try {
        load_config_text(text, "t.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("messages: a key indented less than its siblings", "[config]") {
    CHECK(error_of(kHead + "   protocol: tcp\n    scheduler: wrr\n") ==
          "t.yaml:7:4: invalid YAML: bad indentation: 'protocol: tcp' starts at column 4, which "
          "matches no list or mapping above (line 6 starts at column 5); indent it like the "
          "entries it belongs with");
}

TEST_CASE("messages: a key indented more than its siblings", "[config]") {
    CHECK(error_of(kHead + "    protocol: tcp\n      scheduler: wrr\n") ==
          "t.yaml:8:7: invalid YAML: bad indentation: 'scheduler: wrr' starts at column 7, "
          "deeper than the keys beside it (line 7 starts at column 5); keys of one mapping "
          "start in the same column");
}

TEST_CASE("messages: a missing ':' is named on its own line, not the next", "[config]") {
    CHECK(error_of(kHead + "    protocol tcp\n    scheduler: wrr\n") ==
          "t.yaml:7:5: invalid YAML: 'protocol tcp' has no ':' (write key: value)");
}

TEST_CASE("messages: a tab in the indentation", "[config]") {
    CHECK(error_of("ports:\n  - name: a\n\tdevice: x\n") ==
          "t.yaml:3:1: invalid YAML: a tab in the indentation; YAML indents with spaces only");
}

TEST_CASE("messages: a duration without a unit is refused, saying what to write", "[config]") {
    const std::string text =
        kHead + "    protocol: tcp\n    health_check: { type: tcp, interval: 2 }\n";
    CHECK(error_of(text) ==
          "t.yaml:8:42: services[0].health_check.interval: a duration needs a unit: write 2s for "
          "seconds or 2ms for milliseconds (100ms..3600s), got 2");
    CHECK(error_of(kHead + "    protocol: tcp\n    health_check: { type: tcp, interval: 2s }\n") ==
          "(accepted)");
}

TEST_CASE("messages: a refused runtime change speaks dvsadm's terms", "[config]") {
    Config c = load_config_text(kHead +
                                    "    protocol: tcp\n    real_servers:\n"
                                    "      - { address: 10.0.0.12, port: 8080 }\n",
                                "t.yaml");
    c.source = "runtime change";
    CHECK(in_dvsadm_terms(c, "runtime change: services[0].real_servers[0].weight: too heavy") ==
          "-t 192.0.2.10:80 (web) -r 10.0.0.12:8080: weight: too heavy");
    CHECK(in_dvsadm_terms(c, "runtime change:25:20: services[0].scheduler: unknown") ==
          "-t 192.0.2.10:80 (web): scheduler: unknown");
    CHECK(in_dvsadm_terms(c, "runtime change: timeouts.tcp: bad") == "timeouts.tcp: bad");
}

TEST_CASE("messages: a change described in dvsadm's terms", "[config]") {
    const Config a = load_config_text(kHead +
                                          "    protocol: tcp\n    real_servers:\n"
                                          "      - { address: 10.0.0.12, port: 8080 }\n",
                                      "t.yaml");
    Config b = a;
    b.services[0].scheduler = "rr";
    b.services[0].real_servers[0].weight = 5;
    b.services[0].real_servers.push_back(b.services[0].real_servers[0]);
    b.services[0].real_servers[1].address = IpAddress::v4(0x0a00000d);
    b.timeouts.tcp = 600;
    CHECK(describe_changes(a, b) ==
          std::vector<std::string>{
              "--set: tcp 900 -> 600",
              "-E -t 192.0.2.10:80 (web): scheduler wrr -> rr",
              "-e -t 192.0.2.10:80 (web) -r 10.0.0.12:8080: weight 1 -> 5",
              "-a -t 192.0.2.10:80 (web) -r 10.0.0.13:8080 -m -w 5",
          });
    CHECK(describe_changes(b, a).back() == "-d -t 192.0.2.10:80 (web) -r 10.0.0.13:8080");
    CHECK(describe_changes(a, a).empty());
}

TEST_CASE("-S's # dvs: line carries the name and the checks back", "[config]") {
    const Config a = load_config_text(
        kHead +
            "    protocol: tcp\n"
            "    on_remove: reset\n"
            "    health_check: { type: http, path: /health, interval: 1s, timeout: 500ms }\n",
        "t.yaml");
    const std::string line = service_options_yaml(a.services[0]);
    CHECK(line.rfind("{ name: web, on_remove: reset, health_check: { type: http", 0) == 0);
    ServiceConfig s;
    s.name = "tcp-192_0_2_10-80";
    s.port = 80;
    apply_service_options_text(line, "x", s);
    CHECK(s.name == "web");
    CHECK(s.reset_on_remove);
    CHECK(s.health_check == a.services[0].health_check);
}

TEST_CASE("-S's # dvs: line carries an IPv6 sorry server back", "[config][ipv6]") {
    const Config a = load_config_text(
        "ports:\n  - { name: lan, device: net_null0, addresses: [\"2001:db8:2::1/64\"] }\n"
        "services:\n"
        "  - name: web6\n"
        "    vip: \"2001:db8:10::80\"\n"
        "    port: 80\n"
        "    protocol: tcp\n"
        "    sorry_server: { address: \"2001:db8:2::99\", port: 8080, forward: nat }\n",
        "t.yaml");
    const std::string line = service_options_yaml(a.services[0]);
    CHECK(
        line ==
        "{ name: web6, sorry_server: { address: \"2001:db8:2::99\", port: 8080, forward: nat } }");
    ServiceConfig s;
    s.name = "tcp-2001_db8_10__80-80";
    s.vip = a.services[0].vip;
    s.port = 80;
    apply_service_options_text(line, "x", s);
    CHECK(s.sorry_server == a.services[0].sorry_server);
    // Restored onto an IPv4 service: the family is checked here too.
    ServiceConfig v4;
    v4.vip = IpAddress::v4(0xc000020a);
    v4.port = 80;
    CHECK_THROWS_WITH(apply_service_options_text(line, "x", v4),
                      "x:1:40: sorry_server.address: sorry server 2001:db8:2::99 is not of the "
                      "VIP's family (192.0.2.10)");
}

TEST_CASE("-S's # dvs: -r line carries a real server's own checks back", "[config]") {
    const Config a = load_config_text(
        kHead +
            "    protocol: tcp\n"
            "    health_check: { type: http, path: /health, interval: 1s, timeout: 500ms }\n"
            "    real_servers:\n"
            "      - { address: 10.0.0.11, port: 8080,\n"
            "          health_check: { type: tcp, interval: 2s, timeout: 1s } }\n"
            "      - { address: 10.0.0.12, port: 8080 }\n",
        "t.yaml");
    const ServiceConfig& svc = a.services[0];
    const std::string line = server_options_yaml(svc.real_servers[0]);
    CHECK(line.rfind("{ health_check: { type: tcp", 0) == 0);
    CHECK(server_options_yaml(svc.real_servers[1]).empty());  // follows the service
    // -R: the -a line made the server with the service's check; the line overrides it.
    RealServerConfig rs = svc.real_servers[1];
    REQUIRE(rs.health_check == svc.health_check);
    apply_server_options_text(line, "x", svc, rs);
    CHECK(rs.health_check_override);
    CHECK(rs.health_check == svc.real_servers[0].health_check);
    CHECK_THROWS_WITH(apply_server_options_text("{ name: x }", "x", svc, rs),
                      Catch::Contains("name"));
}

TEST_CASE("dvsadm -R reads a # dvs: line; other comments stay comments", "[dvsadm]") {
    using namespace dvs::dvsadm;
    const auto cmd = parse_restore_line("# dvs: -t 192.0.2.10:80 { name: web }");
    REQUIRE(cmd);
    CHECK(cmd->verb == Verb::kServiceOptions);
    CHECK(cmd->service->port == 80);
    CHECK(cmd->service_options == "{ name: web }");
    CHECK_FALSE(cmd->server);
    const auto srv = parse_restore_line(
        "# dvs: -t 192.0.2.10:80 -r 10.0.0.11:8080 { health_check: { type: tcp } }");
    REQUIRE(srv);
    CHECK(srv->verb == Verb::kServiceOptions);
    REQUIRE(srv->server);
    CHECK(srv->server->port == 8080);
    CHECK(srv->service_options == "{ health_check: { type: tcp } }");
    CHECK_FALSE(parse_restore_line("# a comment"));
    CHECK_THROWS_WITH(parse_restore_line("# dvs: web"),
                      "a `# dvs:' line needs -t|-u VIP:PORT and { options }");
}

TEST_CASE("dvsadm reload --dry-run", "[dvsadm]") {
    using namespace dvs::dvsadm;
    CHECK(parse_command_line({"reload", "--dry-run"}).dry_run);
    CHECK_FALSE(parse_command_line({"reload"}).dry_run);
    CHECK_THROWS_WITH(parse_command_line({"reload", "--now"}),
                      "reload takes one of --dry-run or --restart (got `--now')");
}
