// Bringing the dataplane up and down: EAL (with a default lcore layout),
// one mbuf pool per NUMA socket, the ports and the exception path's kernel
// interfaces, handoff and sync rings, the first Snapshot, the workers.

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <stdexcept>

#include "control/daemon_process.hpp"
#include "control/eal_lock.hpp"
#include "control/port_facing.hpp"
#include "control/preflight.hpp"
#include "control/telemetry.hpp"

namespace dvs::control {

using dataplane::Worker;

namespace {

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

// Hugepage files are unlinked as soon as they are mapped, so none stays in
// /dev/hugepages after dvsd exits, cleanly or not (issue 20: 40 MB after
// every exit). dvsd has no secondary processes, which is what the files
// would be for. An operator's own memory option wins.
bool has_hugepage_file_option(const std::vector<std::string>& eal) {
    for (const std::string& a : eal) {
        if (a.rfind("--huge-unlink", 0) == 0 || a == "--in-memory" || a == "--no-huge") return true;
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
        s += "," + std::to_string(w) + "@" +
             std::to_string(cpus[(cpus.size() - w % cpus.size()) % cpus.size()]);
    }
    return s;
}

// Exception path: net_tap devices before the ports open, then the kernel's
// side of them (addresses, routes) once they are up.
std::vector<KernelInterfacePlan> create_kernel_devices(const Config& config,
                                                       std::vector<dataplane::PortSpec>& specs) {
    if (!config.exception_path.enabled) return {};
    std::vector<KernelInterfacePlan> plans = plan_kernel_interfaces(config);
    for (const KernelInterfacePlan& k : plans) {
        // rte_dev_probe is EAL's own (rte_vdev_init lives in a driver
        // library that pkg-config's libdpdk does not link).
        const int rc = rte_dev_probe((k.device + "," + k.devargs).c_str());
        if (rc != 0) {
            throw std::runtime_error("exception path: cannot create kernel interface " + k.ifname +
                                     " for port '" + k.port + "' (" + k.device + "," + k.devargs +
                                     "): " + rte_strerror(-rc) +
                                     " (is /dev/net/tun there? does the interface exist already?)");
        }
        dataplane::PortSpec spec{k.ifname, k.device, config.ports[k.port_index].mtu};
        spec.kernel_of = static_cast<int32_t>(k.port_index);
        specs.push_back(spec);
    }
    return plans;
}

void configure_kernel_interfaces(const Config& config,
                                 const std::vector<KernelInterfacePlan>& plans,
                                 dataplane::PortLayout& ports) {
    for (const KernelInterfacePlan& k : plans) {
        dataplane::PortInfo& wire = ports.ports[k.port_index];
        dataplane::PortInfo& tap = ports.ports[static_cast<size_t>(wire.kernel_port)];
        // Frames for the kernel must carry the MAC its side of the tap has.
        const std::optional<MacAddress> mac = read_interface_mac(k.ifname);
        if (!mac) throw std::runtime_error("exception path: cannot read the MAC of " + k.ifname);
        std::copy(mac->begin(), mac->end(), tap.kernel_mac);
        if (port_has_ipv6(config.ports[k.port_index])) {
            if (const std::string err = enable_ipv6(k.ifname); !err.empty()) {
                throw std::runtime_error("exception path: cannot turn IPv6 on for " + k.ifname +
                                         ": " + err);
            }
        } else if (const std::string err = disable_ipv6(k.ifname); !err.empty()) {
            spdlog::warn("exception path: {}: IPv6 left on: {}", k.ifname, err);
        }
        // A reload may remove the port's first address (port_addresses.cpp):
        // without this the kernel would drop the others of its subnet with it.
        if (const std::string err = promote_secondaries(k.ifname); !err.empty()) {
            spdlog::warn("exception path: {}: promote_secondaries left off: {}", k.ifname, err);
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
        const PortConfig& port = config.ports[k.port_index];
        if (port.device.rfind("net_af_packet", 0) == 0) {
            const std::string iface = port_kernel_interface(config.dataplane, port.device);
            const bool v6 = port_has_ipv6(port);
            const std::string missing =
                iface.empty() ? "" : af_packet_kernel_settings_missing(iface, v6);
            if (!missing.empty()) {
                spdlog::warn(
                    "exception path: port {} is a net_af_packet device: the kernel still "
                    "receives every frame on {} and, holding the port's addresses on {}, "
                    "answers them itself; on {}: {} (sysctl net.ipv4.conf.{}.rp_filter=1; ip "
                    "link set dev {} arp off{}; README, exception path)",
                    k.port, iface, k.ifname, iface, missing, iface, iface,
                    v6 ? "; sysctl net.ipv6.conf." + iface + ".disable_ipv6=1" : "");
            }
        }
        spdlog::info(
            "exception path: port {} <-> kernel interface {} (kernel MAC {}, the kernel "
            "reaches every next hop at {}); packets to the kernel limited to {} per "
            "second per worker, burst {}",
            k.port, k.ifname, format_mac(*mac),
            format_mac(
                {wire.mac[0], wire.mac[1], wire.mac[2], wire.mac[3], wire.mac[4], wire.mac[5]}),
            config.exception_path.rate_limit_pps, config.exception_path.burst);
    }
}

}  // namespace

int Daemon::start_dataplane() {
    const uint32_t n_workers = config_.dataplane.workers;
    std::vector<std::string> args = {"dvsd"};
    args.insert(args.end(), config_.dataplane.eal.begin(), config_.dataplane.eal.end());
    if (!has_lcore_option(config_.dataplane.eal)) args.push_back(default_lcores(n_workers));
    if (!has_hugepage_file_option(config_.dataplane.eal)) args.push_back("--huge-unlink");
    std::string joined;
    for (const std::string& a : args) joined += " " + a;
    spdlog::info("EAL:{}", joined);

    if (const std::optional<std::string> busy = eal_prefix_in_use(config_.dataplane.eal)) {
        spdlog::error("start-up failed: {}", *busy);
        return 2;
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    rte_errno = 0;
    if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
        // EAL often fails without setting rte_errno ("Success"): its own
        // lines above say why; name what is usually wrong.
        spdlog::error(
            "EAL initialisation failed{} (see the EAL lines above; check hugepages and "
            "dataplane.eal)",
            rte_errno != 0 ? std::string(": ") + rte_strerror(rte_errno) : "");
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
        pools_[socket] = rte_pktmbuf_pool_create(name.c_str(), config_.dataplane.mbufs, kMbufCache,
                                                 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
        if (pools_[socket] == nullptr) {
            spdlog::error("mbuf pool on socket {} ({} mbufs): {}", socket, config_.dataplane.mbufs,
                          rte_strerror(rte_errno));
            return 2;
        }
    }
    dataplane::register_handoff_field();

    std::vector<dataplane::PortSpec> specs;
    const PortFacingPlan facing = plan_port_facing(config_);
    for (size_t i = 0; i < config_.ports.size(); ++i) {
        const PortConfig& p = config_.ports[i];
        dataplane::PortSpec spec{p.name, p.device, p.mtu};
        spec.facing = facing.facing[i];
        if (p.mac) {
            spec.set_mac = true;
            std::copy(p.mac->begin(), p.mac->end(), spec.mac);
        }
        specs.push_back(spec);
    }
    kernel_plans_ = create_kernel_devices(config_, specs);
    ports_ = dataplane::open_ports(specs, n_workers, pools_);
    ports_up_ = true;
    for (const dataplane::PortInfo& p : ports_.ports) {
        const uint8_t* m = p.mac;
        spdlog::info(
            "port {} ({}): dpdk port {}, mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}, "
            "{} rx / {} tx queues{}",
            p.name, p.device, p.port_id, m[0], m[1], m[2], m[3], m[4], m[5], p.rx_queues,
            p.tx_queues,
            p.tx_queues < n_workers ? ", TX owned by worker " + std::to_string(p.tx_owner)
                                    : std::string());
        if (p.wire_port < 0 && n_workers > 1) {
            // Which path brings a packet to the worker owning its flow.
            const size_t i = &p - ports_.ports.data();
            if (p.rss_steered) {
                spdlog::info(
                    "port {}: RSS steers each flow to its worker (hashing the {}, "
                    "which is the client: {})",
                    p.name,
                    facing.facing[i] == dataplane::PortFacing::kClients ? "source" : "destination",
                    facing.why[i]);
            } else {
                spdlog::info(
                    "port {}: packets reach their flow's worker through the handoff "
                    "ring: RSS cannot steer ({})",
                    p.name, p.rss_why);
            }
        }
        if (p.mac_in_software) {
            spdlog::warn(
                "port {}: device cannot set its MAC; using the configured MAC in "
                "software (promiscuous)",
                p.name);
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
    configure_kernel_interfaces(config_, kernel_plans_, ports_);

    rings_ = dataplane::create_handoff_rings(n_workers, kHandoffRingSize);
    publisher_ = std::make_unique<dataplane::SnapshotPublisher>(n_workers);
    last_reload_time_ = static_cast<int64_t>(std::time(nullptr));
    // No check has run yet: every server starts up (see health_monitor.hpp).
    running_ids_ = ids_.assign(config_, [](uint32_t) { return true; });
    publish(config_, running_ids_);  // every VRRP address left alone until VRRP decides
    // Always: the HA peer's records and the restored connections come this way.
    sync_rings_ = std::make_unique<dataplane::SyncRings>(n_workers, kSyncRingSize);

    dataplane::WorkerEnv env;  // conn_hash_seed: its default, random, drawn here
    env.n_workers = n_workers;
    env.ports = &ports_;
    env.snapshots = publisher_.get();
    env.rings = &rings_;
    env.stop = &stop_;
    env.idle_sleep_us = config_.dataplane.idle_sleep_us;
    env.conn6_capacity = config_.dataplane.conn6_capacity;
    env.all_counters = all_counters_.data();  // filled below, before any worker runs
    env.sync = sync_rings_.get();
    if (config_.exception_path.enabled) {
        env.kernel = {config_.exception_path.rate_limit_pps, config_.exception_path.burst};
    }
    for (uint32_t w = 0; w < n_workers; ++w) {
        const int socket = static_cast<int>(rte_lcore_to_socket_id(worker_lcores_[w]));
        rte_mempool* pool = pools_[socket] ? pools_[socket] : pools_[rte_socket_id_by_idx(0)];
        workers_.push_back(std::make_unique<Worker>(w, env, config_.dataplane.conn_capacity, pool));
    }
    for (uint32_t w = 0; w < n_workers; ++w) all_counters_[w] = &workers_[w]->counters();
    telemetry::register_commands({all_counters_.begin(), all_counters_.begin() + n_workers});
    spdlog::info(
        "connection table: {} entries per worker, {:.1f} bytes per entry; IPv6: {} entries per "
        "worker, {:.1f} bytes per entry; keyed hash (a random seed drawn at this start)",
        config_.dataplane.conn_capacity, workers_[0]->conn_bytes_per_entry(),
        dataplane::conn6_capacity(config_.dataplane.conn_capacity,
                                  config_.dataplane.conn6_capacity),
        workers_[0]->conn6_bytes_per_entry());
    for (uint32_t w = 0; w < n_workers; ++w) {
        const int rc =
            rte_eal_remote_launch([](void* arg) { return static_cast<Worker*>(arg)->run(); },
                                  workers_[w].get(), worker_lcores_[w]);
        if (rc != 0) {
            spdlog::error("launching worker {}: {}", w, rte_strerror(-rc));
            stop_.store(true);
            rte_eal_mp_wait_lcore();
            return 2;
        }
    }
    return 0;
}

void Daemon::stop_dataplane() {
    telemetry::forget_workers();
    workers_.clear();
    // The sync rings live in EAL memory: free them before rte_eal_cleanup
    // (as a member they went in ~Daemon, after it: SIGSEGV in rte_ring_free
    // on every SIGTERM with ha.sync). The workers using them are gone.
    sync_rings_.reset();
    publisher_.reset();
    dataplane::free_handoff_rings(rings_, config_.dataplane.workers);
    if (ports_up_ && !kernel_plans_.empty()) {
        spdlog::info(
            "exception path: closing {} kernel interface(s); the kernel drops their "
            "addresses and routes",
            kernel_plans_.size());
    }
    if (ports_up_) dataplane::close_ports(ports_);
    ports_up_ = false;
    if (eal_up_) rte_eal_cleanup();
    eal_up_ = false;
}

}  // namespace dvs::control
