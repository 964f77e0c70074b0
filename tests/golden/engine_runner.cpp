// Runs one golden case through the real packet engine in this process, as
// an ordinary user: no root, no hugepages, no dvsd.
//
//   engine_runner --config dvs.yaml --in in.pcap --out out.pcap
//                 --stats stats.json [--settle SECONDS]
//                 [--burst-at N]... [--reload dvs2.yaml --reload-at N]
//                 [--standby ADDR]... [--standby-at N] [--hash-seed N]
//
// The engine (dataplane/engine/engine.hpp) is built from the case's YAML as
// dvsd builds its workers (config -> Snapshot -> publisher -> WorkerEnv),
// with a capturing port (CapturePortIo) instead of DPDK TX: the frames of
// in.pcap go in, in file order and in bursts of 32 as a NIC would give
// them, each burst as one loop iteration does it, and what the engine
// transmits is written to out.pcap. Time is the engine's test clock: after
// the last frame it is advanced by `settle` seconds in 10 ms steps, with
// housekeeping at each step as the poll loop would, so timeouts (fragments)
// fire without sleeping. The counters are written as dvsd's --stats-file
// writes them.
//
// --burst-at N starts a new burst at frame N (0-based): a packet of a
// connection made by an earlier burst is then looked up with it already in
// the table, as it mostly is in a real loop (the established path). With
// --reload, the second config replaces the first before frame N (which
// starts a burst), as dvsd's reload would: ids stay stable (IdRegistry),
// the Snapshot is swapped, and the stats are the second config's.
//
// --standby ADDR (IPv4, repeatable) is what HaManager::apply gives the
// Snapshot when this box is BACKUP of a VRRP instance holding ADDR
// (HaView::standby): from the start, or with --standby-at N from frame N
// on (it starts a burst), where the Snapshot of the config in force is
// rebuilt with that HA view and published, as dvsd republishes on a
// VRRP transition to BACKUP. Connections made before stay in the tables.
//
// The connection tables' hash seed is fixed (Options::hash_seed), not dvsd's
// random one, so a case places its connections the same way every run;
// --hash-seed N sets another (what a case sends or counts must not
// depend on it).
//
// With dataplane.workers > 1 every engine gets its handoff rings and its own
// TX queue; the frames arrive on worker 0's RX queue (one port, one queue),
// and after each burst every ring is drained, engine by engine, until no
// packet moves, as the workers' loops would.
//
// The input frames take their mbufs from the engine's pool, as a NIC's RX
// does: a frame that finds the pool empty is lost and counted as
// `rx_nombuf` (stats JSON, top level, beside `mbuf_pool_size` and
// `mbuf_pool_free`, which is read after the settle time).
//
// EAL (for mbufs and the connection table's memory) starts with the
// config's dataplane.eal, which for golden.yaml.in needs no privilege.

#include <arpa/inet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"
#include "control/id_registry.hpp"
#include "control/snapshot_builder.hpp"
#include "control/stats_report.hpp"
#include "dataplane/engine/capture_port_io.hpp"
#include "dataplane/engine/engine_impl.hpp"

// The engine with a capturing port, instantiated here (and only here).
template class dvs::dataplane::Engine<dvs::dataplane::CapturePortIo>;

namespace {

using namespace dvs;
using Engine = dataplane::Engine<dataplane::CapturePortIo>;

constexpr uint16_t kBurst = Engine::kBurst;
constexpr double kHousekeepingStep = 0.01;  // s of test clock between housekeeping passes

struct Options {
    std::string config, in, out, stats;
    double settle = 0;
    std::vector<size_t> burst_at;  // frames that start a burst
    std::string reload;            // a second config, in force from frame reload_at on
    size_t reload_at = 0;
    uint64_t hash_seed = 0x5eed5eed5eed5eedull;
    std::vector<uint32_t> standby;  // HaView::standby (network order)
    size_t standby_at = 0;          // 0: from the start
};

using Frame = std::vector<uint8_t>;

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// A classic pcap file (any timestamp resolution, either byte order);
// Ethernet frames only.
std::vector<Frame> read_pcap(const std::string& path) {
    const std::string data = read_file(path);
    if (data.size() < 24) throw std::runtime_error(path + ": not a pcap file");
    uint32_t magic;
    std::memcpy(&magic, data.data(), 4);
    const bool swapped = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
    if (!swapped && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
        throw std::runtime_error(path + ": not a pcap file");
    }
    auto u32 = [&](size_t off) {
        uint32_t v;
        std::memcpy(&v, data.data() + off, 4);
        return swapped ? __builtin_bswap32(v) : v;
    };
    std::vector<Frame> frames;
    for (size_t off = 24; off + 16 <= data.size();) {
        const uint32_t caplen = u32(off + 8);
        off += 16;
        if (off + caplen > data.size()) throw std::runtime_error(path + ": truncated");
        frames.emplace_back(data.begin() + static_cast<long>(off),
                            data.begin() + static_cast<long>(off + caplen));
        off += caplen;
    }
    return frames;
}

void write_pcap(const std::string& path, const std::vector<Frame>& frames) {
    std::ofstream f(path, std::ios::binary);
    const uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};  // v2.4, Ethernet
    f.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
    for (const Frame& fr : frames) {
        const auto len = static_cast<uint32_t>(fr.size());
        const uint32_t rec[4] = {0, 0, len, len};
        f.write(reinterpret_cast<const char*>(rec), sizeof rec);
        f.write(reinterpret_cast<const char*>(fr.data()), len);
    }
    if (!f) throw std::runtime_error("cannot write " + path);
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--config") {
            o.config = value();
        } else if (a == "--in") {
            o.in = value();
        } else if (a == "--out") {
            o.out = value();
        } else if (a == "--stats") {
            o.stats = value();
        } else if (a == "--settle") {
            o.settle = std::stod(value());
        } else if (a == "--burst-at") {
            o.burst_at.push_back(std::stoul(value()));
        } else if (a == "--reload") {
            o.reload = value();
        } else if (a == "--reload-at") {
            o.reload_at = std::stoul(value());
        } else if (a == "--hash-seed") {
            o.hash_seed = std::stoull(value(), nullptr, 0);
        } else if (a == "--standby") {
            const std::string text = value();
            const auto ip = text::parse_ipv4(text);
            if (!ip) throw std::runtime_error("--standby " + text + ": not an IPv4 address");
            o.standby.push_back(htonl(*ip));
        } else if (a == "--standby-at") {
            o.standby_at = std::stoul(value());
        } else {
            throw std::runtime_error("unknown argument " + a);
        }
    }
    if (o.config.empty() || o.in.empty() || o.out.empty() || o.stats.empty()) {
        throw std::runtime_error(
            "usage: engine_runner --config F --in F --out F --stats F [--settle S] "
            "[--burst-at N]... [--reload F --reload-at N] [--standby ADDR]... [--standby-at N] "
            "[--hash-seed N]");
    }
    if (o.reload.empty() != (o.reload_at == 0)) {
        throw std::runtime_error("--reload and --reload-at N (N > 0) go together");
    }
    if (o.standby_at != 0 && o.standby.empty()) {
        throw std::runtime_error("--standby-at needs --standby");
    }
    return o;
}

// The config's dataplane.eal (golden.yaml.in: --no-huge, anonymous memory
// instead of hugetlbfs; --in-memory, no files in /var/run/dpdk;
// --iova-mode=va, no /proc/self/pagemap, which only root may read), on lcore 0.
void eal_init(const char* prog, const std::vector<std::string>& eal) {
    std::vector<std::string> args = {prog, "--log-level=*:warning", "-l", "0"};
    args.insert(args.end(), eal.begin(), eal.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        throw std::runtime_error(std::string("EAL init failed: ") + rte_strerror(rte_errno));
    }
}

void collect_one(dataplane::CapturePortIo& io, std::vector<Frame>& out);

// Everything the engines transmitted so far, engine by engine, each in
// order. One port: its index is not needed.
void collect(std::vector<std::unique_ptr<Engine>>& engines, std::vector<Frame>& out) {
    for (auto& engine : engines) collect_one(engine->io(), out);
}

void collect_one(dataplane::CapturePortIo& io, std::vector<Frame>& out) {
    for (const dataplane::CapturePortIo::Sent& s : io.take()) {
        rte_mbuf* m = s.m;
        // Returns a pointer into a single segment, or copies into `f` for a
        // chained mbuf (none today).
        Frame f(rte_pktmbuf_pkt_len(m));
        const void* p = rte_pktmbuf_read(m, 0, static_cast<uint32_t>(f.size()), f.data());
        if (p != f.data()) std::memcpy(f.data(), p, f.size());
        out.push_back(std::move(f));
        rte_pktmbuf_free(m);
    }
}

// The case's single port as open_ports would lay it out (RX queue 0 on
// worker 0, a TX queue per worker, DPDK port id 0), without a device: the
// engines' port I/O is the capture.
dataplane::PortLayout port_layout(const control::PortConfig& pc, uint32_t workers) {
    dataplane::PortInfo p;
    p.name = pc.name;
    p.device = pc.device;
    p.port_id = 0;
    if (pc.mac) std::copy(pc.mac->begin(), pc.mac->end(), p.mac);
    p.mtu = pc.mtu;
    p.rx_queues = 1;
    p.tx_queues = static_cast<uint16_t>(workers);
    for (uint32_t w = 0; w < workers; ++w) p.tx_queue[w] = static_cast<int32_t>(w);
    dataplane::PortLayout layout;
    layout.ports.push_back(p);
    layout.rx_by_worker.assign(workers, {});
    layout.rx_by_worker[0] = {{0, 0}};
    layout.kernel_rx_by_worker.assign(workers, {});
    return layout;
}

// What the other workers' loops do with their rings (dataplane/worker.cpp
// poll_rings), until nothing moves: a packet may cross several rings
// (fragment core -> owner -> template core -> owner).
void drain_rings(std::vector<std::unique_ptr<Engine>>& engines,
                 const dataplane::HandoffRings& rings, const dataplane::Snapshot& snap) {
    const auto n = static_cast<uint32_t>(engines.size());
    for (bool moved = true; moved;) {
        moved = false;
        for (uint32_t to = 0; to < n; ++to) {
            for (uint32_t from = 0; from < n; ++from) {
                rte_ring* r = rings.ring[from][to];
                if (r == nullptr) continue;
                rte_mbuf* burst[kBurst];
                const unsigned got =
                    rte_ring_sc_dequeue_burst(r, reinterpret_cast<void**>(burst), kBurst, nullptr);
                for (unsigned i = 0; i < got; ++i) engines[to]->from_ring(burst[i], snap);
                moved = moved || got != 0;
            }
            engines[to]->poll_messages(snap);
            engines[to]->flush();
        }
    }
}

int run(const Options& o, const char* prog) {
    const std::string yaml = read_file(o.config);
    const control::Config cfg = control::load_config_text(yaml, o.config);
    const uint32_t workers = cfg.dataplane.workers;
    if (cfg.ports.size() != 1 || !cfg.ports[0].mac || workers < 1 || workers > 4) {
        throw std::runtime_error("golden configs have one port with a mac and 1-4 workers");
    }
    eal_init(prog, cfg.dataplane.eal);
    rte_mempool* pool =
        rte_pktmbuf_pool_create("golden_pool", cfg.dataplane.mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
        throw std::runtime_error("mbuf pool: " + std::string(rte_strerror(rte_errno)));
    }
    dataplane::register_handoff_field();

    // As dvsd builds its workers: Config -> Snapshot -> publisher -> WorkerEnv.
    const dataplane::PortLayout ports = port_layout(cfg.ports[0], workers);
    dataplane::SnapshotPublisher publisher(workers);
    // A reload needs ids that stay stable across configs, as dvsd's.
    control::IdRegistry registry(dataplane::kMaxServices, dataplane::kMaxRealServers);
    const auto never_idle = [](uint32_t) { return false; };
    control::IdAssignment ids;
    std::vector<size_t> burst_at = o.burst_at;
    // The HA view of the Snapshot built for frame i on (HaManager::apply's).
    const auto with_ha = [&](std::unique_ptr<dataplane::Snapshot> s, size_t i) {
        if (i >= o.standby_at) s->ha.standby = o.standby;
        return s;
    };
    if (o.reload.empty() && o.standby_at == 0) {
        publisher.publish(with_ha(control::build_snapshot(cfg, workers, 1), 0));
    } else {
        ids = registry.assign(cfg, never_idle);
        publisher.publish(with_ha(control::build_snapshot(cfg, workers, 1, &ids), 0));
        if (!o.reload.empty()) burst_at.push_back(o.reload_at);
        if (o.standby_at != 0) burst_at.push_back(o.standby_at);
    }
    control::Config cfg2;  // the reload's
    uint64_t version = 1;
    const dataplane::Snapshot* snapshot = publisher.current();
    dataplane::HandoffRings rings;  // none for one worker
    if (workers > 1) rings = dataplane::create_handoff_rings(workers, 4096);
    std::array<const dataplane::WorkerCounters*, dataplane::kMaxWorkers> all{};
    std::atomic<bool> stop{false};
    uint64_t clock = rte_rdtsc();
    dataplane::WorkerEnv env;
    env.n_workers = workers;
    env.ports = &ports;
    env.snapshots = &publisher;
    env.rings = &rings;
    env.stop = &stop;
    env.all_counters = all.data();
    env.clock = &clock;
    env.conn_hash_seed = {o.hash_seed};
    std::vector<std::unique_ptr<Engine>> engines;
    for (uint32_t w = 0; w < workers; ++w) {
        engines.push_back(
            std::make_unique<Engine>(w, env, cfg.dataplane.conn_capacity, pool, clock));
        all[w] = &engines[w]->counters();
    }

    // What one loop iteration does around a burst (dataplane/worker.cpp).
    std::vector<Frame> outputs;
    uint64_t rx_nombuf = 0;
    const std::vector<Frame> inputs = read_pcap(o.in);
    if (!o.reload.empty() && o.reload_at >= inputs.size()) {
        throw std::runtime_error("--reload-at " + std::to_string(o.reload_at) + " is past the " +
                                 std::to_string(inputs.size()) + " input frames");
    }
    for (size_t i = 0, end = 0; i < inputs.size(); i = end) {
        if (!o.reload.empty() && i == o.reload_at) {
            cfg2 = control::load_config_text(read_file(o.reload), o.reload);
            ids = registry.assign(cfg2, never_idle);
            publisher.publish(
                with_ha(control::build_snapshot(cfg2, workers, ++version, &ids, snapshot), i));
            snapshot = publisher.current();
        }
        if (o.standby_at != 0 && i == o.standby_at) {  // VRRP went BACKUP: republished
            const control::Config& in_force = o.reload.empty() || i < o.reload_at ? cfg : cfg2;
            publisher.publish(
                with_ha(control::build_snapshot(in_force, workers, ++version, &ids, snapshot), i));
            snapshot = publisher.current();
        }
        const dataplane::Snapshot& snap = *snapshot;
        end = std::min(i + kBurst, inputs.size());
        for (size_t b : burst_at) {
            if (b > i && b < end) end = b;
        }
        rte_mbuf* burst[kBurst];
        uint16_t n = 0;
        for (size_t j = i; j < end; ++j) {
            rte_mbuf* m = rte_pktmbuf_alloc(pool);
            if (m == nullptr) {  // the NIC finds no mbuf: the frame is lost
                ++rx_nombuf;
                continue;
            }
            const Frame& f = inputs[j];
            void* p = rte_pktmbuf_append(m, static_cast<uint16_t>(f.size()));
            if (p == nullptr) throw std::runtime_error("input frame larger than an mbuf");
            std::memcpy(p, f.data(), f.size());
            m->port = 0;
            burst[n++] = m;
        }
        for (auto& e : engines) {
            e->set_now(clock);
            e->begin_iteration(snap);
        }
        if (n != 0) engines[0]->process_rx(burst, n, snap);
        engines[0]->flush();
        drain_rings(engines, rings, snap);
        collect(engines, outputs);
    }
    // The loop's housekeeping while the case settles, on the test clock.
    const uint64_t step =
        static_cast<uint64_t>(static_cast<double>(engines[0]->tsc_hz()) * kHousekeepingStep);
    const dataplane::Snapshot& snap = *snapshot;
    for (double t = 0; t < o.settle; t += kHousekeepingStep) {
        clock += step;
        for (auto& e : engines) {
            e->set_now(clock);
            e->housekeeping(snap);
            e->flush();
        }
        drain_rings(engines, rings, snap);
        collect(engines, outputs);
    }
    write_pcap(o.out, outputs);

    control::StatsView view;
    view.config = o.reload.empty() ? &cfg : &cfg2;
    view.snapshot = &snap;
    if (!o.reload.empty()) view.ids = &ids;
    for (auto& e : engines) view.workers.push_back(&e->counters());
    view.mbuf_pool_size = pool->size;
    view.mbuf_pool_free = rte_mempool_avail_count(pool);
    view.rx_nombuf = rx_nombuf;
    std::ofstream(o.stats) << control::render_stats_json(view);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv), argv[0]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "engine_runner: %s\n", e.what());
        return 1;
    }
}
