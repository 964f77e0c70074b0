#pragma once
// The daemon's side of the management protocol (mgmt_protocol.hpp): turns
// each request into a query of the running state or a configuration change.
//
// Runtime changes (dvsadm -A/-E/-D/-a/-e/-d/-C/--set) edit a copy of the
// running Config, which the daemon validates as it validates a file (on the
// Config itself, no YAML involved) and applies through the same path as a
// SIGHUP reload (new Snapshot, RCU). They last until the next
// reload of the file, which replaces them; `save-yaml` returns the running
// configuration so it can be written over the file first.
//
// Control thread only.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/announce/announcer.hpp"
#include "control/config/config.hpp"
#include "control/ha/ha_status.hpp"
#include "control/health/health_monitor.hpp"
#include "control/runtime_changes.hpp"
#include "control/stats_report.hpp"
#include "dataplane/conn_dump.hpp"
#include "mgmt/protocol.hpp"
#include "mgmt/server.hpp"

namespace dvs::control {

// What the management layer needs from the daemon.
class ControlPlane {
public:
    virtual ~ControlPlane() = default;
    virtual const Config& running_config() const = 0;
    // Validates and applies `next` like a reload of a file; false with a
    // message when it was refused (the running state is then unchanged).
    virtual bool apply_config(Config next, std::string& message) = 0;
    // Reloads the configuration file without blocking the control thread;
    // `done(ok, message)` runs on the control thread when the file was
    // applied (ok) or refused (the reason). `restart`: apply it by a
    // controlled restart (dvsadm reload --restart) even when no change
    // needs one; ok then means validated and restarting.
    using ReloadDone = std::function<void(bool ok, const std::string& message)>;
    virtual void reload_file(ReloadDone done, bool restart) = 0;
    // Loads the file like a reload and hands the result (or the error) to
    // `done` on the control thread without applying it (reload --dry-run).
    using LoadedDone = std::function<void(const Config* loaded, const std::string& error)>;
    virtual void load_file_only(LoadedDone done) = 0;
    // Writes the running services and timeouts to the runtime overlay
    // (Config::runtime_overlay); false with the reason when it cannot.
    virtual bool save_runtime(std::string& message) = 0;
    virtual StatsView stats_view() const = 0;
    virtual std::string config_file() const = 0;
    virtual std::vector<std::string> needs_restart() const = 0;
    virtual int64_t last_reload_time() const = 0;
    // What the health checks found, per service, per real server of
    // running_config().
    virtual std::vector<std::vector<ServerHealthInfo>> health_report() const = 0;
    // Each worker's connection-listing mailbox (see dataplane/conn_dump.hpp).
    virtual std::vector<dataplane::ConnDump*> conn_dumps() = 0;
    // High availability's state (VRRP instances, sync channel); empty
    // when the configuration has no ha section.
    virtual std::optional<HaStatus> ha_status() const = 0;
    // The fleet's announcement; empty when the configuration has no fleet
    // section. set_drained is false when there is no fleet to drain.
    virtual std::optional<FleetStatus> fleet_status() const = 0;
    virtual bool set_drained(bool drained) = 0;
};

class Management {
public:
    explicit Management(ControlPlane& plane) : plane_(plane) {}

    // The MgmtHandler: a validated request in, the whole answer out.
    nlohmann::json handle(const nlohmann::json& request);
    // The MgmtDeferredHandler: takes `reload` (answered when the loader
    // thread and the apply are done); false for every other request.
    bool handle_deferred(const nlohmann::json& request, MgmtAnswer answer);

    // Who sent the request about to be handled (the server's on_request).
    void set_caller(const Caller& who) { caller_ = who; }
    // A reload of the file replaced the running configuration: the runtime
    // changes not saved are gone (each is logged).
    void file_reloaded(const std::string& file) { changes_.discard(file); }
    size_t unsaved_changes() const { return changes_.unsaved(); }

    // Called once a second by the control thread: samples counters for
    // --rate (per-second differences between the last two samples).
    void sample_rates();

    // One service's or real server's traffic summed over the workers.
    using Totals = mgmt::Counters;

private:
    Totals service_totals(const StatsView& v, uint16_t id) const;
    Totals server_totals(const StatsView& v, uint32_t id) const;
    mgmt::ListResponse list(const mgmt::ListRequest& r) const;
    mgmt::StatusResponse status() const;
    mgmt::HealthResponse health() const;
    mgmt::HaResponse ha() const;
    nlohmann::json fleet(const mgmt::FleetRequest& r);
    // Applies `edit` to a copy of the running Config; `op` names the
    // request in the audit line when it changed nothing.
    nlohmann::json change(const std::string& op, const std::function<void(Config&)>& edit);
    mgmt::ConnsResponse conns(const mgmt::ConnsRequest& r);

    ControlPlane& plane_;
    Caller caller_;
    RuntimeChanges changes_;
    // Zeroed counters: what the counters read at `zero` is subtracted.
    std::vector<Totals> service_base_, server_base_;
    // Rate samples.
    std::vector<Totals> service_prev_, server_prev_, service_rate_, server_rate_;
    std::chrono::steady_clock::time_point prev_time_{};
    // Buffers the workers copy connections into; kept across requests, since
    // a worker that has not finished may still write into them.
    std::vector<std::vector<dataplane::ConnDumpEntry>> dump_buffers_;
    std::vector<std::vector<dataplane::ConnDumpEntry6>> dump_buffers6_;
};

}  // namespace dvs::control
