// Management protocol: every op parses to its typed request and writes back
// to the same JSON; every kind of mistake gets a message naming the field;
// responses survive a round trip; handle_request_line answers garbage
// without reaching the handler.

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "common/text_codec.hpp"
#include "mgmt/protocol.hpp"
#include "mgmt/server.hpp"

using namespace dvs;
using namespace dvs::control;
using namespace dvs::mgmt;

namespace {

// The message parse_request throws for `text`, or "" when it parses.
std::string refusal(const std::string& text) {
    try {
        parse_request(parse_request_line(text));
    } catch (const ProtocolError& e) {
        return e.what();
    }
    return "";
}

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

dvs::IpAddress addr(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return dvs::IpAddress::v4((a << 24) | (b << 16) | (c << 8) | d);
}

}  // namespace

TEST_CASE("every op in the contract parses and writes back unchanged", "[mgmt]") {
    const std::vector<std::string> requests = {
        R"({"v":1,"op":"status"})",
        R"({"v":1,"op":"reload"})",
        R"({"v":1,"op":"list"})",
        R"({"v":1,"op":"list","rate":true,"stats":true})",
        R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp"}})",
        R"({"v":1,"op":"add_service","service":{"flags":["sh-fallback","sh-port"],"persistence":{"netmask":"255.255.255.0","timeout":600},"port":443,"protocol":"tcp","scheduler":"sh","vip":"192.0.2.10"}})",
        R"({"v":1,"op":"edit_service","service":{"persistence":null,"port":53,"protocol":"udp","vip":"192.0.2.10"}})",
        R"({"v":1,"op":"del_service","service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}})",
        R"({"v":1,"op":"add_server","server":{"address":"10.0.0.11","forward":"nat","port":8080,"weight":3},"service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}})",
        R"({"v":1,"op":"edit_server","server":{"address":"10.0.0.11","port":8080,"weight":0},"service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}})",
        R"({"v":1,"op":"del_server","server":{"address":"10.0.0.11","port":8080},"service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}})",
        // Issue 15: IPv6 services, servers and connection filters.
        R"({"v":1,"op":"add_service","service":{"port":80,"protocol":"tcp","vip":"2001:db8::10"}})",
        R"({"v":1,"op":"add_server","server":{"address":"2001:db8:2::11","forward":"nat","port":8080,"weight":1},"service":{"port":80,"protocol":"tcp","vip":"2001:db8::10"}})",
        R"({"v":1,"op":"conns","filter":{"client":"2001:db8:1::5","port":80,"vip":"2001:db8::10"}})",
        R"({"v":1,"op":"clear"})",
        R"({"v":1,"op":"zero"})",
        R"({"v":1,"op":"zero","service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}})",
        R"({"v":1,"op":"set_timeouts","tcp":900,"tcp_fin":0,"udp":300})",
        R"({"v":1,"op":"save_yaml"})",
        R"({"v":1,"op":"conns"})",
        R"({"v":1,"op":"health"})",
        R"({"v":1,"op":"ha"})",
        R"({"v":1,"op":"fleet"})",
        R"({"v":1,"op":"fleet","action":"drain"})",
        R"({"v":1,"op":"reload","dry_run":true})",
        R"({"v":1,"op":"save_runtime"})",
        R"({"v":1,"op":"set_service_options","options":"{ name: web }","service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}})",
        R"({"v":1,"op":"conns","filter":{"client":"10.0.1.5","port":80,"protocol":"tcp","server":"10.0.0.11","vip":"192.0.2.10"},"limit":50})",
    };
    std::vector<std::string> ops_seen;
    for (const std::string& text : requests) {
        INFO(text);
        const json in = parse_request_line(text);
        const Request typed = parse_request(in);
        CHECK(to_json(typed) == in);
        CHECK(op_name(typed) == in["op"].get<std::string>());
        ops_seen.emplace_back(op_name(typed));
    }
    for (std::string_view op : known_ops()) {
        INFO(op);
        CHECK(std::find(ops_seen.begin(), ops_seen.end(), op) != ops_seen.end());
    }
}

TEST_CASE("typed requests carry the values", "[mgmt]") {
    const Request r = parse_request(parse_request_line(
        R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":443,"protocol":"tcp",)"
        R"("scheduler":"wlc","persistence":{"timeout":600,"netmask":"255.255.255.0"}}})"));
    const auto& add = std::get<AddServiceRequest>(r);
    CHECK(add.service.key == ServiceKey{addr(192, 0, 2, 10), 443, Protocol::kTcp});
    CHECK(add.service.scheduler == "wlc");
    CHECK_FALSE(add.service.flags.has_value());
    REQUIRE(add.service.persistence.has_value());
    CHECK(**add.service.persistence == Persistence{600, ip(255, 255, 255, 0)});

    // Persistence defaults, and null meaning "off" (distinct from absent).
    const auto edit = std::get<EditServiceRequest>(parse_request(parse_request_line(
        R"({"v":1,"op":"edit_service","service":{"vip":"1.2.3.4","port":1,"protocol":"udp","persistence":{}}})")));
    CHECK(**edit.service.persistence == Persistence{300, 0xffffffff});
    const auto off = std::get<EditServiceRequest>(parse_request(parse_request_line(
        R"({"v":1,"op":"edit_service","service":{"vip":"1.2.3.4","port":1,"protocol":"udp","persistence":null}})")));
    REQUIRE(off.service.persistence.has_value());
    CHECK_FALSE(off.service.persistence->has_value());

    const auto server = std::get<AddServerRequest>(parse_request(parse_request_line(
        R"({"v":1,"op":"add_server","service":{"vip":"1.2.3.4","port":80,"protocol":"tcp"},)"
        R"("server":{"address":"10.0.0.2","port":80,"forward":"tun"}})")));
    CHECK(server.server.key == ServerKey{addr(10, 0, 0, 2), 80});
    CHECK(server.server.forward == ForwardMethod::kTun);
    CHECK_FALSE(server.server.weight.has_value());
}

TEST_CASE("garbage, versions and unknown ops get clear errors", "[mgmt]") {
    CHECK_THAT(refusal("hello"), Catch::StartsWith("malformed request: parse error at line 1"));
    CHECK_THAT(refusal(R"({"v":1,"op":"status")"), Catch::StartsWith("malformed request: "));
    CHECK_THAT(refusal("{} {}"), Catch::StartsWith("malformed request: "));
    // A number beyond a double is out_of_range in nlohmann, not parse_error.
    CHECK_THAT(refusal("4444E444444444444444444444444444444444444444"),
               Catch::StartsWith("malformed request: number overflow"));
    CHECK(refusal("[1,2]") == "request must be a JSON object, got [1,2]");
    CHECK(refusal(R"({"op":"status"})") == "missing field 'v' (the protocol version, 1)");
    CHECK(refusal(R"({"v":2,"op":"status"})") ==
          "unsupported protocol version 2 (dvsd speaks version 1)");
    CHECK(refusal(R"({"v":"1","op":"status"})") ==
          "unsupported protocol version \"1\" (dvsd speaks version 1)");
    CHECK(refusal(R"({"v":1})") == "missing field 'op'");
    CHECK(refusal(R"({"v":1,"op":7})") == "field 'op' must be a string, got 7");
    CHECK(refusal(R"({"v":1,"op":"flush"})") ==
          "unknown op \"flush\" (known: status, reload, list, add_service, edit_service, "
          "del_service, add_server, edit_server, del_server, clear, zero, set_timeouts, "
          "save_yaml, conns, health, ha, save_runtime, set_service_options, "
          "fleet)");
}

TEST_CASE("field errors name the field and the problem", "[mgmt]") {
    const std::string svc = R"("service":{"vip":"192.0.2.10","port":80,"protocol":"tcp"})";
    CHECK(refusal(R"({"v":1,"op":"add_service"})") == "missing field 'service'");
    CHECK(refusal(R"({"v":1,"op":"add_service","service":3})") ==
          "field 'service' must be an object, got 3");
    CHECK(refusal(R"({"v":1,"op":"add_service","service":{"port":80,"protocol":"tcp"}})") ==
          "missing field 'service.vip'");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2","port":80,"protocol":"tcp"}})") ==
        "field 'service.vip' must be an IPv4 or IPv6 address like \"192.0.2.10\" or "
        "\"2001:db8::10\", got \"192.0.2\"");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":"80","protocol":"tcp"}})") ==
        "field 'service.port' must be an integer 0..65535, got \"80\"");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":70000,"protocol":"tcp"}})") ==
        "field 'service.port' must be an integer 0..65535, got 70000");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":-1,"protocol":"tcp"}})") ==
        "field 'service.port' must be an integer 0..65535, got -1");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80.5,"protocol":"tcp"}})") ==
        "field 'service.port' must be an integer 0..65535, got 80.5");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"sctp"}})") ==
        "field 'service.protocol' must be \"tcp\" or \"udp\", got \"sctp\"");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","sched":"rr"}})") ==
        "unknown field 'service.sched' (expected vip, port, protocol, scheduler, flags, "
        "persistence)");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","scheduler":""}})") ==
        "field 'service.scheduler' must not be empty");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","flags":"sh-port"}})") ==
        "field 'service.flags' must be an array, got \"sh-port\"");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","flags":["sh-port","x"]}})") ==
        "field 'service.flags[1]' is not a scheduler flag: \"x\" (expected sh-fallback, "
        "sh-port, mh-fallback or mh-port)");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","persistence":{"timeout":0}}})") ==
        "field 'service.persistence.timeout' must be an integer 1..2592000, got 0");
    CHECK(
        refusal(
            R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","persistence":{"netmask":"255.0.255.0"}}})") ==
        "field 'service.persistence.netmask' is not a contiguous netmask: \"255.0.255.0\"");
    CHECK(
        refusal(
            R"({"v":1,"op":"del_service","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","scheduler":"rr"}})") ==
        "unknown field 'service.scheduler' (expected vip, port, protocol)");
    CHECK(refusal(R"({"v":1,"op":"add_server",)" + svc + "}") == "missing field 'server'");
    CHECK(refusal(R"({"v":1,"op":"add_server",)" + svc + R"(,"server":{"address":"10.0.0.1"}})") ==
          "missing field 'server.port'");
    CHECK(refusal(R"({"v":1,"op":"add_server",)" + svc +
                  R"(,"server":{"address":"10.0.0.1","port":80,"weight":65536}})") ==
          "field 'server.weight' must be an integer 0..65535, got 65536");
    CHECK(refusal(R"({"v":1,"op":"add_server",)" + svc +
                  R"(,"server":{"address":"10.0.0.1","port":80,"forward":"masq"}})") ==
          "field 'server.forward' must be \"nat\", \"dr\" or \"tun\", got \"masq\"");
    CHECK(refusal(R"({"v":1,"op":"del_server",)" + svc +
                  R"(,"server":{"address":"10.0.0.1","port":80,"weight":1}})") ==
          "unknown field 'server.weight' (expected address, port)");
    CHECK(refusal(R"({"v":1,"op":"set_timeouts","tcp":1,"udp":1})") == "missing field 'tcp_fin'");
    CHECK(refusal(R"({"v":1,"op":"set_timeouts","tcp":1,"tcp_fin":1,"udp":2592001})") ==
          "field 'udp' must be an integer 0..2592000, got 2592001");
    CHECK(refusal(R"({"v":1,"op":"list","stats":"yes"})") ==
          "field 'stats' must be true or false, got \"yes\"");
    CHECK(refusal(R"({"v":1,"op":"status","verbose":true})") ==
          "unknown field 'verbose' (this op takes no fields)");
    CHECK(refusal(R"({"v":1,"op":"conns","limit":0})") ==
          "field 'limit' must be an integer 1..4294967295, got 0");
    CHECK(refusal(R"({"v":1,"op":"conns","filter":{"client":"x"}})") ==
          "field 'filter.client' must be an IPv4 or IPv6 address like \"192.0.2.10\" or "
          "\"2001:db8::10\", got \"x\"");
}

TEST_CASE("responses: envelope helpers and typed round trips", "[mgmt]") {
    CHECK(ok_response() == json::parse(R"({"v":1,"ok":true})"));
    CHECK(ok_response({{"message", "done"}, {"ok", false}}) ==
          json::parse(R"({"v":1,"ok":true,"message":"done"})"));
    CHECK(error_response("no such service") ==
          json::parse(R"({"v":1,"ok":false,"error":"no such service"})"));
    CHECK(encode_line(ok_response()) == "{\"ok\":true,\"v\":1}\n");
    // Invalid UTF-8 in a message must not make the answer unwritable.
    CHECK_NOTHROW(encode_line(error_response("bad \xff byte")));

    ListResponse list;
    ServiceInfo s;
    s.name = "web";
    s.key = {addr(192, 0, 2, 10), 80, Protocol::kTcp};
    s.scheduler = "sh";
    s.flags = {"sh-port"};
    s.persistence = Persistence{600, ip(255, 255, 255, 0)};
    s.stats = Counters{1, 2, 3, 4, 5};
    s.rate = Rates{6, 7, 8, 9, 10};
    RealServerInfo rs;
    rs.key = {addr(10, 0, 0, 11), 8080};
    rs.weight = 3;
    rs.forward = ForwardMethod::kDr;
    rs.active_conns = 4;
    rs.inactive_conns = 5;
    rs.stats = Counters{0, 0, 0, 0, UINT64_MAX};
    s.real_servers.push_back(rs);
    RealServerInfo bare = rs;
    bare.stats.reset();
    bare.key.port = 8081;
    s.real_servers.push_back(bare);
    list.services.push_back(s);
    list.timeouts = {1000, 100, 200};
    CHECK(parse_list_response(json::parse(encode_line(to_json(list)))) == list);

    StatusResponse status;
    status.workers = 4;
    status.snapshot_version = 9;
    status.config_file = "/etc/dvs.yaml";
    status.last_reload = LastReload{false, 1747742400, "bad"};
    status.drops = {{"no_route", 3}};
    status.needs_restart = {"ports"};
    CHECK(parse_status_response(to_json(status)) == status);
    status.last_reload.reset();
    CHECK(parse_status_response(to_json(status)) == status);

    ConnsResponse conns;
    conns.conns.push_back(ConnInfo{Protocol::kUdp, addr(10, 0, 1, 5), 5353, addr(192, 0, 2, 10), 53,
                                   addr(10, 0, 0, 11), 53, "UDP", 299});
    conns.truncated = true;
    CHECK(parse_conns_response(to_json(conns)) == conns);

    CHECK(parse_message_response(json::parse(R"({"v":1,"ok":true,"message":"reloaded"})")) ==
          "reloaded");
    CHECK(parse_yaml_response(json::parse(R"({"v":1,"ok":true,"yaml":"services: []\n"})")) ==
          "services: []\n");
}

TEST_CASE("ha responses: round trips, not configured, field errors", "[mgmt]") {
    HaResponse ha;
    ha.enabled = true;
    ha.interface = "ha0";
    // name, vrid, state, priority, advert ms, master, since, reason, counters
    const VrrpInstanceInfo master{"vi1",
                                  51,
                                  "MASTER",
                                  200,
                                  200,
                                  dvs::IpAddress::v4(ip(10, 0, 3, 1)),
                                  1747742400123,
                                  "master down timer expired",
                                  {60, 2, 1, 0, 0, 1, 3, 4, UINT64_MAX}};
    const VrrpInstanceInfo backup{"vi2", 52, "BACKUP", 100, 1000, {}, 0, "", {}};
    ha.instances = {master, backup};  // backup: master unknown, no transition yet
    ha.vrrp_socket = {90, 1, 2, 3, 4, 5, 6, 7, 8};
    ha.sync = {true, "10.0.3.2:8848", true, 1200, 7, 1, 3, 0.25, 1, 1000, 35.5, 2, 5, 6, 9, 10};
    ha.dataplane = {1200, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const json wire = json::parse(encode_line(to_json(ha)));
    CHECK(wire["instances"][0]["master"] == "10.0.3.1");
    CHECK(wire["instances"][1]["master"] == "");
    CHECK(wire["sync"]["last_receive_age_s"] == 0.25);
    CHECK(wire["sync"]["send_blocked"] == 9);
    CHECK(wire["sync"]["gap_repairs"] == 10);
    CHECK(wire["vrrp_socket"]["not_link_local"] == 4);
    CHECK(parse_ha_response(wire) == ha);
    ha.sync = HaSyncInfo{};  // no sync peer: -1 (never received) survives too
    CHECK(parse_ha_response(to_json(ha)) == ha);

    const HaResponse off;
    CHECK(to_json(off) == json::parse(R"({"v":1,"ok":true,"enabled":false})"));
    CHECK(parse_ha_response(to_json(off)) == off);

    CHECK_THROWS_MATCHES(parse_ha_response(json::parse(R"({"v":1,"ok":true})")), ProtocolError,
                         Catch::Message("malformed response: missing field 'enabled'"));
    // The message parse_ha_response throws for `ha` changed by `spoil`.
    auto refused = [&](const std::function<void(json&)>& spoil) -> std::string {
        json bad = to_json(ha);
        spoil(bad);
        try {
            parse_ha_response(bad);
        } catch (const ProtocolError& e) {
            return e.what();
        }
        return "";
    };
    CHECK(refused([](json& j) { j["instances"][0]["master"] = "10.0.3"; }) ==
          "malformed response: field 'instances[0].master' must be an IPv4 or IPv6 address like "
          "\"192.0.2.10\" or \"2001:db8::10\", got \"10.0.3\"");
    CHECK(refused([](json& j) { j["sync"]["last_full_ms"] = "35"; }) ==
          "malformed response: field 'sync.last_full_ms' must be a number, got \"35\"");
    CHECK(refused([](json& j) { j["dataplane"].erase("garps_sent"); }) ==
          "malformed response: missing field 'dataplane.garps_sent'");
}

TEST_CASE("clients see daemon refusals and malformed answers apart", "[mgmt]") {
    CHECK_THROWS_MATCHES(check_response(error_response("no such service")), DaemonError,
                         Catch::Message("no such service"));
    CHECK_THROWS_MATCHES(check_response(json::parse(R"({"v":1,"ok":false})")), DaemonError,
                         Catch::Message("dvsd refused the request without saying why"));
    CHECK_THROWS_MATCHES(check_response(json::parse(R"({"v":2,"ok":true})")), ProtocolError,
                         Catch::Message("malformed response: protocol version 2 (dvsadm speaks "
                                        "version 1)"));
    CHECK_THROWS_MATCHES(check_response(json::parse(R"({"v":1})")), ProtocolError,
                         Catch::Message("malformed response: field 'ok' must be true or false"));
    CHECK_THROWS_MATCHES(
        parse_list_response(json::parse(R"({"v":1,"ok":true,"services":[{"vip":"1.2.3.4"}]})")),
        ProtocolError, Catch::Message("malformed response: missing field 'services[0].port'"));
    CHECK_THROWS_MATCHES(parse_list_response(json::parse(R"({"v":1,"ok":true,"services":[]})")),
                         ProtocolError,
                         Catch::Message("malformed response: missing field 'timeouts'"));
}

TEST_CASE("handle_request_line answers garbage itself and the rest via the handler", "[mgmt]") {
    int calls = 0;
    const MgmtHandler handler = [&](const json& request) -> json {
        ++calls;
        const std::string op = request["op"];
        if (op == "reload") throw std::runtime_error("services[0].port: expected an integer");
        if (op == "clear") return json::array();  // not an answer
        if (op == "zero") return {{"ok", true}};  // v is filled in
        return ok_response({{"message", "did " + op}});
    };
    CHECK(handle_request_line(handler, R"({"v":1,"op":"status"})") ==
          json::parse(R"({"v":1,"ok":true,"message":"did status"})"));
    CHECK(handle_request_line(handler, R"({"v":1,"op":"reload"})") ==
          error_response("services[0].port: expected an integer"));
    CHECK(handle_request_line(handler, R"({"v":1,"op":"clear"})") ==
          error_response("internal error: dvsd built no valid answer for op 'clear'"));
    CHECK(handle_request_line(handler, R"({"v":1,"op":"zero"})") == ok_response());
    CHECK(calls == 4);

    CHECK(handle_request_line(handler, "garbage")["error"].get<std::string>().rfind(
              "malformed request: ", 0) == 0);
    CHECK(handle_request_line(handler, R"({"v":1,"op":"add_service"})") ==
          error_response("missing field 'service'"));
    CHECK(calls == 4);  // invalid requests never reach the handler
}

TEST_CASE("address helpers are strict", "[mgmt]") {
    // The protocol's addresses go through the one text codec (common/).
    CHECK(text::parse_ipv4("192.0.2.10") == ip(192, 0, 2, 10));
    CHECK(text::parse_ipv4("0.0.0.0") == 0u);
    CHECK_FALSE(text::parse_ipv4("192.0.2"));
    CHECK_FALSE(text::parse_ipv4("192.0.2.256"));
    CHECK_FALSE(text::parse_ipv4(" 192.0.2.1"));
    CHECK_FALSE(text::parse_ipv4("192.0.2.1.5"));
    CHECK_FALSE(text::parse_ipv4(""));
    CHECK_FALSE(text::parse_ipv4("010.0.0.1"));
    CHECK(text::format_ipv4(ip(10, 0, 0, 255)) == "10.0.0.255");
    CHECK(text::is_contiguous_netmask(0));
    CHECK(text::is_contiguous_netmask(0xffffff00));
    CHECK(text::is_contiguous_netmask(0xffffffff));
    CHECK_FALSE(text::is_contiguous_netmask(0xff00ff00));
    CHECK(refusal(R"({"v":1,"op":"conns","filter":{"vip":"010.0.0.1"}})") ==
          "field 'filter.vip' must be an IPv4 or IPv6 address like \"192.0.2.10\" or "
          "\"2001:db8::10\", got \"010.0.0.1\"");
}
