// The dvsd process's control thread: load and check the configuration,
// start the dataplane (dataplane_startup.cpp), then serve signals, the
// management socket, health checks and HA until told to stop.

#include "control/daemon.hpp"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "control/checksum_audit.hpp"
#include "control/conn_state_file.hpp"
#include "control/daemon_process.hpp"
#include "control/hugepage_check.hpp"
#include "control/preflight.hpp"
#include "control/service_notify.hpp"
#include "control/snapshot_builder.hpp"
#include "control/stats_report.hpp"

namespace dvs::control {

namespace {

void write_stats_file(const std::string& path, const std::string& json) {
    if (path.empty()) return;
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << json;
        if (!f) {
            spdlog::error("stats: cannot write {}", tmp);
            return;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) spdlog::error("stats: cannot rename {} to {}: {}", tmp, path, ec.message());
}

// --check: what bounds each TCP service's half-open connections (a SYN
// flood), and which services have none (max_half_open: 0).
void print_syn_bounds(const Config& config) {
    std::string unbounded;
    size_t defaulted = 0;
    for (const ServiceConfig& s : config.services) {
        if (s.protocol != Protocol::kTcp) continue;
        if (s.max_half_open == 0u) unbounded += (unbounded.empty() ? "" : ", ") + s.name;
        if (!s.max_half_open) ++defaulted;
    }
    if (defaulted > 0) {
        std::printf(
            "SYN-flood bound: %zu TCP services without max_half_open get the default, "
            "%u half-open per worker (conn_capacity / 8)\n",
            defaulted, default_half_open_per_worker(config.dataplane));
    }
    if (!unbounded.empty()) {
        std::printf("SYN-flood bound: none for (max_half_open: 0): %s\n", unbounded.c_str());
    }
}

}  // namespace

int Daemon::run() {
    std::vector<PreflightWarning> warnings;
    try {
        ParsedConfig parsed = read_config_file(opts_.config_path);
        config_ = std::move(parsed.config);
        warnings = preflight_warnings(config_, parsed.positions, kernel_probe());
        // The snapshot builder enforces dataplane limits; run it for --check too.
        build_snapshot(config_, config_.dataplane.workers, 0);
        check_hugepage_memory(config_, read_hugepages());
    } catch (const ConfigError& e) {
        // --check answers on stderr once; a start logs it (issue 19: both, twice).
        if (opts_.check_only) {
            std::fprintf(stderr, "%s\n", e.what());
        } else {
            spdlog::error("configuration rejected: {}", e.what());
        }
        return 1;
    }
    if (config_.overlay_loaded) {
        spdlog::info("services and timeouts from {} (saved runtime changes), not from {}",
                     config_.runtime_overlay, opts_.config_path);
    }
    if (opts_.check_only) {
        std::printf("%s: configuration ok (%zu ports, %zu services, %u workers)\n",
                    opts_.config_path.c_str(), config_.ports.size(), config_.services.size(),
                    config_.dataplane.workers);
        print_syn_bounds(config_);
        for (const PreflightWarning& w : warnings) std::printf("warning: %s\n", w.text.c_str());
        return 0;
    }
    for (const PreflightWarning& w : warnings) {
        if (w.stops_start) {
            spdlog::error("start-up failed: {}", w.text);
            return 2;
        }
        spdlog::warn("{}", w.text);
    }

    int rc = 0;
    service_notify::status("starting: EAL, ports, workers");
    try {
        rc = start_dataplane();
    } catch (const std::exception& e) {
        spdlog::error("start-up failed: {}", e.what());
        service_notify::status(std::string("start-up failed: ") + e.what());
        rc = 2;
    }
    if (rc != 0) {
        stop_dataplane();
        return rc;
    }

    boost::asio::io_context io;
    boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    boost::asio::signal_set info_signals(io, SIGUSR1, SIGHUP);
    auto leave = [&] {
        // VRRP masters say goodbye (priority 0): the peer takes over at once.
        if (ha_) ha_->stop();
        if (announcer_) {
            announcer_->begin_stopping();  // without a grace period: withdraw now
            announcer_->stop();
        }
        io.stop();
    };
    auto stop_now = [&] {
        service_notify::stopping("stopping: VRRP hand-over, workers, final stats");
        leave();
    };
    // A controlled restart leaves as SIGTERM does, but systemd hears no
    // STOPPING=1: the reload it was told of ends with the new READY=1.
    boost::asio::steady_timer restart_timer(io);
    leave_for_restart_ = [&] {
        // The reload's answer to dvsadm goes out first.
        restart_timer.expires_after(std::chrono::milliseconds(100));
        restart_timer.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) leave();
        });
    };
    // In a fleet, SIGTERM first withdraws the VIPs and keeps forwarding for
    // fleet.shutdown_grace while the routers move the flows; a second
    // signal stops at once.
    boost::asio::steady_timer grace_timer(io);
    std::function<void(const boost::system::error_code&, int)> on_stop =
        [&](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            reexec_ = false;  // a stop wins over a controlled restart under way
            const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
            if (announcer_ && !announcer_->status().stopping &&
                config_.fleet.shutdown_grace_ms > 0) {
                spdlog::info("signal {}: withdrawing every VIP, forwarding for {} ms more", name,
                             config_.fleet.shutdown_grace_ms);
                service_notify::stopping("stopping: VIPs withdrawn, forwarding the grace period");
                announcer_->begin_stopping();
                grace_timer.expires_after(
                    std::chrono::milliseconds(config_.fleet.shutdown_grace_ms));
                grace_timer.async_wait([&](const boost::system::error_code& tec) {
                    if (tec) return;
                    spdlog::info("fleet: grace period over: stopping");
                    stop_now();
                });
                stop_signals.async_wait(on_stop);
                return;
            }
            spdlog::info("signal {}: stopping", name);
            stop_now();
        };
    stop_signals.async_wait(on_stop);
    std::function<void(const boost::system::error_code&, int)> on_info =
        [&](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            if (sig == SIGUSR1) {
                report_stats("SIGUSR1");
            } else {
                reload_file(nullptr, false);  // logged when it ends
            }
            info_signals.async_wait(on_info);
        };
    info_signals.async_wait(on_info);

    loader_ = std::make_unique<ConfigLoader>(io);
    start_management(io);
    start_monitoring(io);
    health_ = std::make_unique<HealthMonitor>(io, [this] { republish("health"); });
    health_->reconcile(config_);
    if (!start_ha(io)) {
        mgmt_server_.reset();
        loader_.reset();
        health_.reset();
        stop_.store(true);
        rte_eal_mp_wait_lcore();
        stop_dataplane();
        return 2;
    }
    start_fleet(io);
    std::vector<std::string> port_labels;
    for (const auto& port : ports_.ports)
        port_labels.push_back(port.name + " (" + port.device + ")");
    ChecksumAudit checksum_audit(std::move(port_labels));
    std::vector<const dataplane::WorkerCounters*> counters;
    for (const auto& w : workers_) counters.push_back(&w->counters());
    boost::asio::steady_timer rate_timer(io);
    std::function<void(const boost::system::error_code&)> on_tick =
        [&](const boost::system::error_code& ec) {
            if (ec) return;
            management_->sample_rates();
            for (const std::string& warning : checksum_audit.poll(counters)) {
                spdlog::warn("{}", warning);
            }
            rate_timer.expires_after(std::chrono::seconds(1));
            rate_timer.async_wait(on_tick);
        };
    rate_timer.expires_after(std::chrono::seconds(1));
    rate_timer.async_wait(on_tick);

    const std::optional<int64_t> saved_at_ms = restore_connections();
    spdlog::info("dvsd ready: {} workers, {} ports, {} services", workers_.size(),
                 ports_.ports.size(), config_.services.size());
    if (saved_at_ms) {
        spdlog::info("restart: forwarding again {} ms after the connections were saved",
                     unix_now_ms() - *saved_at_ms);
    }
    // Ports are up, the first Snapshot is published and the workers run.
    service_notify::ready(fmt::format("forwarding: {} workers, {} ports, {} services, version {}",
                                      workers_.size(), ports_.ports.size(), config_.services.size(),
                                      version_));
    if (announcer_) announcer_->set_ready();
    io.run();

    if (mgmt_server_) mgmt_server_->stop();
    monitoring_.reset();
    // Asio objects must go before the io_context they were made with (ASan
    // found the management server's timer outliving it).
    mgmt_server_.reset();
    health_.reset();
    ha_.reset();
    announcer_.reset();
    leave_for_restart_ = nullptr;
    save_connections();
    loader_.reset();  // joins the reload thread (it posts to io)
    stop_.store(true);
    rte_eal_mp_wait_lcore();
    report_stats(reexec_ ? "controlled restart" : "exit");
    stop_dataplane();
    if (reexec_) {
        spdlog::info(
            "controlled restart: EAL, ports and the management socket released; {} follows",
            opts_.config_path);
    }
    return 0;
}

void Daemon::start_fleet(boost::asio::io_context& io) {
    if (!config_.fleet.enabled) return;
    std::string interface = config_.fleet.interface;
    if (interface.empty() && !kernel_plans_.empty()) interface = kernel_plans_.front().ifname;
    announcer_ = std::make_unique<Announcer>(io, config_.fleet, interface);
    announcer_->update(*publisher_->current());
    announcer_->start();
}

bool Daemon::start_ha(boost::asio::io_context& io) {
    if (!config_.ha.enabled) return true;
    try {
        ha_ = std::make_unique<HaManager>(
            io, config_, config_.ha.sync.peer ? sync_rings_.get() : nullptr,
            [this] { return publisher_->current(); }, [this] { republish("ha"); });
        ha_->start();
    } catch (const std::exception& e) {
        spdlog::error("start-up failed: high availability: {}", e.what());
        ha_.reset();
        return false;
    }
    return true;
}

StatsView Daemon::stats_view() const {
    StatsView view;
    view.config = &config_;
    view.snapshot = publisher_ ? publisher_->current() : nullptr;
    view.ids = &running_ids_;
    for (const auto& w : workers_) view.workers.push_back(&w->counters());
    view.last_reload_ok = last_reload_.ok;
    view.last_reload_message = last_reload_.message;
    for (size_t i = 0; i < pools_.size(); ++i) {
        if (pools_[i] == nullptr) continue;
        view.mbuf_pool_size += pools_[i]->size;
        view.mbuf_pool_free += rte_mempool_avail_count(pools_[i]);
    }
    for (const auto& port : ports_.ports) {
        rte_eth_stats st{};
        if (rte_eth_stats_get(port.port_id, &st) == 0) view.rx_nombuf += st.rx_nombuf;
    }
    return view;
}

// The management socket; without it the dataplane still runs (logged).
void Daemon::start_management(boost::asio::io_context& io) {
    management_ = std::make_unique<Management>(*this);
    try {
        MgmtServerOptions options;
        options.socket_path = config_.management.socket;
        if (config_.management.gid) options.group = static_cast<gid_t>(*config_.management.gid);
        // Someone tried the socket without the right: worth a line in the log.
        options.on_refusal = [](const std::string& why) {
            spdlog::warn("management: refused a connection: {}", why);
        };
        options.on_request = [this](uid_t uid, pid_t pid) { management_->set_caller({uid, pid}); };
        options.deferred = [this](const nlohmann::json& request, MgmtAnswer answer) {
            return management_->handle_deferred(request, std::move(answer));
        };
        mgmt_server_ = std::make_unique<MgmtServer>(
            io, std::move(options),
            [this](const nlohmann::json& request) { return management_->handle(request); });
        spdlog::info(
            "management socket {} (root{})", config_.management.socket,
            config_.management.group.empty() ? " only" : " and group " + config_.management.group);
    } catch (const std::exception& e) {
        spdlog::error("management socket unavailable: {}", e.what());
    }
}

void Daemon::report_stats(const char* why) {
    if (!publisher_ || publisher_->current() == nullptr) return;
    const StatsView view = stats_view();
    spdlog::info("counters ({}):\n{}", why, render_stats_table(view));
    write_stats_file(opts_.stats_file, render_stats_json(view));
}

DaemonExit run_daemon(const DaemonOptions& options) {
    Daemon d(options);
    DaemonExit exit;
    exit.status = d.run();
    exit.reexec = d.reexec_requested();
    exit.fallback_config = d.fallback_config();
    return exit;
}

}  // namespace dvs::control
