// Health-check configuration (keys, inheritance, messages, save-yaml round
// trip) and how the snapshot builder applies the checks' verdicts.

#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <string>

#include "control/config/config.hpp"
#include "control/config/config_writer.hpp"
#include "control/health/agent_check.hpp"
#include "control/health/health_overlay.hpp"
#include "control/snapshot_builder.hpp"

using namespace dvs::control;

namespace {

const std::string kHead =
    "ports:\n  - { name: lan, device: net_null0, addresses: [10.0.0.1/24] }\n"
    "services:\n"
    "  - name: web\n"
    "    vip: 192.0.2.10\n"
    "    port: 80\n"
    "    protocol: tcp\n";

Config load(const std::string& text) { return load_config_text(text, "h.yaml"); }

std::string error_of(const std::string& text) {
    try {
        load(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("health_check: service keys, per-server overrides and defaults", "[config]") {
    const Config c =
        load(kHead +
             "    health_check: { type: http, port: 8081, path: /health, expect_status: 204,\n"
             "                    expect_body: ok, interval: 500ms, timeout: 200ms,\n"
             "                    rise: 3, fall: 4, on_failure: remove }\n"
             "    agent_check: { port: 9999, interval: 1s }\n"
             "    sorry_server: { address: 10.0.0.99, port: 8080 }\n"
             "    real_servers:\n"
             "      - { address: 10.0.0.11, port: 8080 }\n"
             "      - { address: 10.0.0.12, port: 8080, health_check: { fall: 1 } }\n"
             "      - { address: 10.0.0.13, port: 8080, health_check: { type: tcp } }\n"
             "      - { address: 10.0.0.14, port: 8080, health_check: { type: none },\n"
             "          agent_check: { port: 7777 } }\n");
    const ServiceConfig& s = c.services[0];
    REQUIRE(s.health_check);
    CHECK(s.health_check->type == CheckType::kHttp);
    CHECK(s.health_check->port == 8081);
    CHECK(s.health_check->path == "/health");
    CHECK(s.health_check->expect_status == 204);
    CHECK(s.health_check->expect_body == "ok");
    CHECK(s.health_check->interval_ms == 500);
    CHECK(s.health_check->timeout_ms == 200);
    CHECK(s.health_check->rise == 3);
    CHECK(s.health_check->fall == 4);
    CHECK(s.health_check->on_failure == FailureAction::kRemove);
    REQUIRE(s.sorry_server);
    CHECK(s.sorry_server->address == IpAddress::v4(0x0a000063));
    CHECK(s.sorry_server->port == 8080);

    const auto& rs = s.real_servers;
    CHECK(rs[0].health_check == s.health_check);  // inherited
    CHECK_FALSE(rs[0].health_check_override);
    CHECK(rs[1].health_check->fall == 1);  // one key overridden, the rest inherited
    CHECK(rs[1].health_check->path == "/health");
    // Another type keeps the timing keys only.
    CHECK(rs[2].health_check->type == CheckType::kTcp);
    CHECK(rs[2].health_check->port == 0);
    CHECK(rs[2].health_check->interval_ms == 500);
    CHECK(rs[2].health_check->on_failure == FailureAction::kRemove);
    CHECK_FALSE(rs[3].health_check);  // type: none
    CHECK(rs[3].agent_check->port == 7777);
    CHECK(rs[3].agent_check->interval_ms == 1000);
    CHECK(rs[0].agent_check->port == 9999);

    // Defaults.
    const Config d = load(
        kHead + "    health_check: { type: tcp }\n    real_servers: [{ address: 10.0.0.11 }]\n");
    const HealthCheckConfig& h = *d.services[0].real_servers[0].health_check;
    CHECK(h.interval_ms == 2000);
    CHECK(h.timeout_ms == 1000);
    CHECK(h.rise == 2);
    CHECK(h.fall == 3);
    CHECK(h.on_failure == FailureAction::kInhibit);
}

TEST_CASE("health_check: mistakes are named with file, line, column and key", "[config]") {
    CHECK(
        error_of(kHead + "    health_check: { type: smtp }\n") ==
        "h.yaml:8:27: services[0].health_check.type: expected tcp, http, udp, ping, exec or none, "
        "got 'smtp'");
    CHECK(error_of(kHead + "    health_check: { type: tcp, path: /x }\n") ==
          "h.yaml:8:38: services[0].health_check.path: applies to type http only, not tcp");
    CHECK(error_of(kHead + "    health_check: { type: udp }\n") ==
          "h.yaml:8:27: services[0].health_check.type: a udp check needs 'send' (the datagram to "
          "send)");
    CHECK(error_of(kHead + "    health_check: { type: exec }\n") ==
          "h.yaml:8:27: services[0].health_check.type: an exec check needs 'command'");
    CHECK(error_of(kHead + "    health_check: { type: tcp, interval: 1s, timeout: 2s }\n") ==
          "h.yaml:8:55: services[0].health_check.timeout: timeout 2s is longer than interval 1s");
    CHECK(error_of(kHead + "    health_check: { type: tcp, interval: 50ms }\n") ==
          "h.yaml:8:42: services[0].health_check.interval: expected a duration like 2s or 500ms, "
          "100ms..3600s, got '50ms'");
    CHECK(
        error_of(kHead + "    health_check: { type: tcp, on_failure: drop }\n") ==
        "h.yaml:8:44: services[0].health_check.on_failure: expected inhibit or remove, got 'drop'");
    CHECK(error_of(kHead + "    health_check: { port: 80 }\n") ==
          "h.yaml:8:19: services[0].health_check: missing required key 'type'");
    CHECK(error_of(kHead + "    agent_check: { interval: 1s }\n") ==
          "h.yaml:8:18: services[0].agent_check: missing required key 'port'");
    CHECK(error_of(kHead + "    sorry_server: { address: 10.9.9.9 }\n") ==
          "h.yaml:8:30: services[0].sorry_server.address: sorry server 10.9.9.9 is not routable "
          "(not in a port's subnet and no route covers it)");
    CHECK(error_of(kHead + "    sorry_server: { address: 10.0.0.11 }\n"
                           "    real_servers: [{ address: 10.0.0.11 }]\n") ==
          "h.yaml:8:19: services[0].sorry_server: sorry server 10.0.0.11:80 is also a real server "
          "of the service");
    CHECK(error_of(
              kHead +
              "    real_servers:\n      - { address: 10.0.0.11, health_check: { fall: 1 } }\n") ==
          "h.yaml:9:45: services[0].real_servers[0].health_check: missing required key 'type'");
    CHECK(
        error_of(kHead + "    health_check: { type: tcp }\n    real_servers:\n"
                         "      - { address: 10.0.0.11, health_check: { fall: 0 } }\n") ==
        "h.yaml:10:53: services[0].real_servers[0].health_check.fall: expected an integer 1..100, "
        "got '0'");
}

TEST_CASE("health_check: save-yaml writes every check kind back to itself", "[config]") {
    const Config a = load(
        kHead +
        "    health_check: { type: udp, port: 5353, send: \"ping\\n\", expect: pong, interval: "
        "1500ms }\n"
        "    agent_check: { port: 9999, send: \"web\\n\" }\n"
        "    sorry_server: { address: 10.0.0.99, forward: dr }\n"
        "    real_servers:\n"
        "      - { address: 10.0.0.11 }\n"
        "      - { address: 10.0.0.12, health_check: { type: exec, command: \"test -e /tmp/x\" } "
        "}\n"
        "      - { address: 10.0.0.13, health_check: { type: ping, on_failure: remove } }\n"
        "      - { address: 10.0.0.14, health_check: { type: http, path: /h, expect_body: \"a "
        "\\\"b\\\"\" } }\n"
        "      - { address: 10.0.0.15, health_check: { type: none }, agent_check: { port: 1 } }\n");
    const std::string yaml = config_to_yaml(a);
    const Config b = load_config_text(yaml, "saved.yaml");
    CHECK(config_to_yaml(b) == yaml);
    REQUIRE(b.services[0].real_servers.size() == 5);
    for (size_t i = 0; i < 5; ++i) {
        INFO("real server " << i);
        CHECK(b.services[0].real_servers[i].health_check ==
              a.services[0].real_servers[i].health_check);
        CHECK(b.services[0].real_servers[i].agent_check ==
              a.services[0].real_servers[i].agent_check);
    }
    CHECK(b.services[0].health_check->send == "ping\n");
    CHECK(b.services[0].sorry_server == a.services[0].sorry_server);
}

TEST_CASE("agent answers: HAProxy's words and percentages", "[health]") {
    CHECK(parse_agent_reply("50%\n").percent == 50u);
    CHECK_FALSE(parse_agent_reply("50%").state);
    const AgentReply up = parse_agent_reply("UP 75%");
    CHECK(up.percent == 75u);
    CHECK(up.state == AgentState::kUp);
    CHECK(parse_agent_reply("drain").state == AgentState::kDrain);
    CHECK(parse_agent_reply("maxconn:30,ready").state == AgentState::kUp);
    for (const char* down : {"down", "fail", "failed", "stopped", "maint", "down#why"}) {
        INFO(down);
        if (std::string(down) == "down#why") {
            CHECK(parse_agent_reply(down).empty());  // not a word we know
        } else {
            CHECK(parse_agent_reply(down).state == AgentState::kDown);
        }
    }
    CHECK(parse_agent_reply("300%").empty());  // HAProxy's limit is 256%
    CHECK(parse_agent_reply("%").empty());
    CHECK(parse_agent_reply("hello world").empty());

    CHECK(scaled_weight(10, 50) == 5);
    CHECK(scaled_weight(3, 50) == 2);  // rounded
    CHECK(scaled_weight(1, 1) == 1);   // never 0 by rounding
    CHECK(scaled_weight(5, 0) == 0);
    CHECK(scaled_weight(0, 100) == 0);
    CHECK(scaled_weight(100, 256) == 256);
    CHECK(scaled_weight(65535, 200) == 65535);
}

TEST_CASE("snapshot: health verdicts inhibit, remove, scale and fall back to the sorry server",
          "[snapshot]") {
    const Config c = load(kHead +
                          "    scheduler: wrr\n"
                          "    sorry_server: { address: 10.0.0.99 }\n"
                          "    real_servers:\n"
                          "      - { address: 10.0.0.11, weight: 10 }\n"
                          "      - { address: 10.0.0.12, weight: 10 }\n"
                          "      - { address: 10.0.0.13, weight: 10 }\n"
                          "  - name: other\n"
                          "    vip: 192.0.2.11\n"
                          "    port: 80\n"
                          "    protocol: tcp\n"
                          "    scheduler: rr\n"
                          "    real_servers: [{ address: 10.0.0.21 }]\n");
    const auto healthy = build_snapshot(c, 1, 1);
    const auto& web0 = healthy->services[0];
    CHECK(web0.pool.size() == 3);  // the sorry server waits outside the pool
    const uint32_t sorry_id = 3;
    CHECK(healthy->real_servers[sorry_id].present);

    HealthOverlay overlay;
    overlay.servers.resize(2);
    overlay.servers[0].resize(3);
    overlay.servers[0][0].failed = true;  // inhibit
    overlay.servers[0][1].failed = true;
    overlay.servers[0][1].on_failure = FailureAction::kRemove;
    overlay.servers[0][2].percent = 50;
    const auto checked = build_snapshot(c, 1, 2, nullptr, healthy.get(), &overlay);
    const auto& web = checked->services[0];
    REQUIRE(web.pool.size() == 2);
    CHECK(web.pool[0] == 0);
    CHECK(checked->real_servers[0].weight == 0);
    CHECK(web.pool[1] == 2);
    CHECK(checked->real_servers[2].weight == 5);
    CHECK(checked->real_servers[1].present);  // removed from the pool, connections drain
    // The unaffected service keeps its scheduler instances (rr position).
    CHECK(checked->services[1].schedulers[0] == healthy->services[1].schedulers[0]);
    CHECK(web.schedulers[0] != web0.schedulers[0]);

    // Agent drain: weight 0 but still healthy, so no sorry server.
    overlay.servers[0][2] = ServerVerdict{};
    overlay.servers[0][2].drain = true;
    const auto drained = build_snapshot(c, 1, 3, nullptr, checked.get(), &overlay);
    CHECK(drained->services[0].pool.size() == 2);
    CHECK(drained->real_servers[2].weight == 0);

    // Nobody healthy: the sorry server is the pool.
    overlay.servers[0][2] = ServerVerdict{};
    overlay.servers[0][2].failed = true;
    const auto sorry = build_snapshot(c, 1, 4, nullptr, drained.get(), &overlay);
    REQUIRE(sorry->services[0].pool.size() == 1);
    CHECK(sorry->services[0].pool[0] == sorry_id);
    CHECK(sorry->services[0].schedulers[0]->pick({}) == 0);
    CHECK(sorry->real_servers[sorry_id].ip == htonl(0x0a000063));
}

TEST_CASE("snapshot: an IPv6 service falls back to its IPv6 sorry server", "[snapshot][ipv6]") {
    const Config c = load(
        "ports:\n  - { name: lan, device: net_null0, addresses: [10.0.0.1/24, "
        "\"2001:db8:2::1/64\"] }\n"
        "services:\n"
        "  - name: web6\n"
        "    vip: \"2001:db8:10::80\"\n"
        "    port: 80\n"
        "    protocol: tcp\n"
        "    sorry_server: { address: \"2001:db8:2::99\", port: 8080 }\n"
        "    real_servers: [{ address: \"2001:db8:2::11\", port: 8080 }]\n");
    const auto healthy = build_snapshot(c, 1, 1);
    REQUIRE(healthy->services[0].pool.size() == 1);
    const uint32_t sorry_id = 1;
    const dvs::dataplane::RealServer& standby = healthy->real_servers[sorry_id];
    CHECK(standby.present);
    CHECK(standby.ip == 0);
    const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99};
    CHECK(standby.ip6 == dvs::dataplane::Ip6::from(want));
    CHECK(standby.port == htons(8080));

    HealthOverlay overlay;
    overlay.servers.resize(1);
    overlay.servers[0].resize(1);
    overlay.servers[0][0].failed = true;
    const auto sorry = build_snapshot(c, 1, 2, nullptr, healthy.get(), &overlay);
    REQUIRE(sorry->services[0].pool.size() == 1);
    CHECK(sorry->services[0].pool[0] == sorry_id);
    CHECK(sorry->services[0].schedulers[0]->pick({}) == 0);
}
