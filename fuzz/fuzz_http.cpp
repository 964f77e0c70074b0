// libFuzzer target: the monitoring listener's request handling
// (src/control/monitoring): bytes from a client go through Beast's request
// parser with the listener's limits, and a parsed request through
// route_request, exactly as the listener does.
//
// Invariants:
//  - the parser stops with an error or a header; a header is accepted
//    only within the listener's cap on consumed bytes (plus one parse);
//  - every route is an answer the listener can give: 200 with a page,
//    400, 404, or 405 naming GET; nothing but GET reaches a page.

#include <algorithm>
#include <boost/beast/http.hpp>
#include <string_view>

#include "control/monitoring/http_routes.hpp"
#include "fuzz_check.hpp"

namespace http = boost::beast::http;
using dvs::control::monitoring::Page;
using dvs::control::monitoring::Route;
using dvs::control::monitoring::route_request;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr size_t kHeaderLimit = 1024;  // small, so the fuzzer reaches it
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(0);
    boost::beast::error_code ec;
    size_t used = 0, received = 0;
    // Arriving in pieces as from a socket; what the parser leaves unused is
    // offered again with the next piece, as the listener's buffer does.
    while (!parser.is_header_done() && received < size) {
        received = std::min(size, received + 1 + data[received] % 64);
        used += parser.put(boost::asio::buffer(data + used, received - used), ec);
        if (ec == http::error::need_more) ec = {};
        if (ec) return 0;
        // The listener's own cap (http_server.cpp): Beast's limit bounds one
        // parse's window only, and consumed fields do not count against it.
        if (!parser.is_header_done() && used > kHeaderLimit) return 0;
    }
    if (!parser.is_header_done()) return 0;
    // Within the cap before the last piece, and the last parse looks at
    // most at header_limit bytes for the request line and for the fields.
    FUZZ_CHECK(used <= 3 * kHeaderLimit);
    const auto& request = parser.get();
    const auto method = request.method_string();
    const auto target = request.target();
    const Route r = route_request(std::string_view(method.data(), method.size()),
                                  std::string_view(target.data(), target.size()));
    FUZZ_CHECK(r.status == 200 || r.status == 400 || r.status == 404 || r.status == 405);
    FUZZ_CHECK((r.status == 200) == (r.page != Page::kNone));
    if (r.status == 200) FUZZ_CHECK(request.method() == http::verb::get);
    if (r.status == 405) FUZZ_CHECK(r.allow == "GET");
    return 0;
}
