#pragma once
// Runs every real server's health check and agent check on the control
// thread's io_context, keeps their state (up/down with rise and fall, the
// agent's weight factor and drain/down), logs and counts each transition,
// and tells the daemon when the scheduling must change. The daemon then
// rebuilds the Snapshot from its Config plus overlay_for() and publishes
// it through the reload path; established connections are never touched.
//
// State belongs to (service VIP:port/protocol, server address:port, its
// check and agent settings): a reload that keeps all of these keeps the
// state; anything else starts afresh. A fresh server starts up but
// unconfirmed: its first check runs at once, and a single failure then
// takes it down, while a confirmed server needs `fall` failures in a row.
// So a restarted balancer serves at once, and a dead server costs at most
// one check, not fall x interval (HAProxy's default init-state "up" does
// the same).
//
// Control thread only.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "control/config/config.hpp"
#include "control/health/health_overlay.hpp"

namespace dvs::control {

// One real server as dvsadm shows it.
struct ServerHealthInfo {
    std::string check = "none";  // check type, "none" without a health check
    std::string state = "up";    // "up", "down" or "drain"
    int64_t since_ms = 0;        // unix ms of the last transition (0: never changed)
    int64_t last_check_ms = 0;   // unix ms of the last check result (0: none yet)
    bool last_ok = true;
    std::string last_reason;  // "HTTP 503", "connect refused", ...
    bool agent = false;       // has an agent check
    uint32_t agent_percent = 100;
    std::string agent_last;  // the last answer, or why there was none
    uint64_t checks = 0, failures = 0, transitions = 0;
    uint64_t agent_checks = 0, agent_failures = 0;
};

class HealthMonitor {
public:
    // on_change is called (from the io_context) after a transition that
    // changes scheduling; several transitions at once give one call.
    HealthMonitor(boost::asio::io_context& io, std::function<void()> on_change);
    ~HealthMonitor();
    HealthMonitor(const HealthMonitor&) = delete;
    HealthMonitor& operator=(const HealthMonitor&) = delete;

    // Starts, keeps or stops checks to match the running `config`.
    void reconcile(const Config& config);

    // The verdicts for building a Snapshot of `config` (running or about
    // to be): known servers report their state, new ones their start state.
    HealthOverlay overlay_for(const Config& config) const;

    // Per service, per real server of `config`.
    std::vector<std::vector<ServerHealthInfo>> report(const Config& config) const;

    // Stops every check (at shutdown).
    void stop();

private:
    struct Server;
    // VIP, port, protocol, address, port
    using Key = std::tuple<IpAddress, uint16_t, Protocol, IpAddress, uint16_t>;
    const Server* find(const ServiceConfig& s, const RealServerConfig& r) const;
    void changed();

    boost::asio::io_context& io_;
    std::function<void()> on_change_;
    std::map<Key, std::shared_ptr<Server>> servers_;
    bool change_posted_ = false;
};

}  // namespace dvs::control
