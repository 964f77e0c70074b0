// Runs one golden case through the real packet engine in this process, as
// an ordinary user: no root, no hugepages, no dvsd.
//
//   engine_runner --config dvs.yaml --in in.pcap --out out.pcap
//                 --stats stats.json [--settle SECONDS]
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
// EAL (for mbufs and the connection table's memory) starts with the
// config's dataplane.eal, which for golden.yaml.in needs no privilege.

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/config/config.hpp"
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
        } else {
            throw std::runtime_error("unknown argument " + a);
        }
    }
    if (o.config.empty() || o.in.empty() || o.out.empty() || o.stats.empty()) {
        throw std::runtime_error(
            "usage: engine_runner --config F --in F --out F --stats F [--settle S]");
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

// Everything the engine transmitted so far, in order. One port: its index
// is not needed.
void collect(dataplane::CapturePortIo& io, std::vector<Frame>& out) {
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

// The case's single port as open_ports would lay it out for one worker
// (RX queue 0, TX queue 0, DPDK port id 0), without a device: the engine's
// port I/O is the capture.
dataplane::PortLayout port_layout(const control::PortConfig& pc) {
    dataplane::PortInfo p;
    p.name = pc.name;
    p.device = pc.device;
    p.port_id = 0;
    if (pc.mac) std::copy(pc.mac->begin(), pc.mac->end(), p.mac);
    p.mtu = pc.mtu;
    p.rx_queues = 1;
    p.tx_queues = 1;
    p.tx_queue[0] = 0;
    dataplane::PortLayout layout;
    layout.ports.push_back(p);
    layout.rx_by_worker = {{{0, 0}}};
    layout.kernel_rx_by_worker = {{}};
    return layout;
}

int run(const Options& o, const char* prog) {
    const std::string yaml = read_file(o.config);
    const control::Config cfg = control::load_config_text(yaml, o.config);
    if (cfg.ports.size() != 1 || cfg.dataplane.workers != 1 || !cfg.ports[0].mac) {
        throw std::runtime_error("golden configs have one port with a mac and one worker");
    }
    eal_init(prog, cfg.dataplane.eal);
    rte_mempool* pool =
        rte_pktmbuf_pool_create("golden_pool", cfg.dataplane.mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                static_cast<int>(rte_socket_id()));
    if (pool == nullptr) {
        throw std::runtime_error("mbuf pool: " + std::string(rte_strerror(rte_errno)));
    }
    dataplane::register_handoff_field();

    // As dvsd builds a worker: Config -> Snapshot -> publisher -> WorkerEnv.
    const dataplane::PortLayout ports = port_layout(cfg.ports[0]);
    dataplane::SnapshotPublisher publisher(1);
    publisher.publish(control::build_snapshot(cfg, 1, 1));
    const dataplane::Snapshot& snap = *publisher.current();
    dataplane::HandoffRings rings;  // none: one worker hands nothing over
    std::array<const dataplane::WorkerCounters*, dataplane::kMaxWorkers> all{};
    std::atomic<bool> stop{false};
    uint64_t clock = rte_rdtsc();
    dataplane::WorkerEnv env;
    env.n_workers = 1;
    env.ports = &ports;
    env.snapshots = &publisher;
    env.rings = &rings;
    env.stop = &stop;
    env.all_counters = all.data();
    env.clock = &clock;
    Engine engine(0, env, cfg.dataplane.conn_capacity, pool, clock);
    all[0] = &engine.counters();

    // What one loop iteration does around a burst (dataplane/worker.cpp).
    std::vector<Frame> outputs;
    const std::vector<Frame> inputs = read_pcap(o.in);
    for (size_t i = 0; i < inputs.size(); i += kBurst) {
        rte_mbuf* burst[kBurst];
        const auto n = static_cast<uint16_t>(std::min<size_t>(kBurst, inputs.size() - i));
        if (rte_pktmbuf_alloc_bulk(pool, burst, n) != 0) throw std::runtime_error("mbuf alloc");
        for (uint16_t j = 0; j < n; ++j) {
            const Frame& f = inputs[i + j];
            void* p = rte_pktmbuf_append(burst[j], static_cast<uint16_t>(f.size()));
            if (p == nullptr) throw std::runtime_error("input frame larger than an mbuf");
            std::memcpy(p, f.data(), f.size());
            burst[j]->port = 0;
        }
        engine.set_now(clock);
        engine.begin_iteration(snap);
        engine.process_rx(burst, n, snap);
        engine.flush();
        collect(engine.io(), outputs);
    }
    // The loop's housekeeping while the case settles, on the test clock.
    const uint64_t step =
        static_cast<uint64_t>(static_cast<double>(engine.tsc_hz()) * kHousekeepingStep);
    for (double t = 0; t < o.settle; t += kHousekeepingStep) {
        clock += step;
        engine.set_now(clock);
        engine.housekeeping(snap);
        engine.flush();
        collect(engine.io(), outputs);
    }
    write_pcap(o.out, outputs);

    control::StatsView view;
    view.config = &cfg;
    view.snapshot = &snap;
    view.workers = {&engine.counters()};
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
