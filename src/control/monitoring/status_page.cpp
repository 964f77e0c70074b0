#include "control/monitoring/status_page.hpp"

#include "control/monitoring/status_page_assets.hpp"

namespace dvs::control::monitoring {

std::optional<std::string_view> static_page(Page page) {
    switch (page) {
        case Page::kStatusPage:
            return assets::kIndexHtml;
        case Page::kStatusScript:
            return assets::kStatusJs;
        case Page::kStatusStyle:
            return assets::kStatusCss;
        case Page::kNone:
        case Page::kMetrics:
        case Page::kStatusJson:
            break;
    }
    return std::nullopt;
}

}  // namespace dvs::control::monitoring
