#include "control/health/health_monitor.hpp"

#include "common/text_codec.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "control/health/agent_check.hpp"
#include "control/health/health_check.hpp"

namespace dvs::control {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

// One real server's checks and what they found. Timer handlers and probe
// callbacks capture `this`: the destructor cancels the probes (their
// callbacks are then never called) and the timers, whose handlers see
// operation_aborted and touch nothing.
struct HealthMonitor::Server {
    Server(asio::io_context& io, std::string name, const std::optional<HealthCheckConfig>& c,
           const std::optional<AgentCheckConfig>& a, ProbeTarget t, std::function<void()> notify)
        : check(c),
          agent(a),
          io_(io),
          check_timer_(io),
          agent_timer_(io),
          name_(std::move(name)),
          target_(std::move(t)),
          notify_(std::move(notify)) {
        info.check = check ? to_string(check->type) : "none";
        info.agent = agent.has_value();
    }

    ~Server() { stop(); }

    void start() {
        if (check) run_check();
        if (agent) run_agent();
    }

    void stop() {
        if (check_probe_) check_probe_->cancel();
        if (agent_probe_) agent_probe_->cancel();
        check_probe_.reset();
        agent_probe_.reset();
        check_timer_.cancel();
        agent_timer_.cancel();
    }

    bool same_settings(const RealServerConfig& r) const {
        return check == r.health_check && agent == r.agent_check;
    }

    ServerVerdict verdict() const {
        ServerVerdict v;
        v.failed = !up_ || agent_state_ == AgentState::kDown;
        v.on_failure = check ? check->on_failure : FailureAction::kInhibit;
        v.drain = agent_state_ == AgentState::kDrain;
        v.percent = percent_;
        return v;
    }

    ServerHealthInfo info;
    std::optional<HealthCheckConfig> check;
    std::optional<AgentCheckConfig> agent;

private:
    const char* state_name() const {
        if (!up_ || agent_state_ == AgentState::kDown) return "down";
        if (agent_state_ == AgentState::kDrain) return "drain";
        return "up";
    }

    // Checks start `interval` apart (start to start): timeout <= interval,
    // so one never overlaps the next, and detection takes at most
    // fall x interval after the first failing check.
    void run_check() {
        const auto started = Clock::now();
        ++info.checks;
        check_probe_ = start_probe(io_, *check, target_, [this, started](const ProbeResult& r) {
            on_check(r);
            const auto next = started + std::chrono::milliseconds(check->interval_ms);
            check_timer_.expires_at(std::max(next, Clock::now()));
            check_timer_.async_wait([this](const error_code& ec) {
                if (!ec) run_check();
            });
        });
    }

    void on_check(const ProbeResult& r) {
        info.last_check_ms = unix_ms();
        info.last_ok = r.ok;
        info.last_reason = r.reason;
        const char* before = state_name();
        if (r.ok) {
            failures_ = 0;
            ++successes_;
            confirmed_ = confirmed_ || up_;
            if (!up_ && successes_ >= check->rise) {
                up_ = true;
                confirmed_ = true;
            }
        } else {
            ++info.failures;
            successes_ = 0;
            ++failures_;
            if (up_ && (failures_ >= check->fall || !confirmed_)) up_ = false;
        }
        transition(before, r.ok ? r.reason + ", " + std::to_string(successes_) + " in a row"
                                : r.reason + ", " + std::to_string(failures_) + " in a row");
    }

    void run_agent() {
        const auto started = Clock::now();
        ++info.agent_checks;
        agent_probe_ =
            start_agent_probe(io_, *agent, target_.address, [this, started](const ProbeResult& r) {
                on_agent(r);
                const auto next = started + std::chrono::milliseconds(agent->interval_ms);
                agent_timer_.expires_at(std::max(next, Clock::now()));
                agent_timer_.async_wait([this](const error_code& ec) {
                    if (!ec) run_agent();
                });
            });
    }

    // An agent that cannot be reached changes nothing (as in HAProxy):
    // reachability is the health check's business.
    void on_agent(const ProbeResult& r) {
        if (!r.ok) {
            ++info.agent_failures;
            if (info.agent_last != r.reason) {
                spdlog::warn("health: {}: agent: {}", name_, r.reason);
            }
            info.agent_last = r.reason;
            return;
        }
        info.agent_last = r.reason;
        const AgentReply reply = parse_agent_reply(r.reason);
        if (reply.empty()) {
            ++info.agent_failures;
            spdlog::debug("health: {}: agent answer \"{}\" says nothing we use", name_, r.reason);
            return;
        }
        const char* before = state_name();
        const uint32_t old_percent = percent_;
        if (reply.percent) percent_ = *reply.percent;
        if (reply.state) agent_state_ = *reply.state;
        info.agent_percent = percent_;
        if (percent_ != old_percent) {
            spdlog::info("health: {}: agent weight {}% -> {}% (agent: \"{}\")", name_, old_percent,
                         percent_, r.reason);
            notify_();
        }
        transition(before, "agent: \"" + r.reason + "\"");
    }

    void transition(const char* before, const std::string& reason) {
        const char* after = state_name();
        if (std::string_view(before) == after) return;
        ++info.transitions;
        info.since_ms = unix_ms();
        info.state = after;
        // Down is worth a warning; down from the very first check most of all:
        // the server was never seen up (a route, a firewall, a wrong port).
        if (std::string_view(after) == "down" && !confirmed_) {
            spdlog::warn("health: {}: {} -> {} ({}): down since its first check", name_, before,
                         after, reason);
        } else if (std::string_view(after) == "down") {
            spdlog::warn("health: {}: {} -> {} ({})", name_, before, after, reason);
        } else {
            spdlog::info("health: {}: {} -> {} ({})", name_, before, after, reason);
        }
        notify_();
    }

    asio::io_context& io_;
    asio::steady_timer check_timer_, agent_timer_;
    std::shared_ptr<Probe> check_probe_, agent_probe_;
    std::string name_;
    ProbeTarget target_;
    std::function<void()> notify_;
    bool up_ = true;
    bool confirmed_ = false;
    uint32_t successes_ = 0, failures_ = 0;
    uint32_t percent_ = 100;
    AgentState agent_state_ = AgentState::kUp;
};

HealthMonitor::HealthMonitor(asio::io_context& io, std::function<void()> on_change)
    : io_(io), on_change_(std::move(on_change)) {}

HealthMonitor::~HealthMonitor() { stop(); }

void HealthMonitor::stop() { servers_.clear(); }

const HealthMonitor::Server* HealthMonitor::find(const ServiceConfig& s,
                                                 const RealServerConfig& r) const {
    const auto it = servers_.find(Key{s.vip, s.port, s.protocol, r.address, r.port});
    if (it == servers_.end() || !it->second->same_settings(r)) return nullptr;
    return it->second.get();
}

void HealthMonitor::reconcile(const Config& config) {
    std::map<Key, std::shared_ptr<Server>> next;
    for (const ServiceConfig& s : config.services) {
        for (const RealServerConfig& r : s.real_servers) {
            if (!r.health_check && !r.agent_check) continue;
            const Key key{s.vip, s.port, s.protocol, r.address, r.port};
            const auto old = servers_.find(key);
            if (old != servers_.end() && old->second->same_settings(r)) {
                next[key] = old->second;
                continue;
            }
            const std::string endpoint =
                text::format_ip_bracketed(r.address) + ":" + std::to_string(r.port);
            const std::string name = "service " + s.name + " real server " + endpoint;
            auto server = std::make_shared<Server>(
                io_, name, r.health_check, r.agent_check,
                ProbeTarget{r.address, r.port, s.name + "/" + endpoint}, [this] { changed(); });
            next[key] = server;
            server->start();
        }
    }
    servers_ = std::move(next);  // servers left out are destroyed: their checks stop
}

HealthOverlay HealthMonitor::overlay_for(const Config& config) const {
    HealthOverlay overlay;
    for (const ServiceConfig& s : config.services) {
        std::vector<ServerVerdict> verdicts;
        for (const RealServerConfig& r : s.real_servers) {
            const Server* server = find(s, r);
            verdicts.push_back(server ? server->verdict() : ServerVerdict{});
        }
        overlay.servers.push_back(std::move(verdicts));
    }
    return overlay;
}

std::vector<std::vector<ServerHealthInfo>> HealthMonitor::report(const Config& config) const {
    std::vector<std::vector<ServerHealthInfo>> out;
    for (const ServiceConfig& s : config.services) {
        std::vector<ServerHealthInfo> infos;
        for (const RealServerConfig& r : s.real_servers) {
            const Server* server = find(s, r);
            infos.push_back(server ? server->info : ServerHealthInfo{});
        }
        out.push_back(std::move(infos));
    }
    return out;
}

// Several servers may change in one moment (a switch port dies): one
// rebuild for all of them.
void HealthMonitor::changed() {
    if (change_posted_) return;
    change_posted_ = true;
    asio::post(io_, [this] {
        change_posted_ = false;
        if (on_change_) on_change_();
    });
}

}  // namespace dvs::control
