#pragma once
// The live status page's files (status_page/index.html, status.css,
// status.js), compiled into dvsd by embed_assets.py so that the page works
// with no file on disk and no network: the page polls /status.json and
// draws it in the browser. Pure and constant.

#include <optional>
#include <string_view>

#include "control/monitoring/http_routes.hpp"

namespace dvs::control::monitoring {

// The file a static page serves; nullopt for the rendered pages (/metrics,
// /status.json) and kNone.
std::optional<std::string_view> static_page(Page page);

}  // namespace dvs::control::monitoring
