#include "control/daemon.hpp"

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ctime>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/config/config.hpp"
#include "control/config/config_writer.hpp"
#include "control/ha/ha_manager.hpp"
#include "control/health/health_monitor.hpp"
#include "control/management.hpp"
#include "mgmt/server.hpp"
#include "control/id_registry.hpp"
#include "control/kernel_interface.hpp"
#include "control/snapshot_builder.hpp"
#include "control/stats_report.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "dataplane/snapshot_publisher.hpp"
#include "dataplane/sync_rings.hpp"
#include "dataplane/worker.hpp"

namespace dvs::control {

namespace {

using dataplane::Worker;

constexpr unsigned kHandoffRingSize = 4096;
// Records per worker and direction of the connection sync stream (40 B each):
// room for a burst of new connections between two flushes of the control thread.
constexpr unsigned kSyncRingSize = 65536;
constexpr unsigned kMbufCache = 256;

bool has_lcore_option(const std::vector<std::string>& eal) {
    for (const std::string& a : eal) {
        if (a == "-l" || a == "-c" || a.rfind("--lcores", 0) == 0 || a.rfind("-l", 0) == 0 ||
            a.rfind("-c", 0) == 0) {
            return true;
        }
    }
    return false;
}

// Without an explicit lcore list: the main lcore (the control thread) may run
// on any CPU we have; worker i is pinned to a CPU of its own where possible.
std::string default_lcores(uint32_t workers) {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int c = 0; c < CPU_SETSIZE; ++c) {
            if (CPU_ISSET(c, &set)) cpus.push_back(c);
        }
    }
    if (cpus.empty()) cpus.push_back(0);
    std::string all;
    for (size_t i = 0; i < cpus.size(); ++i) all += (i ? "," : "") + std::to_string(cpus[i]);
    std::string s = "--lcores=0@(" + all + ")";
    for (uint32_t w = 1; w <= workers; ++w) {
        s += "," + std::to_string(w) + "@" + std::to_string(cpus[(cpus.size() - w % cpus.size()) % cpus.size()]);
    }
    return s;
}

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

class Daemon final : public ControlPlane {
public:
    explicit Daemon(const DaemonOptions& o) : opts_(o) {}
    int run();

    // ControlPlane (for the management socket).
    const Config& running_config() const override { return config_; }
    bool apply_config(Config next, std::string& message) override;
    bool reload_file(std::string& message) override;
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

private:
    int start_dataplane();
    // Exception path: net_tap devices before the ports open, then the
    // kernel's side of them (addresses, routes) once they are up.
    void create_kernel_devices(std::vector<dataplane::PortSpec>& specs);
    void configure_kernel_interfaces();
    void start_management(boost::asio::io_context& io);
    void reload();
    // The one path from a validated Config to the running Snapshot.
    bool apply(Config next, const std::string& origin, std::string& message);
    // A health or HA transition: the same Config, the checks' new verdicts
    // and the VRRP states.
    void republish(const char* why);
    // The HA view (which addresses this box leaves to its peer, gratuitous
    // ARPs, sync) into a Snapshot about to be published.
    void apply_ha(dataplane::Snapshot& snap) const;
    bool start_ha(boost::asio::io_context& io);
    std::vector<std::string> restart_only_changes(const Config& next) const;
    void report_stats(const char* why);
    void stop_dataplane();

    DaemonOptions opts_;
    Config config_;
    std::vector<rte_mempool*> pools_;
    dataplane::PortLayout ports_;
    dataplane::HandoffRings rings_;
    std::unique_ptr<dataplane::SnapshotPublisher> publisher_;
    std::vector<std::unique_ptr<Worker>> workers_;
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
    std::vector<std::string> needs_restart_;
    IdAssignment running_ids_;  // ids of config_'s services and servers, by position
    std::unique_ptr<HealthMonitor> health_;
    std::unique_ptr<Management> management_;
    std::unique_ptr<MgmtServer> mgmt_server_;
    std::vector<KernelInterfacePlan> kernel_plans_;
    std::unique_ptr<dataplane::SyncRings> sync_rings_;  // with ha.sync only
    std::unique_ptr<HaManager> ha_;
};

int Daemon::run() {
    try {
        config_ = load_config_file(opts_.config_path);
        // The snapshot builder enforces dataplane limits; run it for --check too.
        build_snapshot(config_, config_.dataplane.workers, 0);
    } catch (const ConfigError& e) {
        spdlog::error("configuration rejected: {}", e.what());
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    if (opts_.check_only) {
        std::printf("%s: configuration ok (%zu ports, %zu services, %u workers)\n",
                    opts_.config_path.c_str(), config_.ports.size(), config_.services.size(),
                    config_.dataplane.workers);
        return 0;
    }

    int rc = 0;
    try {
        rc = start_dataplane();
    } catch (const std::exception& e) {
        spdlog::error("start-up failed: {}", e.what());
        rc = 2;
    }
    if (rc != 0) {
        stop_dataplane();
        return rc;
    }

    boost::asio::io_context io;
    boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    boost::asio::signal_set info_signals(io, SIGUSR1, SIGHUP);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
        // VRRP masters say goodbye (priority 0): the peer takes over at once.
        if (ha_) ha_->stop();
        io.stop();
    });
    std::function<void(const boost::system::error_code&, int)> on_info =
        [&](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            if (sig == SIGUSR1) {
                report_stats("SIGUSR1");
            } else {
                reload();
            }
            info_signals.async_wait(on_info);
        };
    info_signals.async_wait(on_info);

    start_management(io);
    health_ = std::make_unique<HealthMonitor>(io, [this] { republish("health"); });
    health_->reconcile(config_);
    if (!start_ha(io)) {
        mgmt_server_.reset();
        health_.reset();
        stop_.store(true);
        rte_eal_mp_wait_lcore();
        stop_dataplane();
        return 2;
    }
    boost::asio::steady_timer rate_timer(io);
    std::function<void(const boost::system::error_code&)> on_tick =
        [&](const boost::system::error_code& ec) {
            if (ec) return;
            management_->sample_rates();
            rate_timer.expires_after(std::chrono::seconds(1));
            rate_timer.async_wait(on_tick);
        };
    rate_timer.expires_after(std::chrono::seconds(1));
    rate_timer.async_wait(on_tick);

    spdlog::info("dvsd ready: {} workers, {} ports, {} services", workers_.size(),
                 ports_.ports.size(), config_.services.size());
    io.run();

    if (mgmt_server_) mgmt_server_->stop();
    // Asio objects must go before the io_context they were made with (ASan
    // found the management server's timer outliving it).
    mgmt_server_.reset();
    health_.reset();
    ha_.reset();
    stop_.store(true);
    rte_eal_mp_wait_lcore();
    report_stats("exit");
    stop_dataplane();
    return 0;
}

int Daemon::start_dataplane() {
    const uint32_t n_workers = config_.dataplane.workers;
    std::vector<std::string> args = {"dvsd"};
    args.insert(args.end(), config_.dataplane.eal.begin(), config_.dataplane.eal.end());
    if (!has_lcore_option(config_.dataplane.eal)) args.push_back(default_lcores(n_workers));
    std::string joined;
    for (const std::string& a : args) joined += " " + a;
    spdlog::info("EAL:{}", joined);

    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
        spdlog::error("EAL initialisation failed: {} (check hugepages and dataplane.eal)",
                      rte_strerror(rte_errno));
        return 2;
    }
    eal_up_ = true;

    unsigned lcore;
    RTE_LCORE_FOREACH_WORKER(lcore) { worker_lcores_.push_back(lcore); }
    if (worker_lcores_.size() < n_workers) {
        spdlog::error("dataplane.workers is {} but EAL has only {} worker lcores", n_workers,
                      worker_lcores_.size());
        return 2;
    }
    if (n_workers > dataplane::kMaxWorkers) {
        spdlog::error("at most {} workers are supported", dataplane::kMaxWorkers);
        return 2;
    }

    // One pool per NUMA socket in use.
    pools_.assign(RTE_MAX_NUMA_NODES, nullptr);
    for (unsigned i = 0; i < rte_socket_count(); ++i) {
        const int socket = rte_socket_id_by_idx(i);
        const std::string name = "dvs_mbuf_s" + std::to_string(socket);
        pools_[socket] = rte_pktmbuf_pool_create(name.c_str(), config_.dataplane.mbufs,
                                                 kMbufCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
        if (pools_[socket] == nullptr) {
            spdlog::error("mbuf pool on socket {} ({} mbufs): {}", socket, config_.dataplane.mbufs,
                          rte_strerror(rte_errno));
            return 2;
        }
    }
    dataplane::register_handoff_field();

    std::vector<dataplane::PortSpec> specs;
    for (const PortConfig& p : config_.ports) {
        dataplane::PortSpec spec{p.name, p.device, p.mtu};
        if (p.mac) {
            spec.set_mac = true;
            std::copy(p.mac->begin(), p.mac->end(), spec.mac);
        }
        specs.push_back(spec);
    }
    create_kernel_devices(specs);
    ports_ = dataplane::open_ports(specs, n_workers, pools_);
    ports_up_ = true;
    for (const dataplane::PortInfo& p : ports_.ports) {
        const uint8_t* m = p.mac;
        spdlog::info("port {} ({}): dpdk port {}, mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}, "
                     "{} rx / {} tx queues{}",
                     p.name, p.device, p.port_id, m[0], m[1], m[2], m[3], m[4], m[5], p.rx_queues,
                     p.tx_queues,
                     p.tx_queues < n_workers
                         ? ", TX owned by worker " + std::to_string(p.tx_owner)
                         : std::string());
        if (p.mac_in_software) {
            spdlog::warn("port {}: device cannot set its MAC; using the configured MAC in "
                         "software (promiscuous)", p.name);
        }
    }
    for (uint32_t w = 0; w < n_workers; ++w) {
        std::string queues;
        for (const auto& q : ports_.rx_by_worker[w]) {
            queues += " " + ports_.ports[q.port_index].name + "/" + std::to_string(q.queue);
        }
        for (const auto& q : ports_.kernel_rx_by_worker[w]) {
            queues += " " + ports_.ports[q.port_index].name + "/" + std::to_string(q.queue);
        }
        spdlog::info("worker {} on lcore {}: polls{}", w, worker_lcores_[w],
                     queues.empty() ? " no queue (handoff only)" : queues);
    }
    configure_kernel_interfaces();

    rings_ = dataplane::create_handoff_rings(n_workers, kHandoffRingSize);
    publisher_ = std::make_unique<dataplane::SnapshotPublisher>(n_workers);
    last_reload_time_ = static_cast<int64_t>(std::time(nullptr));
    // No check has run yet: every server starts up (see health_monitor.hpp).
    running_ids_ = ids_.assign(config_, [](uint32_t) { return true; });
    {
        auto first = build_snapshot(config_, n_workers, ++version_, &running_ids_);
        apply_ha(*first);  // every VRRP address left alone until VRRP decides
        publisher_->publish(std::move(first));
    }
    if (config_.ha.enabled && config_.ha.sync.peer != 0) {
        sync_rings_ = std::make_unique<dataplane::SyncRings>(n_workers, kSyncRingSize);
    }

    dataplane::WorkerEnv env;
    env.n_workers = n_workers;
    env.ports = &ports_;
    env.snapshots = publisher_.get();
    env.rings = &rings_;
    env.stop = &stop_;
    env.idle_sleep_us = config_.dataplane.idle_sleep_us;
    env.all_counters = all_counters_.data();  // filled below, before any worker runs
    env.sync = sync_rings_.get();
    if (config_.exception_path.enabled) {
        env.kernel = {config_.exception_path.rate_limit_pps, config_.exception_path.burst};
    }
    for (uint32_t w = 0; w < n_workers; ++w) {
        const int socket = static_cast<int>(rte_lcore_to_socket_id(worker_lcores_[w]));
        rte_mempool* pool = pools_[socket] ? pools_[socket] : pools_[rte_socket_id_by_idx(0)];
        workers_.push_back(
            std::make_unique<Worker>(w, env, config_.dataplane.conn_capacity, pool));
    }
    for (uint32_t w = 0; w < n_workers; ++w) all_counters_[w] = &workers_[w]->counters();
    spdlog::info("connection table: {} entries per worker, {:.1f} bytes per entry",
                 config_.dataplane.conn_capacity, workers_[0]->conn_bytes_per_entry());
    for (uint32_t w = 0; w < n_workers; ++w) {
        const int rc = rte_eal_remote_launch(
            [](void* arg) { return static_cast<Worker*>(arg)->run(); }, workers_[w].get(),
            worker_lcores_[w]);
        if (rc != 0) {
            spdlog::error("launching worker {}: {}", w, rte_strerror(-rc));
            stop_.store(true);
            rte_eal_mp_wait_lcore();
            return 2;
        }
    }
    return 0;
}

// What the running process cannot change: it keeps these as they are.
std::vector<std::string> Daemon::restart_only_changes(const Config& next) const {
    std::vector<std::string> changed;
    const DataplaneConfig& a = config_.dataplane;
    const DataplaneConfig& b = next.dataplane;
    if (a.eal != b.eal) changed.push_back("dataplane.eal");
    if (a.workers != b.workers) changed.push_back("dataplane.workers");
    if (a.conn_capacity != b.conn_capacity) changed.push_back("dataplane.conn_capacity");
    if (a.mbufs != b.mbufs) changed.push_back("dataplane.mbufs");
    if (a.idle_sleep_us != b.idle_sleep_us) changed.push_back("dataplane.idle_sleep_us");
    bool ports_same = config_.ports.size() == next.ports.size();
    for (size_t i = 0; ports_same && i < next.ports.size(); ++i) {
        const PortConfig& p = config_.ports[i];
        const PortConfig& q = next.ports[i];
        ports_same = p.name == q.name && p.device == q.device && p.mtu == q.mtu && p.mac == q.mac &&
                     p.kernel_interface == q.kernel_interface &&
                     p.addresses.size() == q.addresses.size() &&
                     std::equal(p.addresses.begin(), p.addresses.end(), q.addresses.begin(),
                                [](const Ipv4Prefix& x, const Ipv4Prefix& y) {
                                    return x.address == y.address && x.length == y.length;
                                });
    }
    if (!ports_same) changed.push_back("ports");
    if (config_.management.socket != next.management.socket) changed.push_back("management.socket");
    if (config_.management.gid != next.management.gid) changed.push_back("management.group");
    const ExceptionPathConfig& e = config_.exception_path;
    const ExceptionPathConfig& f = next.exception_path;
    if (e.enabled != f.enabled || e.rate_limit_pps != f.rate_limit_pps || e.burst != f.burst ||
        e.install_routes != f.install_routes) {
        changed.push_back("exception_path");
    }
    if (ha_to_yaml(config_.ha) != ha_to_yaml(next.ha)) changed.push_back("ha");
    return changed;
}

// SIGHUP: read and validate the file; a valid one becomes the next Snapshot
// (published with RCU), anything else leaves the running one untouched.
void Daemon::reload() {
    std::string message;
    reload_file(message);
}

bool Daemon::reload_file(std::string& message) {
    last_reload_time_ = static_cast<int64_t>(std::time(nullptr));
    Config next;
    try {
        next = load_config_file(opts_.config_path);
    } catch (const ConfigError& e) {
        last_reload_ = {false, e.what()};
        message = e.what();
        spdlog::error("reload rejected, keeping version {}: {}", version_, e.what());
        return false;
    }
    const bool ok = apply(std::move(next), opts_.config_path, message);
    last_reload_ = {ok, message};
    return ok;
}

// A runtime change (management socket): validated exactly like a file, by
// writing it as YAML and loading that back.
bool Daemon::apply_config(Config next, std::string& message) {
    try {
        next = load_config_text(config_to_yaml(next), "runtime change");
    } catch (const ConfigError& e) {
        message = e.what();
        spdlog::warn("runtime change refused: {}", message);
        return false;
    }
    return apply(std::move(next), "runtime change", message);
}

bool Daemon::apply(Config next, const std::string& origin, std::string& message) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::string> restart = restart_only_changes(next);
    needs_restart_ = restart;
    if (!restart.empty()) {
        std::string list;
        for (const std::string& r : restart) list += (list.empty() ? "" : ", ") + r;
        // Routes, neighbours and services were validated against the new
        // ports; with the running ports kept they must still make sense.
        if (std::find(restart.begin(), restart.end(), "ports") != restart.end()) {
            message = "the ports section changed and needs a restart; nothing applied";
            spdlog::error("{}: rejected, keeping version {}: {} ({})", origin, version_, message,
                          list);
            return false;
        }
        spdlog::warn("{}: needs restart to take effect, left as running: {}", origin, list);
        next.dataplane = config_.dataplane;
        next.management = config_.management;
        next.exception_path = config_.exception_path;
        next.ha = config_.ha;
    }
    std::unique_ptr<dataplane::Snapshot> snap;
    IdRegistry trial = ids_;
    IdAssignment ids;
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
        const HealthOverlay overlay = health_ ? health_->overlay_for(next) : HealthOverlay{};
        snap = build_snapshot(next, config_.dataplane.workers, version_ + 1, &ids,
                              publisher_->current(), &overlay);
        apply_ha(*snap);
    } catch (const ConfigError& e) {
        message = e.what();
        spdlog::error("{}: rejected, keeping version {}: {}", origin, version_, e.what());
        return false;
    }
    const auto t1 = std::chrono::steady_clock::now();
    publisher_->publish(std::move(snap));  // waits one grace period, frees the old one
    const auto t2 = std::chrono::steady_clock::now();
    ids_ = std::move(trial);
    running_ids_ = std::move(ids);
    config_ = std::move(next);
    ++version_;
    // Servers that kept their address, port and checks keep their state;
    // new ones start as overlay_for() assumed above.
    if (health_) health_->reconcile(config_);
    size_t servers = 0;
    for (const ServiceConfig& s : config_.services) servers += s.real_servers.size();
    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    message = "version " + std::to_string(version_) + " applied";
    if (!restart.empty()) message += " (some settings need a restart)";
    spdlog::info("reloaded {}: version {}, {} services, {} real servers; built in {:.1f} ms, "
                 "published in {:.1f} ms{}",
                 origin, version_, config_.services.size(), servers, ms(t1 - t0), ms(t2 - t1),
                 restart.empty() ? "" : " (some settings need a restart)");
    return true;
}

void Daemon::republish(const char* why) {
    const auto t0 = std::chrono::steady_clock::now();
    const HealthOverlay overlay = health_ ? health_->overlay_for(config_) : HealthOverlay{};
    std::unique_ptr<dataplane::Snapshot> snap;
    try {
        snap = build_snapshot(config_, config_.dataplane.workers, version_ + 1, &running_ids_,
                              publisher_->current(), &overlay);
    } catch (const ConfigError& e) {  // the same config built before; not expected
        spdlog::error("{}: cannot rebuild the snapshot: {}", why, e.what());
        return;
    }
    apply_ha(*snap);
    publisher_->publish(std::move(snap));
    ++version_;
    spdlog::info("{}: version {} published in {:.1f} ms", why, version_,
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count());
}

void Daemon::apply_ha(dataplane::Snapshot& snap) const {
    if (ha_) {
        ha_->apply(snap);
    } else if (config_.ha.enabled) {
        HaManager::apply_initial(config_, snap);
    }
}

bool Daemon::start_ha(boost::asio::io_context& io) {
    if (!config_.ha.enabled) return true;
    try {
        ha_ = std::make_unique<HaManager>(
            io, config_, sync_rings_.get(), [this] { return publisher_->current(); },
            [this] { republish("ha"); });
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
        mgmt_server_ = std::make_unique<MgmtServer>(
            io, std::move(options),
            [this](const nlohmann::json& request) { return management_->handle(request); });
        spdlog::info("management socket {} (root{})", config_.management.socket,
                     config_.management.group.empty() ? " only"
                                                      : " and group " + config_.management.group);
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

void Daemon::create_kernel_devices(std::vector<dataplane::PortSpec>& specs) {
    if (!config_.exception_path.enabled) return;
    kernel_plans_ = plan_kernel_interfaces(config_);
    for (const KernelInterfacePlan& k : kernel_plans_) {
        // rte_dev_probe is EAL's own (rte_vdev_init lives in a driver
        // library that pkg-config's libdpdk does not link).
        const int rc = rte_dev_probe((k.device + "," + k.devargs).c_str());
        if (rc != 0) {
            throw std::runtime_error("exception path: cannot create kernel interface " + k.ifname +
                                     " for port '" + k.port + "' (" + k.device + "," + k.devargs +
                                     "): " + rte_strerror(-rc) +
                                     " (is /dev/net/tun there? does the interface exist already?)");
        }
        dataplane::PortSpec spec{k.ifname, k.device, config_.ports[k.port_index].mtu};
        spec.kernel_of = static_cast<int32_t>(k.port_index);
        specs.push_back(spec);
    }
}

void Daemon::configure_kernel_interfaces() {
    if (kernel_plans_.empty()) return;
    for (const KernelInterfacePlan& k : kernel_plans_) {
        dataplane::PortInfo& wire = ports_.ports[k.port_index];
        dataplane::PortInfo& tap = ports_.ports[static_cast<size_t>(wire.kernel_port)];
        // Frames for the kernel must carry the MAC its side of the tap has.
        const std::optional<MacAddress> mac = read_interface_mac(k.ifname);
        if (!mac) throw std::runtime_error("exception path: cannot read the MAC of " + k.ifname);
        std::copy(mac->begin(), mac->end(), tap.kernel_mac);
        if (const std::string err = disable_ipv6(k.ifname); !err.empty()) {
            spdlog::warn("exception path: {}: IPv6 left on: {}", k.ifname, err);
        }
        for (const KernelCommand& cmd : k.commands) {
            const std::string err = run_command(cmd.argv);
            if (err.empty()) {
                spdlog::info("exception path: {}", command_text(cmd.argv));
            } else if (cmd.required) {
                throw std::runtime_error("exception path: '" + command_text(cmd.argv) +
                                         "' failed: " + err);
            } else {
                spdlog::warn("exception path: '{}' failed, the kernel keeps its own: {}",
                             command_text(cmd.argv), err);
            }
        }
        if (config_.ports[k.port_index].device.rfind("net_af_packet", 0) == 0) {
            spdlog::warn("exception path: port {} is a net_af_packet device: the kernel still "
                         "receives every frame on the interface it reads and, holding the port's "
                         "addresses on {}, answers them itself; set rp_filter=1 and 'arp off' on "
                         "that interface (README, exception path)", k.port, k.ifname);
        }
        spdlog::info("exception path: port {} <-> kernel interface {} (kernel MAC {}, the kernel "
                     "reaches every next hop at {}); packets to the kernel limited to {} per "
                     "second per worker, burst {}",
                     k.port, k.ifname, format_mac(*mac),
                     format_mac({wire.mac[0], wire.mac[1], wire.mac[2], wire.mac[3], wire.mac[4],
                                 wire.mac[5]}),
                     config_.exception_path.rate_limit_pps, config_.exception_path.burst);
    }
}

void Daemon::stop_dataplane() {
    workers_.clear();
    // The sync rings live in EAL memory: free them before rte_eal_cleanup
    // (as a member they went in ~Daemon, after it: SIGSEGV in rte_ring_free
    // on every SIGTERM with ha.sync). The workers using them are gone.
    sync_rings_.reset();
    publisher_.reset();
    dataplane::free_handoff_rings(rings_, config_.dataplane.workers);
    if (ports_up_ && !kernel_plans_.empty()) {
        spdlog::info("exception path: closing {} kernel interface(s); the kernel drops their "
                     "addresses and routes", kernel_plans_.size());
    }
    if (ports_up_) dataplane::close_ports(ports_);
    ports_up_ = false;
    if (eal_up_) rte_eal_cleanup();
    eal_up_ = false;
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
    Daemon d(options);
    return d.run();
}

}  // namespace dvs::control
