// The daemon's monitoring listener: the monitoring section's HttpServer,
// rendering its pages from the running state on the control thread.

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/text_codec.hpp"
#include "control/daemon_process.hpp"
#include "control/monitoring/metrics_page.hpp"
#include "control/monitoring/status_json.hpp"

namespace dvs::control {

monitoring::MonitoringView Daemon::monitoring_view() const {
    monitoring::MonitoringView view;
    view.stats = stats_view();
    view.health = health_report();
    view.ha = ha_status();
    view.reloads = {reloads_, reload_failures_, last_reload_time_};
    view.now_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    return view;
}

void Daemon::start_monitoring(boost::asio::io_context& io) {
    const MonitoringConfig& m = config_.monitoring;
    if (!m.enabled) return;
    monitoring::HttpServerOptions options;
    options.address = m.address;
    options.port = m.port;
    options.allow = m.allow;
    options.max_connections = m.max_connections;
    options.timeout = std::chrono::milliseconds(m.request_timeout_ms);
    const std::string where = text::format_ip_bracketed(m.address) + ":" + std::to_string(m.port);
    try {
        monitoring_ = std::make_unique<monitoring::HttpServer>(
            io, std::move(options), [this](monitoring::Page page) -> std::string {
                if (!publisher_ || publisher_->current() == nullptr) return {};
                switch (page) {
                    case monitoring::Page::kMetrics:
                        return render_metrics(monitoring_view());
                    case monitoring::Page::kStatusJson:
                        return render_status_json(monitoring_view());
                    default:  // the status page's files are compiled in
                        return {};
                }
            });
        spdlog::info(
            "monitoring: http://{}/ (status page), /metrics and /status.json ({})", where,
            m.allow.empty() ? "any client" : std::to_string(m.allow.size()) + " allowed networks");
    } catch (const std::exception& e) {
        spdlog::error("monitoring listener {} unavailable: {}", where, e.what());
    }
}

}  // namespace dvs::control
