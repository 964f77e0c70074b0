#pragma once
// The monitoring listener: HTTP/1.1 over TCP with Boost.Beast, on the
// control thread's io_context, read-only (GET; http_routes.hpp decides).
//
// Bounded so that no client can stall the control thread or grow memory:
//  - clients outside the allow-list are closed at accept, unanswered;
//  - at most max_connections sessions; more are closed at accept;
//  - a request must arrive whole within `timeout` (slowloris), and its
//    answer be taken within `timeout` (a reader that stalls);
//  - the header may be header_limit bytes (Beast counts the request line
//    and the fields each; the read buffer, header_limit + 1 KiB, caps the
//    sum: 431 and closed beyond either);
//    a request with a body is refused (400);
//  - a page is rendered at most once per `cache` and shared by every
//    session that asks meanwhile, so a thousand scrapes cost one render;
//    the status page's files are compiled in and never rendered.
// Workers are never touched: the renderer reads their counters.
//
// Control thread only.

#include <utility>  // before Boost.Asio: its awaitable.hpp uses std::exchange

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/net_types.hpp"
#include "control/monitoring/http_routes.hpp"

namespace dvs::control::monitoring {

struct HttpServerOptions {
    IpAddress address = IpAddress::v4(0x7f000001);  // IPv4 or IPv6; [::] takes IPv4 too
    uint16_t port = 9110;                           // 0: any (tests read port())
    std::vector<IpPrefix> allow;                    // either family; empty: everyone
    uint32_t max_connections = 64;
    std::chrono::milliseconds timeout{5000};
    uint32_t header_limit = 8192;
    std::chrono::milliseconds cache{1000};
};

// What the listener has seen; for its own metrics and the tests.
struct HttpServerCounters {
    uint64_t accepted = 0;
    uint64_t requests = 0;       // answered, any status
    uint64_t refused_allow = 0;  // not in the allow-list
    uint64_t refused_busy = 0;   // max_connections reached
    uint64_t bad_requests = 0;   // malformed, too large, with a body
    uint64_t timeouts = 0;       // a request or an answer took too long
    uint64_t renders = 0;        // pages rendered (the rest came from the cache)
    uint32_t sessions = 0;       // open now
};

// Renders a page (/metrics, /status.json); called on the control thread.
using PageRenderer = std::function<std::string(Page)>;

class HttpServer {
public:
    // Binds and listens; throws boost::system::system_error on failure.
    HttpServer(boost::asio::io_context& io, HttpServerOptions options, PageRenderer render);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    uint16_t port() const;
    const HttpServerCounters& counters() const;

    struct State;  // shared with the sessions (http_server.cpp)

private:
    void accept();

    std::shared_ptr<State> state_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;
};

}  // namespace dvs::control::monitoring
