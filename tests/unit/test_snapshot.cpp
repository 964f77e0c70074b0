#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "control/config/config.hpp"
#include "control/snapshot_builder.hpp"
#include "control/stats_report.hpp"
#include "dataplane/counters.hpp"

using namespace dvs;

namespace {

const char* kConfig = R"(
dataplane: { workers: 2, conn_capacity: 4096 }
ports:
  - { name: wan, device: net_null0, addresses: [10.0.1.1/24] }
  - { name: lan, device: net_null1, addresses: [10.0.0.1/24, 10.0.5.1/24] }
routes:
  - { prefix: 0.0.0.0/0, via: 10.0.1.254, port: wan }
  - { prefix: 172.16.0.0/16, via: 10.0.0.254, port: lan }
neighbors:
  - { address: 10.0.0.11, mac: "02:00:00:00:00:11", port: lan }
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    scheduler: wrr
    real_servers:
      - { address: 10.0.0.11, port: 8080, weight: 3 }
      - { address: 172.16.1.1, weight: 1 }
  - name: dns
    vip: 192.0.2.10
    port: 53
    protocol: udp
    scheduler: rr
    real_servers:
      - { address: 10.0.5.7 }
)";

uint32_t ip(const char* s) { return inet_addr(s); }

}  // namespace

TEST_CASE("snapshot: services, pools and one scheduler per worker", "[snapshot]") {
    const auto cfg = control::load_config_text(kConfig, "test.yaml");
    const auto snap = control::build_snapshot(cfg, 2, 7);
    REQUIRE(snap->version == 7);
    REQUIRE(snap->services.size() == 2);
    const auto* web = snap->find_service(ip("192.0.2.10"), htons(80), 6);
    REQUIRE(web != nullptr);
    REQUIRE(web->name == "web");
    REQUIRE(web->schedulers.size() == 2);
    REQUIRE(web->pool.size() == 2);
    REQUIRE(snap->real_servers[web->pool[1]].port == htons(80));  // defaults to service port
    REQUIRE(snap->find_service(ip("192.0.2.10"), htons(53), 17)->name == "dns");
    REQUIRE(snap->find_service(ip("192.0.2.10"), htons(53), 6) == nullptr);
    REQUIRE(snap->find_service(ip("192.0.2.11"), htons(80), 6) == nullptr);
    REQUIRE(snap->is_vip(ip("192.0.2.10")));
    REQUIRE(snap->is_local(ip("10.0.5.1")));
    REQUIRE_FALSE(snap->is_local(ip("10.0.5.2")));
}

TEST_CASE("snapshot: longest-prefix routing over connected and static routes", "[snapshot]") {
    const auto cfg = control::load_config_text(kConfig, "test.yaml");
    const auto snap = control::build_snapshot(cfg, 1, 1);
    auto nh = snap->route(ip("10.0.0.11"));
    REQUIRE(nh);
    REQUIRE(nh->port == 1);
    REQUIRE(nh->ip == ip("10.0.0.11"));  // connected: resolve the host itself
    nh = snap->route(ip("172.16.1.1"));
    REQUIRE(nh->port == 1);
    REQUIRE(nh->ip == ip("10.0.0.254"));
    nh = snap->route(ip("8.8.8.8"));
    REQUIRE(nh->port == 0);
    REQUIRE(nh->ip == ip("10.0.1.254"));
    REQUIRE(snap->static_neighbor(1, ip("10.0.0.11")) != nullptr);
    REQUIRE(snap->static_neighbor(0, ip("10.0.0.11")) == nullptr);
}

TEST_CASE("snapshot: each real server's hop is worked out once, by method", "[snapshot]") {
    const auto cfg = control::load_config_text(kConfig, "test.yaml");
    const auto snap = control::build_snapshot(cfg, 1, 1);
    const auto* web = snap->find_service(ip("192.0.2.10"), htons(80), 6);
    const dataplane::RealServer& near = snap->real_servers[web->pool[0]];  // 10.0.0.11, NAT
    const dataplane::RealServer& far = snap->real_servers[web->pool[1]];   // 172.16.1.1, NAT
    REQUIRE(near.hop.routed);
    REQUIRE(near.hop.port == 1);
    REQUIRE(near.hop.ip == ip("10.0.0.11"));
    REQUIRE(near.hop.src == ip("10.0.0.1"));
    REQUIRE(near.hop.static_neighbor >= 0);  // the configured neighbour, no ARP
    REQUIRE(snap->static_neighbors[near.hop.static_neighbor].ip == ip("10.0.0.11"));
    REQUIRE(far.hop.port == 1);
    REQUIRE(far.hop.ip == ip("10.0.0.254"));  // behind the gateway
    REQUIRE(far.hop.static_neighbor == -1);   // resolved by ARP
    // What a connection asks for: the precomputed hop while the id still
    // names that server and method, else resolved now (DR: the server itself).
    auto hop = snap->hop_to(far.id, far.ip, far.method);
    REQUIRE(hop.ip == ip("10.0.0.254"));
    hop = snap->hop_to(far.id, far.ip, dataplane::kMethodDr);
    REQUIRE(hop.routed);
    REQUIRE(hop.ip == ip("172.16.1.1"));
    hop = snap->hop_to(far.id, ip("10.0.5.9"), far.method);  // the id now names another address
    REQUIRE(hop.ip == ip("10.0.5.9"));
    REQUIRE(hop.port == 1);
    hop = snap->hop_to(dataplane::kMaxRealServers - 1, ip("8.8.8.8"), dataplane::kMethodNat);
    REQUIRE(hop.port == 0);
    REQUIRE(hop.ip == ip("10.0.1.254"));
}

TEST_CASE("snapshot: schedulers are independent per worker", "[snapshot]") {
    const auto cfg = control::load_config_text(kConfig, "test.yaml");
    const auto snap = control::build_snapshot(cfg, 2, 1);
    const auto* web = snap->find_service(ip("192.0.2.10"), htons(80), 6);
    // wrr 3:1 -> A A A B on each worker regardless of the other's picks.
    std::string w0, w1;
    for (int i = 0; i < 4; ++i) w0 += char('A' + web->schedulers[0]->pick({}));
    for (int i = 0; i < 4; ++i) w1 += char('A' + web->schedulers[1]->pick({}));
    REQUIRE(w0 == "AAAB");
    REQUIRE(w1 == "AAAB");
}

TEST_CASE("stats JSON sums workers' counters per service and real server", "[snapshot]") {
    const auto cfg = control::load_config_text(kConfig, "test.yaml");
    const auto snap = control::build_snapshot(cfg, 2, 3);
    auto w0 = std::make_unique<dataplane::WorkerCounters>();
    auto w1 = std::make_unique<dataplane::WorkerCounters>();
    w0->rx.add(10);
    w1->rx.add(5);
    w1->handoff_in.add(2);
    w0->drop(dataplane::DropReason::kNoService, 4);
    w0->real_servers[0].conns.add(3);
    w1->real_servers[0].conns.add(4);
    w1->services[0].conns.add(7);
    control::StatsView view{&cfg, snap.get(), {w0.get(), w1.get()}, true, "initial"};
    const std::string json = control::render_stats_json(view);
    REQUIRE(json.find("\"snapshot_version\":3") != std::string::npos);
    REQUIRE(json.find("\"totals\":{\"rx\":15,") != std::string::npos);
    REQUIRE(json.find("\"no_service\":4") != std::string::npos);
    REQUIRE(json.find("{\"address\":\"10.0.0.11\",\"port\":8080,\"weight\":3,\"forward\":\"nat\","
                      "\"conns\":7") != std::string::npos);
    const std::string table = control::render_stats_table(view);
    REQUIRE(table.find("no_service") != std::string::npos);
}

TEST_CASE("stats JSON is valid UTF-8 whatever bytes a name holds", "[snapshot]") {
    // The loader refuses such a name; a Config built another way must
    // still give a JSON file that parsers accept (issue 20).
    auto cfg = control::load_config_text(kConfig, "test.yaml");
    cfg.services[0].name = std::string("we\xff\xc0\xaf\"b\x01\xce\xb1");
    const auto snap = control::build_snapshot(cfg, 1, 1);
    auto w0 = std::make_unique<dataplane::WorkerCounters>();
    control::StatsView view{&cfg, snap.get(), {w0.get()}, true, "initial \xfe"};
    const std::string text = control::render_stats_json(view);
    nlohmann::json doc;
    REQUIRE_NOTHROW(doc = nlohmann::json::parse(text));  // throws on invalid UTF-8
    REQUIRE(doc["services"][0]["name"] == "we\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"b\x01\xce\xb1");
    REQUIRE(doc.dump().size() > 0);  // and it can be written back
}

TEST_CASE("snapshot: routes know our source address toward their next hop", "[snapshot]") {
    const auto cfg = control::load_config_text(kConfig, "test.yaml");
    const auto snap = control::build_snapshot(cfg, 1, 1);
    REQUIRE(snap->route(ip("10.0.0.11"))->src == ip("10.0.0.1"));
    REQUIRE(snap->route(ip("10.0.5.9"))->src == ip("10.0.5.1"));    // second address of lan
    REQUIRE(snap->route(ip("172.16.1.1"))->src == ip("10.0.0.1"));  // via 10.0.0.254
    REQUIRE(snap->route(ip("8.8.8.8"))->src == ip("10.0.1.1"));     // default via wan
}

TEST_CASE("ids stay with their service and real server across reloads", "[snapshot]") {
    control::IdRegistry ids(16, 16);
    auto idle = [](uint32_t) { return true; };
    const auto a = control::load_config_text(kConfig, "a.yaml");
    const auto first = ids.assign(a, idle);
    // Drop the first service's first real server and add one at the end.
    std::string text = kConfig;
    text.replace(text.find("      - { address: 10.0.0.11, port: 8080, weight: 3 }\n"),
                 std::string("      - { address: 10.0.0.11, port: 8080, weight: 3 }\n").size(), "");
    text += "      - { address: 10.0.5.8 }\n";
    const auto b = control::load_config_text(text, "b.yaml");
    const auto second = ids.assign(b, idle);
    REQUIRE(second.service == first.service);
    REQUIRE(second.real_server[0][0] == first.real_server[0][1]);  // 172.16.1.1 kept its id
    REQUIRE(second.real_server[1][0] == first.real_server[1][0]);  // 10.0.5.7 kept its id
    REQUIRE(second.real_server[1][1] != first.real_server[0][0]);  // fresh ids come first

    // A snapshot built with them indexes by id and leaves holes.
    const auto prev = control::build_snapshot(a, 2, 1, &first);
    const auto next = control::build_snapshot(b, 2, 2, &second, prev.get());
    REQUIRE_FALSE(next->real_servers[first.real_server[0][0]].present);
    const auto* dns = next->find_service(ip("192.0.2.10"), htons(53), 17);
    REQUIRE(dns->pool.size() == 2);
    // web's pool changed: new schedulers; dns's changed too; an unchanged
    // service keeps its instances (same pointers).
    const auto same = control::build_snapshot(b, 2, 3, &second, next.get());
    REQUIRE(same->services[second.service[0]].schedulers[0] ==
            next->services[second.service[0]].schedulers[0]);
    REQUIRE(next->services[second.service[0]].schedulers[0] !=
            prev->services[first.service[0]].schedulers[0]);
}

TEST_CASE("a removed real server's id is reused only once it is idle", "[snapshot]") {
    control::IdRegistry ids(4, 2);
    const std::string head =
        "ports:\n  - { name: lan, device: net_null0, addresses: [10.0.0.1/24] }\n"
        "services:\n  - { name: w, vip: 192.0.2.1, port: 80, protocol: tcp, real_servers: [";
    bool idle = false;
    auto is_idle = [&](uint32_t) { return idle; };
    ids.assign(
        control::load_config_text(head + "{ address: 10.0.0.5 }, { address: 10.0.0.6 }] }\n", "a"),
        is_idle);
    const auto swap =
        control::load_config_text(head + "{ address: 10.0.0.5 }, { address: 10.0.0.7 }] }\n", "b");
    REQUIRE_THROWS_WITH(ids.assign(swap, is_idle), Catch::Contains("more than 2 real servers"));
    idle = true;
    const auto got = ids.assign(swap, is_idle);
    REQUIRE(got.real_server[0][1] == 1);  // 10.0.0.6's id, now free
}
