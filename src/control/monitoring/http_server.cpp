#include "control/monitoring/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "control/monitoring/allow_list.hpp"
#include "control/monitoring/status_page.hpp"

namespace dvs::control::monitoring {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::ip::tcp;

struct HttpServer::State {
    HttpServerOptions options;
    PageRenderer render;
    HttpServerCounters counters;
    struct Cached {
        std::chrono::steady_clock::time_point at{};
        std::shared_ptr<const std::string> body;
    };
    Cached cache[kPageCount];  // by Page

    std::shared_ptr<const std::string> page(Page p) {
        Cached& c = cache[static_cast<size_t>(p)];
        if (const auto file = static_page(p)) {
            // A compiled-in file: made once, shared by every answer.
            if (!c.body) c.body = std::make_shared<const std::string>(*file);
            return c.body;
        }
        const auto now = std::chrono::steady_clock::now();
        if (!c.body || now - c.at >= options.cache) {
            c.body = std::make_shared<const std::string>(render(p));
            c.at = now;
            ++counters.renders;
        }
        return c.body;
    }
};

namespace {

// Beast (Boost 1.74) has its own string_view.
std::string_view to_std(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view to_beast(std::string_view s) { return {s.data(), s.size()}; }

// One client connection: read a request, answer it, again while the
// client keeps the connection alive. Holds a reference to the server's
// State, so it may outlive the HttpServer (until the io_context goes).
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(std::shared_ptr<HttpServer::State> state, tcp::socket socket)
        : state_(std::move(state)),
          stream_(std::move(socket)),
          buffer_(state_->options.header_limit + 1024) {
        ++state_->counters.sessions;
    }
    ~Session() { --state_->counters.sessions; }

    void start() { read(); }

private:
    void read() {
        parser_.emplace();
        parser_->header_limit(state_->options.header_limit);
        parser_->body_limit(0);
        header_bytes_ = 0;
        stream_.expires_after(state_->options.timeout);
        read_some();
    }

    // Beast's header_limit bounds what one parse looks at, not the header:
    // fields it has parsed are consumed, so a header fed in small pieces
    // grows without bound (fuzz_http found 2.4x the limit). The listener
    // counts what the parser consumed and refuses beyond the limit.
    void read_some() {
        http::async_read_some(stream_, buffer_, *parser_,
                              [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                  self->on_read_some(ec, n);
                              });
    }

    void on_read_some(beast::error_code ec, std::size_t consumed) {
        header_bytes_ += consumed;
        if (!ec && !parser_->is_done()) {
            if (header_bytes_ > state_->options.header_limit)
                ec = http::error::header_limit;
            else
                return read_some();
        }
        on_read(ec);
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == boost::asio::error::operation_aborted) {
            return close();
        }
        if (ec == beast::error::timeout) {
            ++state_->counters.timeouts;
            return close();
        }
        if (ec) {
            ++state_->counters.bad_requests;
            const bool too_large =
                ec == http::error::header_limit || ec == http::error::buffer_overflow;
            // A socket error has nobody to answer.
            if (ec.category() == boost::asio::error::get_system_category()) return close();
            return answer(too_large ? 431 : 400, {}, {}, false);
        }
        const auto& request = parser_->get();
        const Route route =
            route_request(to_std(request.method_string()), to_std(request.target()));
        if (route.status != 200) {
            return answer(route.status, route.allow, {}, request.keep_alive());
        }
        answer(200, {}, state_->page(route.page), request.keep_alive(), route.content_type);
    }

    void answer(unsigned status, std::string_view allow, std::shared_ptr<const std::string> body,
                bool keep_alive, std::string_view content_type = "text/plain; charset=utf-8") {
        ++state_->counters.requests;
        body_ = body ? std::move(body)
                     : std::make_shared<const std::string>(std::string(status_text(status)));
        response_.emplace();
        response_->result(status);
        response_->version(11);
        response_->set(http::field::server, "dvsd");
        response_->set(http::field::content_type, to_beast(content_type));
        if (!allow.empty()) response_->set(http::field::allow, to_beast(allow));
        response_->body() = http::span_body<const char>::value_type(body_->data(), body_->size());
        response_->keep_alive(keep_alive);
        response_->prepare_payload();
        stream_.expires_after(state_->options.timeout);
        http::async_write(
            stream_, *response_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    void on_write(beast::error_code ec) {
        if (ec == beast::error::timeout) ++state_->counters.timeouts;
        if (ec || !response_->keep_alive()) return close();
        response_.reset();
        body_.reset();
        read();
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    std::shared_ptr<HttpServer::State> state_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::size_t header_bytes_ = 0;  // consumed by the parser for this request
    std::optional<http::request_parser<http::empty_body>> parser_;
    std::optional<http::response<http::span_body<const char>>> response_;
    std::shared_ptr<const std::string> body_;  // what response_ points into
};

IpAddress to_ip(const boost::asio::ip::address& a) {
    if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
    return IpAddress::v6(a.to_v6().to_bytes());
}

}  // namespace

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options, PageRenderer render)
    : state_(std::make_shared<State>()), acceptor_(io), retry_(io) {
    state_->options = std::move(options);
    state_->render = std::move(render);
    const IpAddress& a = state_->options.address;
    const boost::asio::ip::address address =
        a.is_v4() ? boost::asio::ip::address(boost::asio::ip::address_v4(a.to_v4()))
                  : boost::asio::ip::address(boost::asio::ip::address_v6(a.bytes));
    const tcp::endpoint endpoint(address, state_->options.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(boost::asio::socket_base::max_listen_connections);
    accept();
}

HttpServer::~HttpServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
}

uint16_t HttpServer::port() const { return acceptor_.local_endpoint().port(); }

const HttpServerCounters& HttpServer::counters() const { return state_->counters; }

void HttpServer::accept() {
    acceptor_.async_accept(
        [this, state = state_](boost::system::error_code ec, tcp::socket socket) {
            if (ec == boost::asio::error::operation_aborted) return;
            if (ec) {
                // Out of descriptors, say: try again shortly rather than spin.
                retry_.expires_after(std::chrono::milliseconds(100));
                retry_.async_wait([this](boost::system::error_code e) {
                    if (!e) accept();
                });
                return;
            }
            ++state->counters.accepted;
            boost::system::error_code peer_error;
            const tcp::endpoint peer = socket.remote_endpoint(peer_error);
            if (peer_error || !client_allowed(state->options.allow, to_ip(peer.address()))) {
                ++state->counters.refused_allow;
                socket.close(peer_error);
            } else if (state->counters.sessions >= state->options.max_connections) {
                ++state->counters.refused_busy;
                socket.close(peer_error);
            } else {
                std::make_shared<Session>(state, std::move(socket))->start();
            }
            accept();
        });
}

}  // namespace dvs::control::monitoring
