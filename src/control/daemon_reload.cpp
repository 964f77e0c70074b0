// Changing the running configuration: SIGHUP (the file), dvsadm (a runtime
// change, validated on the Config itself) and the health and HA transitions
// that only republish. Every one reaches the workers through publish().

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <utility>

#include "control/config/config_changes.hpp"
#include "control/config/config_diff.hpp"
#include "control/config/config_writer.hpp"
#include "control/daemon_process.hpp"
#include "control/service_notify.hpp"
#include "control/snapshot_builder.hpp"
#include "control/telemetry.hpp"

namespace dvs::control {

// SIGHUP and dvsadm's reload. The file is read, parsed and validated on the
// loader thread; only the apply (ids, Snapshot, publish) runs here.
void Daemon::reload_file(ReloadDone done, bool restart) {
    // Folded into a running load, the request applies to that load's file.
    if (restart) restart_asked_ = true;
    if (reload_running_) {
        // The file may have changed since the running load opened it.
        reload_again_ = true;
        if (done) next_reload_waiters_.push_back(std::move(done));
        return;
    }
    if (done) reload_waiters_.push_back(std::move(done));
    // systemd (ExecReload) waits for READY=1 after RELOADING=1, whatever
    // the outcome (on_loaded).
    service_notify::reloading("reloading " + opts_.config_path);
    reload_running_ = true;
    last_reload_time_ = static_cast<int64_t>(std::time(nullptr));
    ++reloads_;
    spdlog::info("reload of {} started on the loader thread", opts_.config_path);
    loader_->load(opts_.config_path, [this](LoadResult result) { on_loaded(std::move(result)); });
}

// reload --dry-run: the same load on the loader thread, compared, not applied.
void Daemon::load_file_only(LoadedDone done) {
    loader_->load(opts_.config_path, [this, done = std::move(done)](LoadResult result) {
        done(result.config ? &*result.config : nullptr, result.error);
        if (result.config) loader_->dispose(std::move(*result.config));
    });
}

bool Daemon::save_runtime(std::string& message) {
    const std::string& path = config_.runtime_overlay;
    if (path.empty()) {
        message = "no runtime_overlay in " + opts_.config_path +
                  ": add `runtime_overlay: /etc/dvs/dvs.runtime.yaml` (any absolute path) to "
                  "save runtime changes without rewriting the file, or print them with save-yaml";
        return false;
    }
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << runtime_overlay_yaml(config_, stamp);
        f.flush();
        if (!f) {
            message = "cannot write " + tmp;
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        message = "cannot rename " + tmp + " to " + path + ": " + ec.message();
        return false;
    }
    message = "services and timeouts saved to " + path + " (" + opts_.config_path +
              " is unchanged; its services and timeouts apply again once " + path + " is removed)";
    return true;
}

void Daemon::on_loaded(LoadResult result) {
    std::string message;
    bool ok = false;
    // Asked for this load only: a refused file does not leave it for the next SIGHUP.
    const bool asked = std::exchange(restart_asked_, false);
    if (!result.config) {
        message = result.error;
        last_reload_ = {false, message};
        ++reload_failures_;
        spdlog::error("reload rejected, keeping version {}: {} (refused after {:.1f} ms)", version_,
                      message, result.load_ms);
    } else {
        spdlog::info("reload: {} loaded and validated in {:.1f} ms", opts_.config_path,
                     result.load_ms);
        if (result.config->overlay_loaded) {
            spdlog::info("reload: services and timeouts from {} (saved runtime changes)",
                         result.config->runtime_overlay);
        }
        const std::vector<std::string> restart = restart_only_changes(config_, *result.config);
        if (asked || (!restart.empty() && result.config->restart.when_needed)) {
            if (controlled_restart(*result.config, restart, message)) {
                // No READY=1: the new process sends it once it forwards.
                last_reload_ = {true, message};
                std::vector<ReloadDone> waiters = std::move(reload_waiters_);
                reload_waiters_.clear();
                for (ReloadDone& w : next_reload_waiters_) waiters.push_back(std::move(w));
                next_reload_waiters_.clear();
                reload_again_ = false;
                for (const ReloadDone& w : waiters) w(true, message);
                return;
            }
            ++reload_failures_;
            last_reload_ = {false, message};
        } else {
            try {
                ok = apply(std::move(*result.config), opts_.config_path, message);
                if (ok && management_) management_->file_reloaded(opts_.config_path);
            } catch (const ConfigError& e) {
                message = e.what();
                spdlog::error("reload rejected, keeping version {}: {}", version_, message);
            }
            last_reload_ = {ok, message};
            if (!ok) ++reload_failures_;
        }
    }
    service_notify::ready(
        ok ? fmt::format("forwarding: reloaded, version {}", version_)
           : fmt::format("forwarding: reload rejected, keeping version {}: {}", version_, message));
    std::vector<ReloadDone> waiters = std::move(reload_waiters_);
    reload_waiters_.clear();
    reload_running_ = false;
    for (const ReloadDone& w : waiters) w(ok, message);
    if (reload_again_) {
        reload_again_ = false;
        std::vector<ReloadDone> next = std::move(next_reload_waiters_);
        next_reload_waiters_.clear();
        reload_file(nullptr, false);  // restart_asked_ stays as asked
        for (ReloadDone& w : next) reload_waiters_.push_back(std::move(w));
    }
}

// A runtime change (management socket): the edited copy of the running
// Config gets the checks a file gets, on the Config itself; messages name
// the change instead of a file position.
bool Daemon::apply_config(Config next, std::string& message) {
    next.source = "runtime change";
    try {
        validate_runtime_change(next, next.source);
    } catch (const ConfigError& e) {
        message = in_dvsadm_terms(next, e.what());
        spdlog::warn("runtime change refused: {}", message);
        return false;
    }
    return apply(std::move(next), next.source, message);
}

bool Daemon::apply(Config next, const std::string& origin, std::string& message) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::string> restart = restart_only_changes(config_, next);
    needs_restart_ = restart;
    if (!restart.empty()) {
        std::string list;
        for (const std::string& r : restart) list += (list.empty() ? "" : ", ") + r;
        // Routes, neighbours and services were validated against the new
        // ports; with the running ports kept they must still make sense.
        if (std::find(restart.begin(), restart.end(), "ports") != restart.end()) {
            message =
                "the ports section changed and needs a restart; nothing applied "
                "(restart: { when_needed: true } or `dvsadm reload --restart` restarts dvsd "
                "with it, keeping connections)";
            spdlog::error("{}: rejected, keeping version {}: {} ({})", origin, version_, message,
                          list);
            return false;
        }
        spdlog::warn("{}: needs restart to take effect, left as running: {}", origin, list);
        next = keep_restart_only(config_, std::move(next));
    }
    const std::vector<PortAddressChange> addresses = port_address_changes(config_, next);
    IdRegistry trial = ids_;
    IdAssignment ids;
    PublishTimes times;
    try {
        // A freed real server id is reused only once no worker holds a
        // connection to it any more.
        ids = trial.assign(next, [this](uint32_t id) {
            int64_t held = 0;
            for (const auto& w : workers_) {
                held += w->counters().rs_load[id].active.get() +
                        w->counters().rs_load[id].inactive.get();
            }
            return held == 0;
        });
        times = publish(next, ids);
    } catch (const ConfigError& e) {
        message = origin == next.source && origin == "runtime change"
                      ? in_dvsadm_terms(next, e.what())
                      : std::string(e.what());
        spdlog::error("{}: rejected, keeping version {}: {}", origin, version_, message);
        return false;
    }
    const double built_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() -
        times.publish_ms;
    ids_ = std::move(trial);
    running_ids_ = std::move(ids);
    // The replaced Config is freed on the loader thread (16,384 services
    // are many small frees).
    Config old = std::exchange(config_, std::move(next));
    if (loader_) loader_->dispose(std::move(old));
    // Servers that kept their address, port and checks keep their state;
    // new ones start as overlay_for() assumed in publish().
    if (health_) health_->reconcile(config_);
    apply_port_addresses(addresses);
    size_t servers = 0;
    for (const ServiceConfig& s : config_.services) servers += s.real_servers.size();
    message = "version " + std::to_string(version_) + " applied";
    if (!restart.empty()) message += " (some settings need a restart)";
    spdlog::info(
        "reloaded {}: version {}, {} services, {} real servers; built in {:.1f} ms, "
        "published in {:.1f} ms{}",
        origin, version_, config_.services.size(), servers, built_ms, times.publish_ms,
        restart.empty() ? "" : " (some settings need a restart)");
    return true;
}

void Daemon::republish(const char* why) {
    try {
        const PublishTimes times = publish(config_, running_ids_);
        spdlog::info("{}: version {} published in {:.1f} ms", why, version_,
                     times.build_ms + times.publish_ms);
    } catch (const ConfigError& e) {  // the same config built before; not expected
        spdlog::error("{}: cannot rebuild the snapshot: {}", why, e.what());
    }
}

Daemon::PublishTimes Daemon::publish(const Config& config, const IdAssignment& ids) {
    using Ms = std::chrono::duration<double, std::milli>;
    const auto t0 = std::chrono::steady_clock::now();
    // Before the first check has run (start-up) every server counts as up.
    const HealthOverlay overlay = health_ ? health_->overlay_for(config) : HealthOverlay{};
    std::unique_ptr<dataplane::Snapshot> snap = build_snapshot(
        config, config_.dataplane.workers, version_ + 1, &ids, publisher_->current(), &overlay);
    // The HA view: which addresses this box leaves to its peer, gratuitous
    // ARPs, sync. Until VRRP has decided, every VRRP address is left alone.
    if (ha_) {
        ha_->apply(*snap);
    } else if (config_.ha.enabled) {
        HaManager::apply_initial(config_, *snap);
    }
    const auto t1 = std::chrono::steady_clock::now();
    publisher_->publish(std::move(snap));  // waits one grace period, frees the old one
    ++version_;
    if (announcer_) announcer_->update(*publisher_->current());
    telemetry::set_services(config);
    return {Ms(t1 - t0).count(), Ms(std::chrono::steady_clock::now() - t1).count()};
}

}  // namespace dvs::control
