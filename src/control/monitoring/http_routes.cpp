#include "control/monitoring/http_routes.hpp"

namespace dvs::control::monitoring {

namespace {

// Prometheus text exposition format 0.0.4.
constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
constexpr std::string_view kScriptType = "text/javascript; charset=utf-8";
constexpr std::string_view kStyleType = "text/css; charset=utf-8";

}  // namespace

Route route_request(std::string_view method, std::string_view target) {
    if (target.empty() || target.front() != '/') return Route{.status = 400};
    if (method != "GET") return Route{.status = 405, .allow = "GET"};
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/" || path == "/status") {
        return Route{.status = 200, .page = Page::kStatusPage, .content_type = kHtmlType};
    }
    if (path == "/status.js") {
        return Route{.status = 200, .page = Page::kStatusScript, .content_type = kScriptType};
    }
    if (path == "/status.css") {
        return Route{.status = 200, .page = Page::kStatusStyle, .content_type = kStyleType};
    }
    if (path == "/metrics") {
        return Route{.status = 200, .page = Page::kMetrics, .content_type = kMetricsType};
    }
    if (path == "/status.json") {
        return Route{.status = 200, .page = Page::kStatusJson, .content_type = kJsonType};
    }
    return Route{};
}

std::string_view status_text(unsigned status) {
    switch (status) {
        case 200:
            return "ok\n";
        case 400:
            return "bad request\n";
        case 405:
            return "method not allowed: this listener is read-only (GET)\n";
        case 431:
            return "request header fields too large\n";
        default:
            return "not found: try /, /metrics or /status.json\n";
    }
}

}  // namespace dvs::control::monitoring
