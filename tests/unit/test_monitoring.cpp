// The monitoring pages (/metrics, /status.json), their routing and the
// HTTP listener's bounds, without EAL: counters are set by hand in
// WorkerCounters as a worker would.

#include <arpa/inet.h>

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"
#include "control/id_registry.hpp"
#include "control/monitoring/allow_list.hpp"
#include "control/monitoring/exposition.hpp"
#include "control/monitoring/http_routes.hpp"
#include "control/monitoring/http_server.hpp"
#include "control/monitoring/metrics_page.hpp"
#include "control/monitoring/status_json.hpp"
#include "control/monitoring/status_page.hpp"
#include "control/snapshot_builder.hpp"
#include "dataplane/counters.hpp"

using namespace dvs;
using namespace dvs::control;
using namespace dvs::control::monitoring;

namespace {

// A running state as the daemon has it: config, ids, snapshot, workers.
struct Fixture {
    Config config;
    IdAssignment ids;
    std::unique_ptr<dataplane::Snapshot> snapshot;
    std::vector<std::unique_ptr<dataplane::WorkerCounters>> workers;

    Fixture(const std::string& yaml, uint32_t worker_count) {
        config = load_config_text(yaml, "t.yaml");
        config.dataplane.workers = worker_count;
        IdRegistry registry(dataplane::kMaxServices, dataplane::kMaxRealServers);
        ids = registry.assign(config, [](uint32_t) { return true; });
        snapshot = build_snapshot(config, worker_count, 7, &ids);
        for (uint32_t w = 0; w < worker_count; ++w) {
            workers.push_back(std::make_unique<dataplane::WorkerCounters>());
        }
    }

    MonitoringView view() const {
        MonitoringView v;
        v.stats.config = &config;
        v.stats.snapshot = snapshot.get();
        v.stats.ids = &ids;
        for (const auto& w : workers) v.stats.workers.push_back(w.get());
        return v;
    }
};

const std::string kYaml =
    "ports:\n  - { name: lan, device: net_null0, addresses: [10.0.0.1/24] }\n"
    "services:\n"
    "  - name: web\n    vip: 192.0.2.1\n    port: 80\n    protocol: tcp\n"
    "    real_servers: [{ address: 10.0.0.5, weight: 4 }, { address: 10.0.0.6, port: 8080 }]\n";

const std::string kWebLabels = R"(service="web",vip="192.0.2.1",port="80",protocol="tcp")";

// Every "# TYPE name kind" line, checking each family is declared once.
std::map<std::string, std::string> families(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("# TYPE ", 0) != 0) continue;
        std::istringstream words(line.substr(7));
        std::string name, kind;
        words >> name >> kind;
        CHECK(out.emplace(name, kind).second);
    }
    return out;
}

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("requests are routed by method and path", "[monitoring]") {
    CHECK(route_request("GET", "/metrics").page == Page::kMetrics);
    CHECK(route_request("GET", "/metrics?x=1").page == Page::kMetrics);
    CHECK(route_request("GET", "/metrics").content_type.find("version=0.0.4") !=
          std::string_view::npos);
    CHECK(route_request("GET", "/status.json").page == Page::kStatusJson);
    CHECK(route_request("GET", "/status.json").content_type == "application/json");
    CHECK(route_request("GET", "/").page == Page::kStatusPage);
    CHECK(route_request("GET", "/status?refresh=1").page == Page::kStatusPage);
    CHECK(route_request("GET", "/").content_type == "text/html; charset=utf-8");
    CHECK(route_request("GET", "/status.js").page == Page::kStatusScript);
    CHECK(route_request("GET", "/status.js").content_type == "text/javascript; charset=utf-8");
    CHECK(route_request("GET", "/status.css").page == Page::kStatusStyle);
    CHECK(route_request("GET", "/status.css").content_type == "text/css; charset=utf-8");
    CHECK(route_request("GET", "/status.html").status == 404);
    CHECK(route_request("GET", "/metricsx").status == 404);
    CHECK(route_request("GET", "/metrics/").status == 404);
    CHECK(route_request("GET", "").status == 400);
    CHECK(route_request("GET", "metrics").status == 400);
    CHECK(route_request("GET", "http://x/metrics").status == 400);
    // Read-only.
    for (const char* m : {"POST", "PUT", "DELETE", "HEAD", "get", ""}) {
        const Route r = route_request(m, "/metrics");
        CHECK(r.status == 405);
        CHECK(r.allow == "GET");
        CHECK(r.page == Page::kNone);
    }
}

TEST_CASE("exposition lines escape label values and help", "[monitoring]") {
    Exposition e;
    e.family("dvs_x_total", MetricType::kCounter, "a \\ and\na newline");
    e.sample(Labels().add("service", "a\"b\\c\nd").add("n", uint64_t{5}).text(), uint64_t{42});
    e.sample({}, int64_t{-3});
    e.family("dvs_y", MetricType::kGauge, "h");
    e.sample(Labels().add("a", "1").text(), Labels().add("b", "2").text(), uint64_t{1});
    e.sample({}, 0.25);
    CHECK(e.text() ==
          "# HELP dvs_x_total a \\\\ and\\na newline\n# TYPE dvs_x_total counter\n"
          "dvs_x_total{service=\"a\\\"b\\\\c\\nd\",n=\"5\"} 42\ndvs_x_total -3\n"
          "# HELP dvs_y h\n# TYPE dvs_y gauge\ndvs_y{a=\"1\",b=\"2\"} 1\ndvs_y 0.25\n");
}

TEST_CASE("metrics cover every counter of the lists", "[monitoring]") {
    Fixture f(kYaml, 2);
    const MonitoringView v = f.view();
    // Counters as workers bump them.
    f.workers[0]->rx.add(10);
    f.workers[1]->rx.add(5);
    f.workers[1]->conns_active.set(3);
    f.workers[0]->drop(dataplane::DropReason::kNoService, 4);
    const uint16_t svc = f.ids.service[0];
    const uint32_t rs0 = f.ids.real_server[0][0], rs1 = f.ids.real_server[0][1];
    f.workers[0]->services[svc].pkts_in.add(7);
    f.workers[1]->services[svc].pkts_in.add(2);
    f.workers[1]->real_servers[rs1].bytes_out.add(1500);
    f.workers[0]->rs_load[rs0].active.add(2);
    MonitoringView with_health = v;
    with_health.health = {{ServerHealthInfo{}, ServerHealthInfo{}}};
    with_health.health[0][1].state = "down";
    with_health.health[0][1].checks = 9;
    with_health.health[0][1].failures = 3;
    with_health.reloads = {4, 1, 1700000000};

    const std::string text = render_metrics(with_health);
    const auto types = families(text);
    // Every worker counter, by its kind; every drop reason.
    for (const counters::Info& info : counters::kWorker) {
        const bool counter = info.kind == counters::Kind::kCounter;
        const std::string name = "dvs_worker_" + std::string(info.name) + (counter ? "_total" : "");
        CHECK(types.count(name) == 1);
        if (types.count(name)) CHECK(types.at(name) == (counter ? "counter" : "gauge"));
    }
    for (std::string_view reason : dataplane::kDropReasonNames) {
        CHECK(text.find("dvs_drops_total{worker=\"1\",reason=\"" + std::string(reason) + "\"} ") !=
              std::string::npos);
    }
    // Counters end in _total, gauges do not.
    for (const auto& [name, kind] : types) {
        const bool total = name.size() > 6 && name.substr(name.size() - 6) == "_total";
        CHECK(total == (kind == "counter"));
        CHECK(name.rfind("dvs_", 0) == 0);
    }
    CHECK(has_line(text, R"(dvs_worker_rx_total{worker="0"} 10)"));
    CHECK(has_line(text, R"(dvs_worker_rx_total{worker="1"} 5)"));
    CHECK(has_line(text, R"(dvs_worker_conns_active{worker="1"} 3)"));
    CHECK(has_line(text, R"(dvs_drops_total{worker="0",reason="no_service"} 4)"));
    CHECK(has_line(text, R"(dvs_conn_table_capacity{worker="0"} 1048576)"));
    CHECK(has_line(text, "dvs_service_pkts_in_total{" + kWebLabels + "} 9"));
    const std::string rs_a = kWebLabels + R"(,real_server="10.0.0.5:80")";
    const std::string rs_b = kWebLabels + R"(,real_server="10.0.0.6:8080")";
    CHECK(has_line(text, "dvs_real_server_bytes_out_total{" + rs_b + "} 1500"));
    CHECK(has_line(text, "dvs_real_server_active_conns{" + rs_a + "} 2"));
    CHECK(has_line(text, "dvs_real_server_weight{" + rs_a + "} 4"));
    CHECK(has_line(text, "dvs_real_server_effective_weight{" + rs_a + "} 4"));
    CHECK(has_line(text, "dvs_real_server_up{" + rs_a + "} 1"));
    CHECK(has_line(text, "dvs_real_server_up{" + rs_b + "} 0"));
    CHECK(has_line(text, "dvs_real_server_check_failures_total{" + rs_b + "} 3"));
    CHECK(has_line(text, "dvs_reloads_total 4"));
    CHECK(has_line(text, "dvs_reload_failures_total 1"));
    CHECK(has_line(text, "dvs_snapshot_version 7"));
    CHECK(text.find("dvs_build_info{version=\"") != std::string::npos);
    // No HA section: no VRRP families.
    CHECK(types.count("dvs_vrrp_state") == 0);
}

TEST_CASE("metrics show VRRP state per instance and the sync channel", "[monitoring]") {
    Fixture f(kYaml, 1);
    MonitoringView v = f.view();
    HaStatus ha;
    VrrpInstanceStatus i;
    i.name = "vi1";
    i.vrid = 51;
    i.state = VrrpState::kMaster;
    i.priority = 150;
    i.counters.bad_checksum = 3;
    ha.instances.push_back(i);
    ha.vrrp.socket.received = 40;
    ha.vrrp.socket.own = 6;
    ha.vrrp.other_vrid = 9;
    ha.vrrp.socket.send_errors = 1;
    ha.has_sync = true;
    ha.sync.records_sent = 12;
    ha.sync.datagrams_lost = 2;
    ha.sync.queued = 5;
    v.ha = ha;
    const std::string text = render_metrics(v);
    CHECK(has_line(text, R"(dvs_vrrp_state{instance="vi1",vrid="51",state="MASTER"} 1)"));
    CHECK(has_line(text, R"(dvs_vrrp_state{instance="vi1",vrid="51",state="BACKUP"} 0)"));
    CHECK(has_line(text, R"(dvs_vrrp_priority{instance="vi1",vrid="51"} 150)"));
    CHECK(has_line(
        text,
        R"(dvs_vrrp_adverts_dropped_total{instance="vi1",vrid="51",reason="bad_checksum"} 3)"));
    CHECK(has_line(text, "dvs_vrrp_socket_packets_total 40"));
    CHECK(has_line(text, R"(dvs_vrrp_socket_dropped_total{reason="own"} 6)"));
    CHECK(has_line(text, R"(dvs_vrrp_socket_dropped_total{reason="other_vrid"} 9)"));
    CHECK(has_line(text, R"(dvs_vrrp_socket_errors_total{op="send"} 1)"));
    CHECK(has_line(text, "dvs_sync_records_sent_total 12"));
    CHECK(has_line(text, "dvs_sync_datagrams_lost_total 2"));
    CHECK(has_line(text, "dvs_sync_queued_records 5"));
    families(text);  // each declared once
}

TEST_CASE("status.json has services, servers, health, weights and drops", "[monitoring]") {
    Fixture f(kYaml, 2);
    f.workers[0]->drop(dataplane::DropReason::kTcpNoConn, 2);
    f.workers[1]->drop(dataplane::DropReason::kTcpNoConn, 1);
    f.workers[1]->services[f.ids.service[0]].conns.add(6);
    MonitoringView v = f.view();
    v.health = {{ServerHealthInfo{}, ServerHealthInfo{}}};
    v.health[0][0].check = "http";
    v.health[0][0].state = "down";
    v.health[0][0].last_ok = false;
    v.health[0][0].last_reason = "HTTP 503";
    const nlohmann::json j = nlohmann::json::parse(render_status_json(v));
    CHECK(j["format"] == 1);
    CHECK(j["snapshot_version"] == 7);
    CHECK(j["totals"]["drops"]["tcp_no_conn"] == 3);
    CHECK(j["workers"][0]["drops"]["tcp_no_conn"] == 2);
    CHECK(j["workers"].size() == 2);
    CHECK(j["drop_reasons"].size() == dataplane::kDropReasonNames.size());
    CHECK(j["totals"]["counters"].size() == counters::kWorker.size());
    const auto& svc = j["services"][0];
    CHECK(svc["name"] == "web");
    CHECK(svc["vip"] == "192.0.2.1");
    CHECK(svc["protocol"] == "tcp");
    CHECK(svc["counters"]["conns"] == 6);
    const auto& rs = svc["real_servers"][0];
    CHECK(rs["address"] == "10.0.0.5");
    CHECK(rs["weight"] == 4);
    CHECK(rs["effective_weight"] == 4);  // the snapshot was built without the check's verdict
    CHECK(rs["health"]["state"] == "down");
    CHECK(rs["health"]["last_reason"] == "HTTP 503");
    CHECK(svc["real_servers"][1]["port"] == 8080);
    CHECK(j["vrrp"].empty());
    CHECK(j["sync"].is_null());
    CHECK(j["time_unix_ms"] == 0);
    v.now_unix_ms = 1700000000123;
    CHECK(nlohmann::json::parse(render_status_json(v))["time_unix_ms"] == 1700000000123);
}

TEST_CASE("the status page's files are compiled in and load nothing from elsewhere",
          "[monitoring]") {
    const auto html = static_page(Page::kStatusPage);
    const auto js = static_page(Page::kStatusScript);
    const auto css = static_page(Page::kStatusStyle);
    REQUIRE(html);
    REQUIRE(js);
    REQUIRE(css);
    CHECK(html->rfind("<!DOCTYPE html>", 0) == 0);
    // Relative references, so the page works under any path prefix.
    CHECK(html->find("href=\"status.css\"") != std::string_view::npos);
    CHECK(html->find("src=\"status.js\"") != std::string_view::npos);
    CHECK(js->find("fetch(\"status.json\"") != std::string_view::npos);
    // The keys the script reads are ones render_status_json writes.
    for (const char* key : {"time_unix_ms", "effective_weight", "active_conns", "drop_reasons",
                            "queued_records", "last_check_unix_ms"}) {
        CHECK(js->find(key) != std::string_view::npos);
    }
    // Offline: no CDN, no absolute URL anywhere.
    for (const auto& file : {*html, *js, *css}) {
        CHECK(file.find("http://") == std::string_view::npos);
        CHECK(file.find("https://") == std::string_view::npos);
        CHECK(file.find("src=\"//") == std::string_view::npos);
        CHECK(file.find("@import") == std::string_view::npos);
    }
    CHECK_FALSE(static_page(Page::kMetrics));
    CHECK_FALSE(static_page(Page::kStatusJson));
    CHECK_FALSE(static_page(Page::kNone));
}

// Not run by default: `dvs_unit_tests "[.monitoring_bench]"` prints the
// time of one /metrics render at 10,000 services and 100,000 real servers.
TEST_CASE("one scrape at 10,000 services and 100,000 real servers", "[.monitoring_bench]") {
    std::ostringstream yaml;
    yaml << "ports:\n  - { name: lan, device: net_null0, addresses: [10.0.0.1/8] }\n"
         << "services:\n";
    for (int s = 0; s < 10000; ++s) {
        yaml << "  - { name: svc" << s << ", vip: 192.0." << s / 200 << "." << s % 200 + 1
             << ", port: 80, protocol: tcp, real_servers: [";
        for (int r = 0; r < 10; ++r) {
            const int n = s * 10 + r;
            yaml << (r ? ", " : "") << "{ address: 10.1." << n / 250 % 250 << "." << n % 250 + 1
                 << ", port: " << 1000 + n / 62500 << " }";
        }
        yaml << "] }\n";
    }
    Fixture f(yaml.str(), 2);
    MonitoringView v = f.view();
    for (auto& w : f.workers) {
        for (auto& t : w->real_servers) t.pkts_in.add(123456);
    }
    for (int round = 0; round < 3; ++round) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::string metrics = render_metrics(v);
        const auto t1 = std::chrono::steady_clock::now();
        const std::string status = render_status_json(v);
        const auto t2 = std::chrono::steady_clock::now();
        using Ms = std::chrono::duration<double, std::milli>;
        const double metrics_ms = Ms(t1 - t0).count(), status_ms = Ms(t2 - t1).count();
        WARN("metrics: " << metrics_ms << " ms, " << metrics.size() / 1e6 << " MB; status.json: "
                         << status_ms << " ms, " << status.size() / 1e6 << " MB");
        CHECK(metrics.size() > 100000u * 100);
    }
}

namespace {

using boost::asio::ip::tcp;

// A listener on 127.0.0.1 (any port; or the address given) served by its
// own thread; stop() joins it, after which its counters may be read.
struct Listener {
    boost::asio::io_context io;
    std::unique_ptr<HttpServer> server;
    std::thread thread;
    std::atomic<int> renders{0};

    explicit Listener(HttpServerOptions o, dvs::IpAddress at = dvs::IpAddress::v4(0x7f000001)) {
        o.address = at;
        o.port = 0;
        server = std::make_unique<HttpServer>(io, o, [this](Page p) {
            ++renders;
            return p == Page::kMetrics ? std::string("dvs_up 1\n") : std::string("{}\n");
        });
        thread = std::thread([this] { io.run(); });
    }
    ~Listener() { stop(); }
    void stop() {
        if (!thread.joinable()) return;
        boost::asio::post(io, [this] { server.reset(); });
        io.stop();
        thread.join();
    }
};

// Sends `request` and reads until the server closes (or `wait` passes):
// what came back, "" when closed unanswered.
std::string exchange(uint16_t port, const std::string& request,
                     std::chrono::milliseconds wait = std::chrono::milliseconds(3000),
                     boost::asio::ip::address to = boost::asio::ip::address_v4::loopback()) {
    boost::asio::io_context io;
    tcp::socket s(io);
    s.connect({to, port});
    timeval tv{static_cast<time_t>(wait.count() / 1000),
               static_cast<suseconds_t>(wait.count() % 1000 * 1000)};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::system::error_code ec;
    boost::asio::write(s, boost::asio::buffer(request), ec);
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(s.native_handle(), buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

}  // namespace

TEST_CASE("the listener answers GET and refuses what it must", "[monitoring]") {
    HttpServerOptions o;
    o.timeout = std::chrono::milliseconds(300);
    o.header_limit = 1024;
    o.cache = std::chrono::seconds(60);
    Listener l(o);
    const uint16_t port = l.server->port();
    const std::string ok =
        exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(ok.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") !=
          std::string::npos);
    CHECK(ok.substr(ok.size() - 9) == "dvs_up 1\n");
    CHECK(exchange(port, "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 405", 0) ==
          0);
    CHECK(exchange(port, "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n")
              .rfind("HTTP/1.1 404", 0) == 0);
    CHECK(exchange(port, "BLAH\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
    CHECK(exchange(port, "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
              .rfind("HTTP/1.1 400", 0) == 0);
    const std::string big = "GET /metrics HTTP/1.1\r\nX: " + std::string(4000, 'a') + "\r\n\r\n";
    CHECK(exchange(port, big).rfind("HTTP/1.1 431", 0) == 0);
    // Slowloris: half a request, then nothing; closed after the timeout.
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(exchange(port, "GET /metrics HTTP/1.1\r\nHost:").empty());
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2000));
    // Keep-alive: two requests on one connection, one render (cached).
    const std::string two = exchange(port,
                                     "GET /metrics HTTP/1.1\r\n\r\n"
                                     "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
    CHECK(two.find("HTTP/1.1 200", 10) != std::string::npos);
    // The status page is served as compiled in, never rendered.
    const std::string page = exchange(port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    CHECK(page.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(page.find("Content-Type: text/html; charset=utf-8\r\n") != std::string::npos);
    CHECK(page.substr(page.find("\r\n\r\n") + 4) == *static_page(Page::kStatusPage));
    CHECK(exchange(port, "GET /status.js HTTP/1.1\r\nConnection: close\r\n\r\n")
              .find("Content-Type: text/javascript; charset=utf-8\r\n") != std::string::npos);
    l.stop();
    CHECK(l.renders == 1);
}

TEST_CASE("the listener bounds sessions and applies the allow-list", "[monitoring]") {
    SECTION("max_connections") {
        HttpServerOptions o;
        o.max_connections = 2;
        o.timeout = std::chrono::milliseconds(1000);
        Listener l(o);
        boost::asio::io_context io;
        std::vector<tcp::socket> idle;
        for (int i = 0; i < 2; ++i) {
            idle.emplace_back(io);
            idle.back().connect({boost::asio::ip::address_v4::loopback(), l.server->port()});
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        // The third is closed unanswered while two idle ones hold the slots...
        CHECK(exchange(l.server->port(), "GET /metrics HTTP/1.1\r\n\r\n").empty());
        // ...and served once they are gone.
        idle.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(exchange(l.server->port(), "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
                  .rfind("HTTP/1.1 200", 0) == 0);
    }
    SECTION("allow-list") {
        HttpServerOptions o;
        o.allow = {IpPrefix::v4(Ipv4Prefix{0x0a000000, 8})};
        Listener l(o);
        CHECK(exchange(l.server->port(), "GET /metrics HTTP/1.1\r\n\r\n").empty());
        CHECK(l.renders == 0);
    }
}

// Issue 15: the listener was IPv4-only, and an IPv6 client was refused
// whatever the allow-list said.
TEST_CASE("the listener on IPv6: [::1], and [::] with both families", "[monitoring]") {
    const auto v6_loopback = boost::asio::ip::address_v6::loopback();
    const std::string get = "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n";
    const auto wait = std::chrono::milliseconds(3000);
    SECTION("on ::1, an IPv6 prefix admits its client") {
        HttpServerOptions o;
        o.allow = {*dvs::text::parse_ip_prefix("::1/128")};
        Listener l(o, *dvs::text::parse_ip("::1"));
        CHECK(exchange(l.server->port(), get, wait, v6_loopback).rfind("HTTP/1.1 200", 0) == 0);
    }
    SECTION("an IPv6 client outside the allow-list is closed unanswered") {
        HttpServerOptions o;
        o.allow = {*dvs::text::parse_ip_prefix("2001:db8::/32"),
                   *dvs::text::parse_ip_prefix("127.0.0.0/8")};
        Listener l(o, *dvs::text::parse_ip("::"));
        CHECK(exchange(l.server->port(), get, wait, v6_loopback).empty());
        // An IPv4 client of [::] arrives as ::ffff:127.0.0.1 and is matched
        // as 127.0.0.1.
        CHECK(exchange(l.server->port(), get).rfind("HTTP/1.1 200", 0) == 0);
    }
}

TEST_CASE("the allow-list: prefixes of both families, IPv4-mapped clients", "[monitoring]") {
    const std::vector<IpPrefix> allow = {*dvs::text::parse_ip_prefix("10.0.0.0/8"),
                                         *dvs::text::parse_ip_prefix("2001:db8:1::/48")};
    CHECK(client_allowed(allow, *dvs::text::parse_ip("10.1.2.3")));
    CHECK(client_allowed(allow, *dvs::text::parse_ip("::ffff:10.1.2.3")));
    CHECK(client_allowed(allow, *dvs::text::parse_ip("2001:db8:1:ffff::1")));
    CHECK_FALSE(client_allowed(allow, *dvs::text::parse_ip("2001:db8:2::1")));
    CHECK_FALSE(client_allowed(allow, *dvs::text::parse_ip("::ffff:11.1.2.3")));
    // An IPv4-compatible-looking IPv6 address is not an IPv4 client.
    CHECK_FALSE(client_allowed(allow, *dvs::text::parse_ip("::10.1.2.3")));
    CHECK(client_allowed({}, *dvs::text::parse_ip("2001:db8:2::1")));
}
