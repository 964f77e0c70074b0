// Two-core loop benchmark: the worker's real poll loop (Worker::run) on one
// lcore, a traffic generator and sink on another, joined by net_ring ports.
//
//   generator/sink lcore (main)                worker lcore
//   alloc, fill, stamp TSC  -> [wan rx ring] -> rte_eth_rx_burst(wan)
//                                              parse, conn lookup/insert,
//                                              NAT | DR | TUN, route, neighbour
//   check, sample latency, <- [lan tx ring] <- tx buffer (lan)
//   free (the real servers)
//   --echo (NAT): each checked frame goes back as the real server's reply
//                         -> [lan rx ring] -> worker (reply path) ->
//   check, sample latency <- [wan tx ring] <-
//
// The floor, in the same run: the same generator and sink against a bare
// forwarder on the same rings and the same lcore (rx_burst, swap MACs,
// tx_burst on the other port). Each case reports mpps, floor_mpps, ratio.
//
// Closed loop: the generator keeps at most --window packets outstanding
// (sent, neither back nor counted as dropped), so no ring can overflow: any
// loss is the forwarder's own and every worker drop has a reason. The rate
// is then the highest the pair (generator, forwarder) sustains; latency is
// measured at that load (by Little's law about window / rate), so a smaller
// window shows latency nearer to an idle forwarder's.
//
// Per case (mode x proto x conns x new_ratio): a fill pass through the loop
// (per TCP flow a SYN then an ACK, so no entry stays half-open and the
// SYN-pressure timeout cannot expire flows of a long fill; per UDP flow its
// first datagram: new_conns_per_s), then --runs
// pairs of passes (floor, dvs) of --packets packets each; medians reported.
// In a measured pass a fraction new_ratio of packets opens a fresh flow (SYN
// on a client tuple never used before); the rest go to one of the N flows at
// random (TCP ACK).
//
// The bench checks its own run and exits 1 when: a packet is lost, the worker
// drops anything, a connection is not made for a new flow, or a frame comes
// back wrong for its method (MACs, addresses, ports, TTL, outer header,
// checksums of sampled frames, the same real server for a flow as when it
// was opened).
//
// Modes nat6, dr6 and tun6 are the same over IPv6 (NAT66, DR, IPv6-in-IPv6
// TUN; the connections in the IPv6 table, sized to hold them).
//
// Usage: loop_bench [--modes nat,dr,tun,nat6,dr6,tun6] [--protos tcp,udp]
//                   [--conns 1000,1000000] [--new-ratio 0,0.1,1]
//                   [--packets N] [--runs R] [--window K] [--echo]
//                   [--cpus GEN,WORKER] [--json FILE] [--scrape-ms N]
// --scrape-ms N: a thread renders /metrics from the worker's counters every
// N ms through the whole case, floor passes included (bench/scraper.hpp):
// compare a run with --scrape-ms 1000 against one without.
// Needs hugepages (scripts/setup.sh) and root.

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_worker.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "dataplane/worker.hpp"
#include "loop_traffic.hpp"
#include "packet/checksum.hpp"
#include "packet/tun_encap.hpp"
#include "packet/wire.hpp"
#include "scraper.hpp"

using namespace dvs;
using namespace dvs::dataplane;
using namespace dvs::bench;
using dvs::bench::drops_total;
using dvs::bench::median;
using dvs::bench::parse_list;

namespace {

constexpr unsigned kRingSize = 4096;   // per direction per port; capacity 4095
constexpr uint32_t kSampleEvery = 64;  // latency: one completed packet in 64

struct Options : LoopOptions {
    std::vector<double> new_ratios = {0.0};
    unsigned gen_cpu = 0;
    unsigned worker_cpu = 1;
    uint32_t scrape_ms = 0;  // 0: no scrape
};

// The four rings behind the two ports, seen from the generator's side.
struct Rings {
    rte_ring* wan_rx;  // generator -> worker (client traffic)
    rte_ring* wan_tx;  // worker -> sink (NAT replies to the client)
    rte_ring* lan_rx;  // echo: real servers' replies -> worker
    rte_ring* lan_tx;  // worker -> sink (towards the real servers)
    uint16_t wan_port = 0;
    uint16_t lan_port = 0;
};

// What the traffic of one pass is.
struct PassSpec {
    Target target = Target::kDvs;
    bool fill = false;       // flows first .. first+count-1 in order, all new
    bool handshake = false;  // fill: each flow's SYN is followed by its ACK
    uint64_t packets = 0;
    uint32_t first = 0;        // fill: first flow
    uint64_t established = 0;  // measured pass: flows 0 .. established-1 exist
    double new_ratio = 0;
    uint32_t* next_fresh = nullptr;  // measured pass: next never-used flow id
};

struct PassResult {
    double seconds = 0;
    double gen_cpu = 0, fwd_cpu = 0;  // CPU time each thread got / wall time of the pass
    uint64_t sent = 0, forwarded = 0, completed = 0, dropped = 0, lost = 0, fresh = 0;
    double p50_ns = 0, p99_ns = 0, p999_ns = 0;
    uint64_t bad = 0;  // frames that came back wrong
};

// One pass: launches the forwarder, sends, receives and checks, stops it.
class Loop {
public:
    Loop(const Options& opt, const Rings& rings, rte_mempool* pool)
        : opt_(opt), rings_(rings), pool_(pool), tsc_hz_(rte_get_tsc_hz()) {
        samples_.reserve(opt.packets / kSampleEvery + 1024);
    }

    // worker/worker_stop: the worker and the stop flag its WorkerEnv points
    // at (target kDvs only).
    PassResult run(const PassSpec& spec, const Generator& gen, Sink& sink, Worker* worker,
                   std::atomic<bool>* worker_stop);
    std::vector<std::string> errors;

private:
    uint64_t forwarder_drops(Target t, const Worker* w, const Floor& f) const {
        return t == Target::kDvs ? drops_total(w->counters())
                                 : f.dropped.load(std::memory_order_relaxed);
    }
    void note(const std::string& e) {
        if (errors.size() < 8) errors.push_back(e);
    }
    void drain_all(PassResult& r);

    const Options& opt_;
    Rings rings_;
    rte_mempool* pool_;
    uint64_t tsc_hz_;
    std::vector<uint64_t> samples_;
};

void Loop::drain_all(PassResult& r) {
    rte_mbuf* b[kBurst];
    for (rte_ring* ring : {rings_.wan_rx, rings_.wan_tx, rings_.lan_rx, rings_.lan_tx}) {
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(b), kBurst,
                                              nullptr)) != 0) {
            rte_pktmbuf_free_bulk(b, n);
            r.lost += n;
        }
    }
}

PassResult Loop::run(const PassSpec& spec, const Generator& gen, Sink& sink, Worker* worker,
                     std::atomic<bool>* worker_stop) {
    PassResult r;
    std::atomic<bool> stop{false};
    Floor floor;
    floor.wan_port = rings_.wan_port;
    floor.lan_port = rings_.lan_port;
    floor.stop = &stop;
    const bool dvs = spec.target == Target::kDvs;
    const bool echo = opt_.echo;
    const uint64_t drops0 = dvs ? drops_total(worker->counters()) : 0;
    // On a shared host both threads are descheduled at times; the CPU time
    // each one got is reported beside the rates so the conditions show.
    struct Launch {
        Worker* worker;
        Floor* floor;
        uint64_t cpu_ns = 0;
        static int main(void* arg) {
            auto* l = static_cast<Launch*>(arg);
            const uint64_t c0 = thread_cpu_ns();
            const int rc = l->worker != nullptr ? l->worker->run() : Floor::main(l->floor);
            l->cpu_ns = thread_cpu_ns() - c0;
            return rc;
        }
    } launch{dvs ? worker : nullptr, &floor};
    if (dvs) worker_stop->store(false);
    const uint64_t gen_cpu0 = thread_cpu_ns();
    rte_eal_remote_launch(&Launch::main, &launch, opt_.worker_cpu);

    samples_.clear();
    Rng rng;
    const bool all_new = spec.new_ratio >= 1.0;
    const uint64_t new_threshold = static_cast<uint64_t>(spec.new_ratio * 18446744073709551615.0);
    const uint64_t window = opt_.window;
    // 1 s without progress ends the drain: longer than a loaded host deschedules us.
    const uint64_t idle_limit = tsc_hz_;
    uint64_t completions = 0;
    rte_mbuf* b[kBurst];
    rte_mbuf* reply[kBurst];
    std::string why;
    const uint64_t t0 = rte_rdtsc();
    uint64_t last_progress = t0, t_last = t0;

    while (true) {
        bool progress = false;
        // Sink, lan side: frames towards the real servers.
        unsigned n =
            rte_ring_sc_dequeue_burst(rings_.lan_tx, reinterpret_cast<void**>(b), kBurst, nullptr);
        if (n != 0) {
            progress = true;
            const uint64_t now = rte_rdtsc();
            r.forwarded += n;
            unsigned n_reply = 0, n_free = 0;
            rte_mbuf* done[kBurst];
            for (unsigned i = 0; i < n; ++i) {
                const bool sample = !echo && ++completions % kSampleEvery == 0;
                const bool full = sample || spec.fill;
                if (!sink.check_lan(b[i], spec.target, full, spec.fill && dvs, why)) {
                    ++r.bad;
                    note(why);
                }
                if (echo) {
                    Sink::reflect(b[i], rings_.lan_port, gen.tcp(), gen.v6());
                    reply[n_reply++] = b[i];
                    continue;
                }
                if (sample && samples_.size() < samples_.capacity()) {
                    uint64_t tsc;
                    std::memcpy(
                        &tsc, Sink::stamp(b[i], dvs ? sink.outer_extra() : 0, gen.tcp(), gen.v6()),
                        8);
                    samples_.push_back(now - tsc);
                }
                done[n_free++] = b[i];
            }
            if (n_free != 0) rte_pktmbuf_free_bulk(done, n_free);
            if (!echo) r.completed += n;
            if (n_reply != 0) {
                const unsigned q = rte_ring_sp_enqueue_burst(
                    rings_.lan_rx, reinterpret_cast<void* const*>(reply), n_reply, nullptr);
                if (q < n_reply) {  // cannot happen inside the window: counted as lost
                    rte_pktmbuf_free_bulk(reply + q, n_reply - q);
                    note("lan rx ring full");
                }
            }
            t_last = now;
        }
        // Sink, wan side: NAT replies (echo), or frames that should not be there.
        n = rte_ring_sc_dequeue_burst(rings_.wan_tx, reinterpret_cast<void**>(b), kBurst, nullptr);
        if (n != 0) {
            progress = true;
            const uint64_t now = rte_rdtsc();
            r.forwarded += n;
            r.completed += n;
            for (unsigned i = 0; i < n; ++i) {
                const bool sample = ++completions % kSampleEvery == 0;
                if (!sink.check_wan(b[i], spec.target, sample, why)) {
                    ++r.bad;
                    note(why);
                }
                if (sample && samples_.size() < samples_.capacity()) {
                    uint64_t tsc;
                    std::memcpy(&tsc, Sink::stamp(b[i], 0, gen.tcp(), gen.v6()), 8);
                    samples_.push_back(now - tsc);
                }
            }
            rte_pktmbuf_free_bulk(b, n);
            t_last = now;
        }
        // Generator: one burst whenever the window has room for it.
        if (r.sent < spec.packets) {
            uint64_t outstanding = r.sent - r.completed - r.dropped;
            if (outstanding + kBurst > window) {
                r.dropped = forwarder_drops(spec.target, worker, floor) - drops0;
                outstanding = r.sent - r.completed - r.dropped;
            }
            if (outstanding + kBurst <= window) {
                const uint16_t want =
                    static_cast<uint16_t>(std::min<uint64_t>(kBurst, spec.packets - r.sent));
                if (rte_pktmbuf_alloc_bulk(pool_, b, want) == 0) {
                    const uint64_t tsc = rte_rdtsc();
                    for (uint16_t i = 0; i < want; ++i) {
                        uint32_t flow;
                        bool syn;
                        if (spec.fill) {
                            const uint64_t k = r.sent + i;
                            flow = spec.first + static_cast<uint32_t>(spec.handshake ? k / 2 : k);
                            syn = !spec.handshake || k % 2 == 0;
                        } else if (all_new || rng.next() < new_threshold) {
                            flow = (*spec.next_fresh)++;
                            syn = true;
                            ++r.fresh;
                        } else {
                            flow = rng.below(spec.established);
                            syn = false;
                        }
                        gen.fill(b[i], flow, syn, tsc);
                    }
                    const unsigned q = rte_ring_sp_enqueue_burst(
                        rings_.wan_rx, reinterpret_cast<void* const*>(b), want, nullptr);
                    if (q < want) {  // cannot happen inside the window
                        rte_pktmbuf_free_bulk(b + q, want - q);
                        note("wan rx ring full");
                        r.lost += want - q;
                    }
                    r.sent += q;
                    progress = true;
                }
            }
        }
        const uint64_t now = rte_rdtsc();
        if (progress) {
            last_progress = now;
        } else if (r.sent == spec.packets) {
            r.dropped = forwarder_drops(spec.target, worker, floor) - drops0;
            if (r.completed + r.dropped + r.lost >= r.sent) break;
            if (now - last_progress > idle_limit) break;
        } else if (now - last_progress > 5 * tsc_hz_) {
            note("generator stalled (mbuf pool empty?)");
            break;
        }
    }
    (dvs ? *worker_stop : stop).store(true, std::memory_order_relaxed);
    rte_eal_wait_lcore(opt_.worker_cpu);
    r.dropped = forwarder_drops(spec.target, worker, floor) - drops0;
    drain_all(r);
    r.lost = r.sent - std::min(r.sent, r.completed + r.dropped);
    r.seconds = static_cast<double>(t_last - t0) / static_cast<double>(tsc_hz_);
    const double wall_ns =
        static_cast<double>(rte_rdtsc() - t0) * 1e9 / static_cast<double>(tsc_hz_);
    r.gen_cpu = static_cast<double>(thread_cpu_ns() - gen_cpu0) / wall_ns;
    r.fwd_cpu = static_cast<double>(launch.cpu_ns) / wall_ns;
    std::sort(samples_.begin(), samples_.end());
    const double ns = 1e9 / static_cast<double>(tsc_hz_);
    r.p50_ns = percentile(samples_, 0.5, ns);
    r.p99_ns = percentile(samples_, 0.99, ns);
    r.p999_ns = percentile(samples_, 0.999, ns);
    return r;
}

struct Result {
    std::string mode, proto;
    uint64_t conns = 0;
    double new_ratio = 0;
    double mpps = 0, floor_mpps = 0, offered_mpps = 0, ns_per_pkt = 0;
    double lat_p50 = 0, lat_p99 = 0, lat_p999 = 0, floor_p50 = 0, floor_p99 = 0;
    double new_conns_per_s = 0, bytes_per_conn = 0;
    double gen_cpu = 0, worker_cpu = 0, floor_cpu = 0;  // medians of the CPU shares
    uint64_t scrapes = 0, scrape_bytes = 0;             // with --scrape-ms
    double scrape_render_us = 0;
    uint64_t loss = 0, drops = 0;
    std::array<uint64_t, static_cast<size_t>(DropReason::kCount)> by_reason{};
    bool ok = true;
};

Result run_case(const std::string& mode, const std::string& proto, uint64_t conns, double new_ratio,
                const Options& opt, const Rings& rings, const PortLayout& ports,
                rte_mempool* pool) {
    Result res;
    res.mode = mode;
    res.proto = proto;
    res.conns = conns;
    res.new_ratio = new_ratio;
    const uint64_t packets = std::max<uint64_t>(opt.packets / kBurst * kBurst, kBurst);
    // Room for the established flows and every fresh one the dvs passes open.
    const uint64_t fresh_max = static_cast<uint64_t>(new_ratio * packets * opt.runs) + packets / 16;
    const uint64_t capacity = std::max<uint64_t>(4096, conns + conns / 64 + fresh_max);
    bench::BenchWorker bw(config_text(mode, proto, capacity), capacity, ports, pool);
    Worker* worker = &bw.worker();
    std::unique_ptr<bench::Scraper> scraper;
    if (opt.scrape_ms > 0) {
        scraper =
            std::make_unique<bench::Scraper>(config_text(mode, proto, capacity), worker->counters(),
                                             std::chrono::milliseconds(opt.scrape_ms));
    }
    std::atomic<bool>& stop = bw.stop;

    const bool tcp = proto == "tcp";
    const bool echo = opt.echo && mode_method(mode) == "nat";
    Options pass_opt = opt;
    pass_opt.echo = echo;
    Loop loop(pass_opt, rings, pool);
    const Generator gen(tcp, rings.wan_port, mode_is_v6(mode));
    Sink sink(mode, tcp, echo, gen.l4_len());
    sink.expect_flows(conns);

    // Fill: the flows in order, a TCP flow's handshake (SYN, ACK) at once.
    const uint64_t created0 = worker->counters().conns_created.get();
    PassSpec fill;
    fill.target = Target::kDvs;
    fill.fill = true;
    fill.handshake = tcp;
    fill.packets = tcp ? 2 * conns : conns;
    fill.first = 0;
    const PassResult f = loop.run(fill, gen, sink, worker, &stop);
    res.new_conns_per_s = f.seconds > 0 ? static_cast<double>(conns) / f.seconds : 0;
    res.bytes_per_conn =
        mode_is_v6(mode) ? worker->conn6_bytes_per_entry() : worker->conn_bytes_per_entry();
    uint64_t bad = f.bad, lost = f.lost, expected_new = conns;

    uint32_t next_fresh = static_cast<uint32_t>(conns);
    std::vector<double> mpps, floor_mpps, offered, p50, p99, p999, fp50, fp99, gcpu, wcpu, fcpu;
    for (int run = 0; run < opt.runs; ++run) {
        PassSpec spec;
        spec.packets = packets;
        spec.established = conns;
        spec.new_ratio = new_ratio;
        uint32_t floor_fresh = 0x80000000u;  // fresh ids of floor passes never reach a table
        spec.next_fresh = &floor_fresh;
        spec.target = Target::kFloor;
        const PassResult fl = loop.run(spec, gen, sink, nullptr, nullptr);
        spec.target = Target::kDvs;
        spec.next_fresh = &next_fresh;
        const PassResult d = loop.run(spec, gen, sink, worker, &stop);
        expected_new += d.fresh;
        floor_mpps.push_back(static_cast<double>(fl.forwarded) / fl.seconds / 1e6);
        mpps.push_back(static_cast<double>(d.forwarded) / d.seconds / 1e6);
        offered.push_back(static_cast<double>(d.sent) / d.seconds / 1e6);
        p50.push_back(d.p50_ns);
        p99.push_back(d.p99_ns);
        p999.push_back(d.p999_ns);
        fp50.push_back(fl.p50_ns);
        fp99.push_back(fl.p99_ns);
        gcpu.push_back(d.gen_cpu);
        wcpu.push_back(d.fwd_cpu);
        fcpu.push_back(fl.fwd_cpu);
        bad += fl.bad + d.bad;
        lost += fl.lost + d.lost + fl.dropped;
    }
    for (size_t i = 0; i < res.by_reason.size(); ++i)
        res.by_reason[i] = worker->counters().drops[i].get();
    res.drops = drops_total(worker->counters());
    res.mpps = median(mpps);
    res.floor_mpps = median(floor_mpps);
    res.offered_mpps = median(offered);
    res.ns_per_pkt = res.mpps > 0 ? 1e3 / res.mpps : 0;
    res.lat_p50 = median(p50);
    res.lat_p99 = median(p99);
    res.lat_p999 = median(p999);
    res.floor_p50 = median(fp50);
    res.floor_p99 = median(fp99);
    res.gen_cpu = median(gcpu);
    res.worker_cpu = median(wcpu);
    res.floor_cpu = median(fcpu);
    res.loss = lost;
    const uint64_t created = worker->counters().conns_created.get() - created0;

    auto error = [&](const std::string& e) {
        std::fprintf(stderr, "error: %s %s %lu new %.2f: %s\n", mode.c_str(), proto.c_str(), conns,
                     new_ratio, e.c_str());
        res.ok = false;
    };
    if (created != expected_new) {
        error("connections created " + std::to_string(created) + ", expected " +
              std::to_string(expected_new));
    }
    if (res.drops != 0) error(std::to_string(res.drops) + " dropped by the worker");
    if (lost != 0) error(std::to_string(lost) + " packets lost");
    if (bad != 0) {
        error(std::to_string(bad) + " frames came back wrong");
        for (const std::string& e : loop.errors) error("  " + e);
    }
    if (scraper) {
        res.scrapes = scraper->scrapes();
        res.scrape_render_us = scraper->mean_render_us();
        res.scrape_bytes = scraper->page_bytes();
    }
    return res;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        auto u64 = [](const std::string& s) { return std::stoull(s); };
        auto dbl = [](const std::string& s) { return std::stod(s); };
        if (opt.parse(a, value)) continue;
        if (a == "--new-ratio")
            opt.new_ratios = parse_list<double>(value(), dbl);
        else if (a == "--scrape-ms")
            opt.scrape_ms = static_cast<uint32_t>(std::stoul(value()));
        else if (a == "--cpus") {
            const auto c = parse_list<uint64_t>(value(), u64);
            if (c.size() != 2) {
                std::fprintf(stderr, "--cpus takes GEN,WORKER\n");
                return 1;
            }
            opt.gen_cpu = static_cast<unsigned>(c[0]);
            opt.worker_cpu = static_cast<unsigned>(c[1]);
        } else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 1;
        }
    }
    if (opt.window < kBurst || opt.window >= kRingSize) {
        std::fprintf(stderr, "--window must be in [%u, %u)\n", kBurst, kRingSize);
        return 1;
    }
    for (const uint64_t c : opt.conns) {
        if (c == 0 || c > 10000000) {
            std::fprintf(stderr, "--conns: 1 .. 10,000,000\n");
            return 1;
        }
    }
    const std::string cpus = std::to_string(opt.gen_cpu) + "," + std::to_string(opt.worker_cpu);
    std::vector<std::string> eal_args = {
        "loop_bench", "--no-pci", "--in-memory",  "--log-level=*:warning",
        "-l",         cpus,       "--main-lcore", std::to_string(opt.gen_cpu)};
    rte_mempool* pool = start_eal(eal_args, "loop", 32767);

    // Two ports, each a pair of single-producer/single-consumer rings.
    Rings rings{};
    const unsigned spsc = RING_F_SP_ENQ | RING_F_SC_DEQ;
    rings.wan_rx = make_ring("loop_wan_rx", kRingSize, spsc);
    rings.wan_tx = make_ring("loop_wan_tx", kRingSize, spsc);
    rings.lan_rx = make_ring("loop_lan_rx", kRingSize, spsc);
    rings.lan_tx = make_ring("loop_lan_tx", kRingSize, spsc);
    const PortLayout ports =
        open_ring_ports(&rings.wan_rx, &rings.wan_tx, &rings.lan_rx, &rings.lan_tx, 1, 1, pool,
                        rings.wan_port, rings.lan_port);

    std::printf(
        "closed loop, window %u, bursts of %u, %lu packets x %d runs per pass, CPUs gen %u "
        "worker %u%s\n",
        opt.window, kBurst, opt.packets, opt.runs, opt.gen_cpu, opt.worker_cpu,
        opt.echo ? ", NAT with replies (--echo)" : "");
    std::printf("%-4s %-5s %9s %5s %7s %7s %6s %7s %8s %8s %9s %8s %6s %6s %11s %7s %5s %5s\n",
                "mode", "proto", "conns", "new", "mpps", "floor", "ratio", "ns/pkt", "p50 us",
                "p99 us", "p999 us", "fl p50", "loss", "drops", "new conn/s", "B/conn", "cpu w",
                "cpu g");
    std::ostringstream json;
    json << "[\n";
    bool first = true, all_ok = true;
    for (const std::string& mode : opt.modes) {
        for (const std::string& proto : opt.protos) {
            for (const uint64_t conns : opt.conns) {
                for (const double ratio : opt.new_ratios) {
                    const Result r = run_case(mode, proto, conns, ratio, opt, rings, ports, pool);
                    const double ratio_to_floor = r.floor_mpps > 0 ? r.mpps / r.floor_mpps : 0;
                    std::printf(
                        "%-4s %-5s %9lu %5.2f %7.2f %7.2f %6.3f %7.0f %8.1f %8.1f %9.1f "
                        "%8.1f %6lu %6lu %11.0f %7.1f %5.2f %5.2f\n",
                        r.mode.c_str(), r.proto.c_str(), r.conns, r.new_ratio, r.mpps, r.floor_mpps,
                        ratio_to_floor, r.ns_per_pkt, r.lat_p50 / 1e3, r.lat_p99 / 1e3,
                        r.lat_p999 / 1e3, r.floor_p50 / 1e3, r.loss, r.drops, r.new_conns_per_s,
                        r.bytes_per_conn, r.worker_cpu, r.gen_cpu);
                    if (opt.scrape_ms > 0) {
                        std::printf(
                            "     scraped every %u ms: %lu renders of /metrics (%lu bytes), "
                            "%.0f us each on average\n",
                            opt.scrape_ms, r.scrapes, r.scrape_bytes, r.scrape_render_us);
                    }
                    std::fflush(stdout);
                    json << (first ? "" : ",\n") << "  {\"mode\":\"" << r.mode << "\",\"proto\":\""
                         << r.proto << "\",\"transport\":\"ring\",\"echo\":"
                         << (opt.echo && mode_method(r.mode) == "nat" ? "true" : "false")
                         << ",\"conns\":" << r.conns << ",\"new_ratio\":" << r.new_ratio
                         << ",\"window\":" << opt.window << ",\"mpps\":" << r.mpps
                         << ",\"floor_mpps\":" << r.floor_mpps << ",\"ratio\":" << ratio_to_floor
                         << ",\"offered_mpps\":" << r.offered_mpps
                         << ",\"ns_per_pkt\":" << r.ns_per_pkt << ",\"loss\":" << r.loss
                         << ",\"lat_p50_ns\":" << r.lat_p50 << ",\"lat_p99_ns\":" << r.lat_p99
                         << ",\"lat_p999_ns\":" << r.lat_p999
                         << ",\"floor_lat_p50_ns\":" << r.floor_p50
                         << ",\"floor_lat_p99_ns\":" << r.floor_p99
                         << ",\"new_conns_per_s\":" << r.new_conns_per_s
                         << ",\"bytes_per_conn\":" << r.bytes_per_conn
                         << ",\"worker_cpu_share\":" << r.worker_cpu
                         << ",\"floor_cpu_share\":" << r.floor_cpu
                         << ",\"gen_cpu_share\":" << r.gen_cpu << ",\"scrape_ms\":" << opt.scrape_ms
                         << ",\"scrapes\":" << r.scrapes << ",\"drops\":" << r.drops
                         << ",\"drops_by_reason\":{";
                    bool first_reason = true;
                    for (size_t i = 0; i < r.by_reason.size(); ++i) {
                        if (r.by_reason[i] == 0) continue;
                        json << (first_reason ? "" : ",") << "\""
                             << drop_reason_name(static_cast<DropReason>(i))
                             << "\":" << r.by_reason[i];
                        first_reason = false;
                    }
                    json << "},\"ok\":" << (r.ok ? "true" : "false") << "}";
                    first = false;
                    all_ok = all_ok && r.ok;
                }
            }
        }
    }
    write_json(json, opt.json);
    close_ports(ports);
    rte_eal_cleanup();
    return all_ok ? 0 : 1;
}
