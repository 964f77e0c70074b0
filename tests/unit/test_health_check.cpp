// Health-check probes and the monitor's state machine against real servers
// on 127.0.0.1 (sockets, a child process, ICMP), all on one io_context as
// in dvsd: no fakes.

#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>

#include "control/config/config.hpp"
#include "control/health/health_check.hpp"
#include "control/health/health_monitor.hpp"

using namespace dvs::control;
namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

namespace {

const dvs::IpAddress kLoopback = dvs::IpAddress::v4(0x7f000001);
// ::1, for the IPv6 probes (issue 15).
dvs::IpAddress loopback6() {
    std::array<uint8_t, 16> b{};
    b[15] = 1;
    return dvs::IpAddress::v6(b);
}

// Runs the io_context until pred() holds or the time is up.
bool run_until(asio::io_context& io, const std::function<bool()>& pred,
               std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
    return pred();
}

// A TCP server that answers every connection with `answer` and closes
// (answer empty: accepts and says nothing until closed by the peer).
class TcpServer {
public:
    TcpServer(asio::io_context& io, std::string answer, uint16_t port = 0)
        : acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), port)),
          answer_(std::move(answer)) {
        accept();
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }
    void close() { acceptor_.close(); }

private:
    void accept() {
        acceptor_.async_accept([this](const error_code& ec, tcp::socket s) {
            if (ec) return;
            auto sock = std::make_shared<tcp::socket>(std::move(s));
            held_.push_back(sock);
            if (!answer_.empty()) {
                auto buf = std::make_shared<std::string>(answer_);
                asio::async_write(*sock, asio::buffer(*buf),
                                  [sock, buf](const error_code&, size_t) {
                                      error_code ignored;
                                      sock->shutdown(tcp::socket::shutdown_both, ignored);
                                      sock->close(ignored);
                                  });
            }
            accept();
        });
    }
    tcp::acceptor acceptor_;
    std::string answer_;
    std::vector<std::shared_ptr<tcp::socket>> held_;
};

// A port nothing listens on (bound once, then released).
uint16_t free_port() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return a.local_endpoint().port();
}

ProbeResult probe(asio::io_context& io, const HealthCheckConfig& c, uint16_t port,
                  std::chrono::milliseconds limit = std::chrono::milliseconds(3000),
                  const dvs::IpAddress& address = kLoopback) {
    std::optional<ProbeResult> result;
    auto p = start_probe(io, c, ProbeTarget{address, port, "test/address"},
                         [&](const ProbeResult& r) { result = r; });
    REQUIRE(run_until(
        io, [&] { return result.has_value(); }, limit));
    return *result;
}

HealthCheckConfig check(CheckType type) {
    HealthCheckConfig c;
    c.type = type;
    c.interval_ms = 300;
    c.timeout_ms = 300;
    return c;
}

}  // namespace

TEST_CASE("tcp check: a listener is healthy, a closed port is refused", "[health]") {
    asio::io_context io;
    TcpServer server(io, "");
    CHECK(probe(io, check(CheckType::kTcp), server.port()).ok);
    const ProbeResult refused = probe(io, check(CheckType::kTcp), free_port());
    CHECK_FALSE(refused.ok);
    CHECK(refused.reason == "connect refused");
}

TEST_CASE("http check: status, body substring, and a server that never answers", "[health]") {
    asio::io_context io;
    TcpServer ok(io, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall good\n");
    TcpServer unavailable(io, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    TcpServer silent(io, "");
    TcpServer not_http(io, "SSH-2.0-OpenSSH\r\n");

    HealthCheckConfig c = check(CheckType::kHttp);
    const ProbeResult good = probe(io, c, ok.port());
    CHECK(good.ok);
    CHECK(good.reason == "HTTP 200");
    c.expect_body = "all good";
    CHECK(probe(io, c, ok.port()).ok);
    c.expect_body = "missing";
    const ProbeResult no_body = probe(io, c, ok.port());
    CHECK_FALSE(no_body.ok);
    CHECK(no_body.reason == "HTTP 200, body lacks \"missing\"");
    c.expect_body.clear();
    const ProbeResult status = probe(io, c, unavailable.port());
    CHECK_FALSE(status.ok);
    CHECK(status.reason == "HTTP 503");
    c.expect_status = 503;
    CHECK(probe(io, c, unavailable.port()).ok);
    const auto t0 = std::chrono::steady_clock::now();
    const ProbeResult timeout = probe(io, c, silent.port());
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(timeout.ok);
    CHECK(timeout.reason == "timeout after 300 ms");
    CHECK(took < std::chrono::milliseconds(1000));
    CHECK(probe(io, c, not_http.port()).reason == "not an HTTP answer");
}

TEST_CASE("udp check: an echo answers, a closed port is unreachable", "[health]") {
    asio::io_context io;
    udp::socket echo(io, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    std::array<char, 512> buf{};
    udp::endpoint from;
    std::function<void()> serve = [&] {
        echo.async_receive_from(asio::buffer(buf), from, [&](const error_code& ec, size_t n) {
            if (ec) return;
            echo.send_to(asio::buffer("pong:" + std::string(buf.data(), n)), from);
            serve();
        });
    };
    serve();
    HealthCheckConfig c = check(CheckType::kUdp);
    c.send = "ping";
    c.expect = "pong:ping";
    CHECK(probe(io, c, echo.local_endpoint().port()).ok);
    c.expect = "something else";
    CHECK(probe(io, c, echo.local_endpoint().port()).reason == "unexpected answer");
    c.expect.clear();
    udp::socket closed(io, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    const uint16_t closed_port = closed.local_endpoint().port();
    closed.close();
    CHECK(probe(io, c, closed_port).reason == "port unreachable");
}

TEST_CASE("exec check: exit status, environment, and a command killed at its timeout", "[health]") {
    asio::io_context io;
    HealthCheckConfig c = check(CheckType::kExec);
    c.command = "exit 0";
    CHECK(probe(io, c, 80).ok);
    c.command = "exit 3";
    const ProbeResult three = probe(io, c, 80);
    CHECK_FALSE(three.ok);
    CHECK(three.reason == "exit 3");
    c.command = "test \"$DVS_RS_ADDRESS:$DVS_RS_PORT\" = 127.0.0.1:8080";
    CHECK(probe(io, c, 8080).ok);
    // The shell's child (sleep) must die with it: it is in the group killed.
    const std::string marker = "/tmp/dvs-health-exec-" + std::to_string(getpid());
    c.command = "sleep 5; touch " + marker;
    const auto t0 = std::chrono::steady_clock::now();
    const ProbeResult slow = probe(io, c, 80);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));
    CHECK_FALSE(slow.ok);
    CHECK(slow.reason == "timeout after 300 ms (killed)");
}

TEST_CASE("ping check: 127.0.0.1 answers an ICMP echo", "[health]") {
    asio::io_context io;
    const ProbeResult r = probe(io, check(CheckType::kPing), 0);
    if (geteuid() != 0) {
        WARN("not root: no raw socket, the ping check reports " << r.reason);
        CHECK(r.reason.find("ICMP raw socket") != std::string::npos);
        return;
    }
    CHECK(r.ok);
    CHECK(r.reason == "echo reply");
}

TEST_CASE("agent probe: reads one line", "[health]") {
    asio::io_context io;
    TcpServer agent(io, "50%\nignored second line\n");
    AgentCheckConfig a;
    a.port = agent.port();
    a.timeout_ms = 500;
    std::optional<ProbeResult> result;
    auto p = start_agent_probe(io, a, kLoopback, [&](const ProbeResult& r) { result = r; });
    REQUIRE(run_until(
        io, [&] { return result.has_value(); }, std::chrono::milliseconds(2000)));
    CHECK(result->ok);
    CHECK(result->reason == "50%");
}

TEST_CASE("IPv6 real servers: tcp, http, udp, ping, exec and agent probes of ::1", "[health]") {
    asio::io_context io;
    const auto v6 = loopback6();
    const auto limit = std::chrono::milliseconds(3000);
    tcp::acceptor listener(io, tcp::endpoint(asio::ip::address_v6::loopback(), 0));
    CHECK(probe(io, check(CheckType::kTcp), listener.local_endpoint().port(), limit, v6).ok);
    const uint16_t closed = listener.local_endpoint().port();
    listener.close();
    CHECK(probe(io, check(CheckType::kTcp), closed, limit, v6).reason == "connect refused");

    // HTTP: the Host header carries the address in brackets.
    tcp::acceptor web(io, tcp::endpoint(asio::ip::address_v6::loopback(), 0));
    std::string request;
    std::array<char, 1024> buf{};
    tcp::socket peer(io);
    web.async_accept(peer, [&](const error_code& ec) {
        if (ec) return;
        peer.async_read_some(asio::buffer(buf), [&](const error_code& rec, size_t n) {
            if (rec) return;
            request.assign(buf.data(), n);
            asio::write(peer, asio::buffer(std::string("HTTP/1.0 200 OK\r\n\r\nup\n")));
            peer.close();
        });
    });
    const ProbeResult http =
        probe(io, check(CheckType::kHttp), web.local_endpoint().port(), limit, v6);
    CHECK(http.ok);
    CHECK(request.find("Host: [::1]\r\n") != std::string::npos);

    udp::socket echo(io, udp::endpoint(asio::ip::address_v6::loopback(), 0));
    udp::endpoint from;
    std::array<char, 512> ubuf{};
    echo.async_receive_from(asio::buffer(ubuf), from, [&](const error_code& ec, size_t n) {
        if (!ec) echo.send_to(asio::buffer(std::string(ubuf.data(), n)), from);
    });
    HealthCheckConfig u = check(CheckType::kUdp);
    u.send = "ping6";
    u.expect = "ping6";
    CHECK(probe(io, u, echo.local_endpoint().port(), limit, v6).ok);

    HealthCheckConfig e = check(CheckType::kExec);
    e.command = "test \"$DVS_RS_ADDRESS:$DVS_RS_PORT\" = ::1:8080";
    CHECK(probe(io, e, 8080, limit, v6).ok);

    const ProbeResult ping = probe(io, check(CheckType::kPing), 0, limit, v6);
    if (geteuid() != 0) {
        WARN("not root: no raw socket, the ping check reports " << ping.reason);
    } else {
        CHECK(ping.ok);
        CHECK(ping.reason == "echo reply");
    }

    tcp::acceptor agent(io, tcp::endpoint(asio::ip::address_v6::loopback(), 0));
    tcp::socket agent_peer(io);
    agent.async_accept(agent_peer, [&](const error_code& ec) {
        if (!ec) asio::write(agent_peer, asio::buffer(std::string("75%\n")));
    });
    AgentCheckConfig a;
    a.port = agent.local_endpoint().port();
    a.timeout_ms = 500;
    std::optional<ProbeResult> result;
    auto p = start_agent_probe(io, a, v6, [&](const ProbeResult& r) { result = r; });
    REQUIRE(run_until(
        io, [&] { return result.has_value(); }, std::chrono::milliseconds(2000)));
    CHECK(result->ok);
    CHECK(result->reason == "75%");
}

TEST_CASE("monitor: fall, rise, unconfirmed start, agent factor, reload keeps state", "[health]") {
    asio::io_context io;
    auto server = std::make_unique<TcpServer>(io, "");
    const uint16_t port = server->port();
    const uint16_t dead_port = free_port();
    TcpServer agent(io, "drain 50%\n");

    const std::string yaml =
        "ports:\n  - { name: lan, device: net_null0, addresses: [127.0.0.2/8] }\n"
        "services:\n"
        "  - name: web\n    vip: 192.0.2.10\n    port: 80\n    protocol: tcp\n"
        "    health_check: { type: tcp, interval: 100ms, timeout: 100ms, rise: 2, fall: 2 }\n"
        "    real_servers:\n"
        "      - { address: 127.0.0.1, port: " +
        std::to_string(port) +
        " }\n"
        "      - { address: 127.0.0.1, port: " +
        std::to_string(dead_port) +
        " }\n"
        "      - { address: 127.0.0.1, port: 1, health_check: { type: none },\n"
        "          agent_check: { port: " +
        std::to_string(agent.port()) + ", interval: 100ms, timeout: 100ms } }\n";
    const Config config = load_config_text(yaml, "m.yaml");
    int changes = 0;
    HealthMonitor monitor(io, [&] { ++changes; });
    monitor.reconcile(config);
    auto verdict = [&](size_t i) { return monitor.overlay_for(config).servers[0][i]; };

    // Both start up; the dead one goes down on its first failure (unconfirmed).
    CHECK_FALSE(verdict(0).failed);
    CHECK_FALSE(verdict(1).failed);
    REQUIRE(run_until(
        io, [&] { return verdict(1).failed && verdict(2).drain; },
        std::chrono::milliseconds(1000)));
    CHECK_FALSE(verdict(0).failed);
    CHECK(verdict(2).percent == 50);
    CHECK(changes >= 1);
    auto info = monitor.report(config)[0];
    CHECK(info[1].state == "down");
    CHECK(info[1].last_reason == "connect refused");
    CHECK(info[1].transitions == 1);
    CHECK(info[2].state == "drain");
    CHECK(info[2].agent_percent == 50);

    // Let server 0 be confirmed, then stop it: down only after `fall` (2)
    // failures, i.e. 100..300 ms later, not at the first.
    run_until(
        io, [] { return false; }, std::chrono::milliseconds(250));
    server.reset();
    const auto stopped = std::chrono::steady_clock::now();
    REQUIRE(run_until(
        io, [&] { return monitor.report(config)[0][0].failures >= 1; },
        std::chrono::milliseconds(1000)));
    CHECK_FALSE(verdict(0).failed);
    REQUIRE(run_until(
        io, [&] { return verdict(0).failed; }, std::chrono::milliseconds(1000)));
    const auto detected = std::chrono::steady_clock::now() - stopped;
    CHECK(detected >= std::chrono::milliseconds(90));
    CHECK(detected < std::chrono::milliseconds(600));

    // A reload with the same check keeps the state; another check starts afresh.
    HealthMonitor* m = &monitor;
    m->reconcile(config);
    CHECK(verdict(0).failed);
    Config changed = config;
    changed.services[0].real_servers[0].health_check->fall = 5;
    m->reconcile(changed);
    CHECK_FALSE(m->overlay_for(changed).servers[0][0].failed);

    // Back up after `rise` (2) successes.
    m->reconcile(config);
    REQUIRE(run_until(
        io, [&] { return verdict(0).failed; }, std::chrono::milliseconds(1000)));
    TcpServer again(io, "", port);
    const auto restarted = std::chrono::steady_clock::now();
    REQUIRE(run_until(
        io, [&] { return !verdict(0).failed; }, std::chrono::milliseconds(1500)));
    CHECK(std::chrono::steady_clock::now() - restarted >= std::chrono::milliseconds(90));
}
