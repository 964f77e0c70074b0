// Runs one golden case through the real worker in this process, as an
// ordinary user: no root, no hugepages, no dvsd.
//
//   engine_runner --config dvs.yaml --in in.pcap --out out.pcap
//                 --stats stats.json [--settle SECONDS]
//
// The worker is built from the case's YAML as dvsd builds it (config ->
// Snapshot -> publisher -> WorkerEnv, see bench/bench_worker.hpp), on one
// port that is a pair of rte_rings (DPDK's ring PMD): the frames of in.pcap
// go in, in file order and in bursts of 32 as a NIC would give them, and
// what the worker transmits is read back from the TX ring into out.pcap.
// Time is the worker's test clock: after the last frame it is advanced by
// `settle` seconds in 10 ms steps, running housekeeping at each step as the
// poll loop would, so timeouts (fragments) fire without sleeping. The
// counters are written as dvsd's --stats-file writes them.
//
// EAL starts with the config's dataplane.eal, which for golden.yaml.in needs
// no privilege; the port's device must be net_ring_golden (made here).

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_worker.hpp"
#include "control/stats_report.hpp"

namespace {

using namespace dvs;

constexpr uint16_t kBurst = dataplane::Worker::kBurst;
constexpr unsigned kRingSize = 4096;
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

// Everything the worker transmitted so far.
void drain(rte_ring* tx, std::vector<Frame>& out) {
    void* objs[kBurst];
    unsigned n;
    while ((n = rte_ring_dequeue_burst(tx, objs, kBurst, nullptr)) != 0) {
        for (unsigned i = 0; i < n; ++i) {
            auto* m = static_cast<rte_mbuf*>(objs[i]);
            // Returns a pointer into a single segment, or copies into
            // `f` for a chained mbuf (none today).
            Frame f(rte_pktmbuf_pkt_len(m));
            const void* p = rte_pktmbuf_read(m, 0, static_cast<uint32_t>(f.size()), f.data());
            if (p != f.data()) std::memcpy(f.data(), p, f.size());
            out.push_back(std::move(f));
            rte_pktmbuf_free(m);
        }
    }
}

int run(const Options& o, const char* prog) {
    const std::string yaml = read_file(o.config);
    const control::Config probe = control::load_config_text(yaml, o.config);
    if (probe.ports.size() != 1 || probe.dataplane.workers != 1) {
        throw std::runtime_error("golden configs have one port and one worker");
    }
    eal_init(prog, probe.dataplane.eal);
    rte_mempool* pool =
        rte_pktmbuf_pool_create("golden_pool", probe.dataplane.mbufs, 0, 0,
                                RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (pool == nullptr)
        throw std::runtime_error("mbuf pool: " + std::string(rte_strerror(rte_errno)));
    dataplane::register_handoff_field();

    rte_ring* rx =
        rte_ring_create("golden_rx", kRingSize, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* tx =
        rte_ring_create("golden_tx", kRingSize, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (rx == nullptr || tx == nullptr) throw std::runtime_error("ring creation failed");
    if (rte_eth_from_rings("golden", &rx, 1, &tx, 1, rte_socket_id()) < 0) {
        throw std::runtime_error("rte_eth_from_rings failed");
    }
    // The case's port, on the ring device (rte_eth_from_rings names it net_ring_<name>).
    const control::PortConfig& pc = probe.ports[0];
    if (pc.device != "net_ring_golden")
        throw std::runtime_error("the port's device must be net_ring_golden");
    dataplane::PortSpec spec{pc.name, pc.device, pc.mtu};
    if (pc.mac) {
        spec.set_mac = true;
        std::copy(pc.mac->begin(), pc.mac->end(), spec.mac);
    }
    const dataplane::PortLayout ports = dataplane::open_ports({spec}, 1, {pool});
    const uint16_t port_id = ports.ports[0].port_id;

    uint64_t clock = rte_rdtsc();
    bench::BenchWorker bw(yaml, probe.dataplane.conn_capacity, ports, pool, &clock);
    dataplane::Worker& w = bw.worker();

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
            burst[j]->port = port_id;
        }
        w.process_burst(burst, n);
        drain(tx, outputs);
    }
    // The poll loop's housekeeping while the case settles, on the test clock.
    const uint64_t step =
        static_cast<uint64_t>(static_cast<double>(w.tsc_hz()) * kHousekeepingStep);
    for (double t = 0; t < o.settle; t += kHousekeepingStep) {
        clock += step;
        w.run_housekeeping();
        w.process_burst(nullptr, 0);  // flushes what housekeeping queued
        drain(tx, outputs);
    }
    write_pcap(o.out, outputs);

    control::StatsView view;
    view.config = &bw.config();
    view.snapshot = &bw.snapshot();
    view.workers = {&w.counters()};
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
