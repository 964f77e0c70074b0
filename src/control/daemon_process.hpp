#pragma once
// The dvsd process (run_daemon, daemon.hpp): the running Config, the
// dataplane it drives and the control thread's services. Its methods are
// split by concern: daemon.cpp (the event loop, signals, management socket,
// HA, stats), dataplane_startup.cpp (EAL, ports, workers; their teardown),
// daemon_reload.cpp (reload, runtime changes, the one publish path).
//
// Control thread only: every member is written by the control thread; the
// workers read only what publish() hands them through the SnapshotPublisher.

#include <rte_mempool.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // before Boost.Asio: its awaitable.hpp uses std::exchange
#include <vector>

#include "control/announce/announcer.hpp"
#include "control/config/config.hpp"
#include "control/config/config_diff.hpp"
#include "control/config_loader.hpp"
#include "control/daemon.hpp"
#include "control/ha/ha_manager.hpp"
#include "control/health/health_monitor.hpp"
#include "control/id_registry.hpp"
#include "control/kernel_interface.hpp"
#include "control/management.hpp"
#include "control/monitoring/http_server.hpp"
#include "control/monitoring/monitoring_view.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "dataplane/snapshot_publisher.hpp"
#include "dataplane/sync_rings.hpp"
#include "dataplane/worker.hpp"
#include "mgmt/server.hpp"

namespace dvs::control {

class Daemon final : public ControlPlane {
public:
    explicit Daemon(const DaemonOptions& o) : opts_(o) {}
    int run();

    // ControlPlane (for the management socket).
    const Config& running_config() const override { return config_; }
    bool apply_config(Config next, std::string& message) override;
    // Starts a reload of the file on the loader thread (config_loader.hpp);
    // `done` runs on the control thread once it was applied or refused.
    // Requests that arrive while one runs share the next load.
    void reload_file(ReloadDone done, bool restart) override;
    void load_file_only(LoadedDone done) override;
    bool save_runtime(std::string& message) override;
    StatsView stats_view() const override;
    std::string config_file() const override { return opts_.config_path; }
    std::vector<std::string> needs_restart() const override { return needs_restart_; }
    int64_t last_reload_time() const override { return last_reload_time_; }
    std::vector<std::vector<ServerHealthInfo>> health_report() const override {
        if (!health_) return {};
        return health_->report(config_);
    }
    std::vector<dataplane::ConnDump*> conn_dumps() override {
        std::vector<dataplane::ConnDump*> out;
        for (auto& w : workers_) out.push_back(&w->conn_dump());
        return out;
    }
    std::optional<HaStatus> ha_status() const override {
        return ha_ ? std::optional(ha_->status()) : std::nullopt;
    }
    std::optional<FleetStatus> fleet_status() const override {
        return announcer_ ? std::optional(announcer_->status()) : std::nullopt;
    }
    bool set_drained(bool drained) override {
        if (!announcer_) return false;
        announcer_->set_drained(drained);
        return true;
    }
    // After run(): it ended for a controlled restart; main() re-executes
    // dvsd, with fallback_config() (the previous running Config as YAML) to
    // start from should the new file not start.
    bool reexec_requested() const { return reexec_; }
    const std::string& fallback_config() const { return fallback_config_; }

private:
    // EAL, mbuf pools, ports (with the exception path's kernel interfaces),
    // rings, the first Snapshot and the workers (dataplane_startup.cpp).
    int start_dataplane();
    void start_management(boost::asio::io_context& io);
    // The HTTP listener of the monitoring section, if any (monitoring.cpp);
    // without it the dataplane still runs (logged).
    void start_monitoring(boost::asio::io_context& io);
    monitoring::MonitoringView monitoring_view() const;
    // A validated Config (a reload or a runtime change) becomes the running
    // one: ids, Snapshot, health monitor. False with the reason when refused.
    bool apply(Config next, const std::string& origin, std::string& message);
    // A health or HA transition: the running Config, the checks' new
    // verdicts and the VRRP states.
    void republish(const char* why);
    // The one path to the workers, for start-up, apply and republish: a
    // Snapshot of `config` with `ids`, the checks' verdicts and the HA view,
    // published with RCU. Throws ConfigError when the builder refuses it.
    struct PublishTimes {
        double build_ms = 0, publish_ms = 0;
    };
    PublishTimes publish(const Config& config, const IdAssignment& ids);
    bool start_ha(boost::asio::io_context& io);
    // The fleet's VIP announcement (announce/announcer.hpp), when configured.
    void start_fleet(boost::asio::io_context& io);
    // The connection table across a restart (conn_carry.cpp): saved on
    // SIGTERM while the workers still run, restored once at start.
    void save_connections();
    // Returns when the restored entries were saved (unix ms), if any were.
    std::optional<int64_t> restore_connections();
    // A reload that needs a restart, with restart.when_needed or
    // `dvsadm reload --restart` (controlled_restart.cpp): checks `next` as a
    // start would, keeps the running Config as the fallback file and has
    // run() end for main() to re-execute dvsd. False with the reason when
    // `next` would not start; nothing changes then.
    bool controlled_restart(const Config& next, const std::vector<std::string>& why,
                            std::string& message);
    // A reload that adds or removes port addresses: the exception path's
    // kernel interfaces follow (the Snapshot follows from the Config).
    void apply_port_addresses(const std::vector<PortAddressChange>& changes);
    // The loader's answer, on the control thread: apply or record the refusal,
    // answer the waiters, start the next load if one was asked for meanwhile.
    void on_loaded(LoadResult result);
    void report_stats(const char* why);
    void stop_dataplane();

    DaemonOptions opts_;
    Config config_;
    std::vector<rte_mempool*> pools_;
    dataplane::PortLayout ports_;
    dataplane::HandoffRings rings_;
    std::unique_ptr<dataplane::SnapshotPublisher> publisher_;
    std::vector<std::unique_ptr<dataplane::Worker>> workers_;
    std::vector<unsigned> worker_lcores_;
    std::array<const dataplane::WorkerCounters*, dataplane::kMaxWorkers> all_counters_{};
    std::atomic<bool> stop_{false};
    bool eal_up_ = false;
    bool ports_up_ = false;
    IdRegistry ids_{dataplane::kMaxServices, dataplane::kMaxRealServers};
    uint64_t version_ = 0;
    struct ReloadResult {
        bool ok = true;
        std::string message = "initial configuration";
    } last_reload_;
    int64_t last_reload_time_ = 0;
    uint64_t reloads_ = 0, reload_failures_ = 0;   // of the file, since start
    std::unique_ptr<ConfigLoader> loader_;         // the reload thread (while io runs)
    bool reload_running_ = false;                  // a load is on the loader thread
    bool reload_again_ = false;                    // someone asked during it
    std::vector<ReloadDone> reload_waiters_;       // answered by the running load
    std::vector<ReloadDone> next_reload_waiters_;  // answered by the next one
    std::vector<std::string> needs_restart_;
    bool restart_asked_ = false;  // the running load is a `dvsadm reload --restart`
    bool reexec_ = false;         // run() ends for a controlled restart
    std::string fallback_config_;
    std::function<void()> leave_for_restart_;  // set while run()'s io_context runs
    IdAssignment running_ids_;                 // ids of config_'s services and servers, by position
    std::unique_ptr<HealthMonitor> health_;
    std::unique_ptr<Management> management_;
    std::unique_ptr<MgmtServer> mgmt_server_;
    std::unique_ptr<monitoring::HttpServer> monitoring_;
    std::vector<KernelInterfacePlan> kernel_plans_;
    // The workers' sync rings: the HA peer's stream (with ha.sync) and the
    // restored connections at start.
    std::unique_ptr<dataplane::SyncRings> sync_rings_;
    std::unique_ptr<HaManager> ha_;
    std::unique_ptr<Announcer> announcer_;
};

}  // namespace dvs::control
