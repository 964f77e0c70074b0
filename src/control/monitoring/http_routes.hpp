#pragma once
// Which page an HTTP request asks for: a pure function of the request line,
// so the fuzz target (fuzz/fuzz_http.cpp) and the unit tests exercise
// exactly what the listener runs. The listener is read-only: GET only.

#include <cstddef>
#include <string_view>

namespace dvs::control::monitoring {

// kStatusPage, kStatusScript and kStatusStyle are the status page's files,
// compiled in (status_page.hpp); the others are rendered from the counters.
enum class Page { kNone, kMetrics, kStatusJson, kStatusPage, kStatusScript, kStatusStyle };
inline constexpr size_t kPageCount = 6;

struct Route {
    unsigned status = 404;  // HTTP status to answer with
    Page page = Page::kNone;
    std::string_view content_type = "text/plain; charset=utf-8";
    std::string_view allow;  // the Allow header, with 405
};

// `method` and `target` as the request line had them. The query string is
// ignored (Prometheus sends none; a browser may add one).
Route route_request(std::string_view method, std::string_view target);

// The small body of an answer that is not a page (404, 405, 400).
std::string_view status_text(unsigned status);

}  // namespace dvs::control::monitoring
