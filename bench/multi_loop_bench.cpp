// Multi-worker loop benchmark (issue 18): one process with N real workers
// (dataplane::Worker running Worker::run on N lcores, real handoff rings
// between them, WorkerEnv.n_workers = N, as dvsd wires them), fed over two
// net_ring ports of N RX and N TX queues by G generator/sink lcores.
//
//   generator g (owns flows f, f % G == g)        worker w (polls queue w of each port)
//   fill, dispatch like RSS  -> [wan rx ring q] -> worker q -> handoff ring? -> owner
//   check; echo: reflect     <- [lan tx ring w] <- owner's TX queue w (lan)
//     dispatch the reply     -> [lan rx ring q] -> worker q -> handoff ring? -> owner
//   check                    <- [wan tx ring w] <- owner's TX queue w (wan)
// Generator g also sinks the TX rings of the workers w with w % G == g.
//
// Dispatch (--dispatch), the RSS a NIC would do, in software (rss_hash.hpp):
//   steered  what dvsd programs where the NIC can (rss_steering.hpp): the wan
//            (client-facing) port hashes the source endpoint, the lan
//            (server-facing) port the destination, one key (kRssKey), the
//            steering RETA: every packet lands on its flow's owner, so the
//            handoff counters stay 0 (checked).
//   tuple    plain RSS over the 4-tuple, same key, a round-robin 128-entry
//            RETA: packets land on any queue and the workers hand them to the
//            owner over the handoff rings (with N > 1 the counters must move).
//
// The floor, in the same run: a bare forwarder (loop_traffic.hpp's Floor)
// on each worker lcore over the same rings, queue w to queue w.
//
// Closed loop: generator g keeps at most window/G of its packets
// outstanding; a sink credits each completion to the generator owning the
// frame's flow. With the window below a ring's capacity no ring can
// overflow. A worker drop stalls the window (ends the pass after 1 s) and
// fails the case, as do lost or wrong frames (loop_traffic.hpp's Sink
// checks every frame; one in 64, and every fill frame, fully).
//
// Per case (mode x proto x conns x dispatch): a fill pass (per flow a SYN,
// then an ACK: handshakes per second are new_conns_per_s; with the
// handshake done, no entry is half-open, so the SYN-flood pressure timeout,
// 10 s once a sixteenth of a table is half-open, cannot empty the tables
// before a long fill ends), then --runs pairs of passes (floor, dvs) of --packets
// packets to established flows at random; medians reported, per worker too.
//
// Usage: multi_loop_bench [--workers N] [--generators G] [--cpus C0,C1,...]
//                         [--dispatch steered,tuple] [--modes nat,dr,tun]
//                         [--protos tcp,udp] [--conns 1000,1000000]
//                         [--packets N] [--runs R] [--window K] [--echo]
//                         [--json FILE]
// --cpus: G generator CPUs, then N worker CPUs (a CPU may repeat: lcores
// then share it). Default: CPU i % (CPUs present) for lcore i.
// Needs hugepages (scripts/setup.sh) and root.

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_worker.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rss_hash.hpp"
#include "dataplane/rss_steering.hpp"
#include "dataplane/worker.hpp"
#include "loop_traffic.hpp"

using namespace dvs;
using namespace dvs::dataplane;
using namespace dvs::bench;

namespace {

constexpr unsigned kRingSize = 4096;  // per queue, direction and port; capacity 4095
constexpr uint32_t kFullCheckEvery = 64;
constexpr uint32_t kMaxGenerators = 32;

struct Options : LoopOptions {
    uint32_t workers = 1;
    uint32_t generators = 1;
    std::vector<unsigned> cpus;  // generators first, then workers
    std::vector<std::string> dispatch = {"steered", "tuple"};
    Options() {
        modes = {"nat"};
        protos = {"tcp"};
        window = 0;  // 0: 1024 per worker, at most 4064
    }
};

// The RSS of one port, in software: the queue a NIC configured this way
// delivers an IPv4 TCP/UDP frame to.
class Dispatch {
public:
    Dispatch(bool steered, PortFacing facing, uint32_t queues)
        : steered_(steered), facing_(facing) {
        const std::vector<uint16_t> reta = steering_reta(kRetaEntries, queues);
        for (uint32_t i = 0; i < kRetaEntries; ++i) {
            reta_[i] = steered ? reta[i] : static_cast<uint16_t>(i % queues);
        }
    }

    uint16_t queue(const rte_mbuf* m) const {
        const auto* ip =
            reinterpret_cast<const Ipv4Hdr*>(rte_pktmbuf_mtod(m, const uint8_t*) + sizeof(EthHdr));
        const auto* l4 = reinterpret_cast<const uint8_t*>(ip + 1);
        uint32_t hash;
        if (steered_) {
            uint16_t port;
            std::memcpy(&port, l4 + (facing_ == PortFacing::kClients ? 0 : 2), 2);
            hash = rss_hash_endpoint4(facing_ == PortFacing::kClients ? ip->src : ip->dst, port);
        } else {
            uint8_t in[12];  // RSS input for IPv4 TCP/UDP: addresses, then ports
            std::memcpy(in, &ip->src, 8);
            std::memcpy(in + 8, l4, 4);
            hash = rss_hash(in);
        }
        return reta_[hash & (kRetaEntries - 1)];
    }

    // Enqueues each frame on its queue's ring; returns how many did not fit
    // (freed).
    uint32_t enqueue(rte_ring* const* rings, rte_mbuf** b, uint32_t n) const {
        rte_mbuf* by_queue[kMaxWorkers][kBurst];
        uint32_t count[kMaxWorkers] = {};
        uint32_t used[kBurst];
        uint32_t n_used = 0;
        for (uint32_t i = 0; i < n; ++i) {
            const uint16_t q = queue(b[i]);
            if (count[q] == 0) used[n_used++] = q;
            by_queue[q][count[q]++] = b[i];
        }
        uint32_t failed = 0;
        for (uint32_t u = 0; u < n_used; ++u) {
            const uint32_t q = used[u];
            const unsigned done = rte_ring_enqueue_burst(
                rings[q], reinterpret_cast<void* const*>(by_queue[q]), count[q], nullptr);
            if (done < count[q]) {
                rte_pktmbuf_free_bulk(by_queue[q] + done, count[q] - done);
                failed += count[q] - done;
            }
        }
        return failed;
    }

private:
    bool steered_;
    PortFacing facing_;
    std::array<uint16_t, kRetaEntries> reta_{};
};

// The rings behind the two ports: one per queue and direction.
struct Rings {
    std::vector<rte_ring*> wan_rx, wan_tx, lan_rx, lan_tx;
    uint16_t wan_port = 0, lan_port = 0;
};

enum class PassKind { kFill, kMeasure };

// One generator/sink lcore's share of a pass.
struct alignas(64) GenState {
    uint32_t id = 0;
    std::vector<uint32_t> sinks;  // workers whose TX rings it drains
    uint64_t packets = 0;         // to send this pass
    uint64_t flows = 0;           // flows it owns: id, id + G, ...
    uint64_t sent = 0, bad = 0, ring_full = 0, stale = 0, t_last = 0, cpu_ns = 0;
    std::vector<uint64_t> forwarded;  // [worker], its sinks only
    std::vector<std::string> errors;
    alignas(64) std::atomic<uint64_t> completed{0};  // credited by any sink
};

// What every lcore of a pass shares.
struct PassCtx {
    PassKind kind = PassKind::kMeasure;
    Target target = Target::kDvs;
    const Rings* rings = nullptr;
    const Dispatch* wan = nullptr;
    const Dispatch* lan = nullptr;
    const Generator* gen = nullptr;
    Sink* sink = nullptr;
    rte_mempool* pool = nullptr;
    bool echo = false;
    uint32_t window = 0;  // per generator
    uint32_t n_gens = 0;
    std::vector<std::unique_ptr<GenState>>* gens = nullptr;
    std::atomic<bool> go{false}, done{false};
    uint64_t t0 = 0;
};

// A flow's frames complete at the sink that gets them back; credit its owner.
struct Credits {
    std::array<uint32_t, kMaxGenerators> n{};
    void flush(PassCtx& c) {
        for (uint32_t g = 0; g < c.n_gens; ++g) {
            if (n[g] == 0) continue;
            (*c.gens)[g]->completed.fetch_add(n[g], std::memory_order_release);
            n[g] = 0;
        }
    }
};

uint32_t stamped_flow(const rte_mbuf* m, size_t extra, bool tcp) {
    uint32_t flow;
    std::memcpy(&flow, &Sink::stamp(const_cast<rte_mbuf*>(m), extra, tcp)->flow, 4);
    return flow;
}

// A frame sent in an earlier pass (one a stalled pass left in a worker):
// neither checked nor credited, so it cannot skew this pass's window.
bool stale(const rte_mbuf* m, size_t extra, bool tcp, uint64_t t0) {
    uint64_t tsc;
    std::memcpy(&tsc, &Sink::stamp(const_cast<rte_mbuf*>(m), extra, tcp)->tsc, 8);
    return tsc < t0;
}

void note(GenState& g, const std::string& e) {
    if (g.errors.size() < 8) g.errors.push_back(e);
}

// Drains worker w's TX rings (one sink's work for one worker).
bool sink_worker(PassCtx& c, GenState& g, uint32_t w, Credits& credits, uint64_t& checked) {
    const bool dvs = c.target == Target::kDvs;
    const bool fill = c.kind == PassKind::kFill;
    const bool tcp = c.gen->tcp();
    rte_mbuf* b[kBurst];
    rte_mbuf* reply[kBurst];
    std::string why;
    bool progress = false;
    unsigned n =
        rte_ring_sc_dequeue_burst(c.rings->lan_tx[w], reinterpret_cast<void**>(b), kBurst, nullptr);
    if (n != 0) {
        progress = true;
        g.forwarded[w] += n;
        const size_t extra = dvs ? c.sink->outer_extra() : 0;
        uint32_t n_reply = 0;
        for (unsigned i = 0; i < n; ++i) {
            if (stale(b[i], extra, tcp, c.t0)) {
                ++g.stale;
                rte_pktmbuf_free(b[i]);
                continue;
            }
            const bool full = fill || ++checked % kFullCheckEvery == 0;
            if (!c.sink->check_lan(b[i], c.target, full, fill && dvs, why)) {
                ++g.bad;
                note(g, why);
            }
            if (c.echo) {
                Sink::reflect(b[i], c.rings->lan_port, tcp);
                reply[n_reply++] = b[i];
            } else {
                ++credits.n[stamped_flow(b[i], extra, tcp) % c.n_gens];
                rte_pktmbuf_free(b[i]);
            }
        }
        const uint32_t failed = c.lan->enqueue(c.rings->lan_rx.data(), reply, n_reply);
        if (failed != 0) {  // cannot happen inside the window: counted as lost
            g.ring_full += failed;
            note(g, "lan rx ring full");
        }
    }
    n = rte_ring_sc_dequeue_burst(c.rings->wan_tx[w], reinterpret_cast<void**>(b), kBurst, nullptr);
    if (n != 0) {
        progress = true;
        g.forwarded[w] += n;
        for (unsigned i = 0; i < n; ++i) {
            if (stale(b[i], 0, tcp, c.t0)) {
                ++g.stale;
                continue;
            }
            const bool full = fill || ++checked % kFullCheckEvery == 0;
            if (!c.sink->check_wan(b[i], c.target, full, why)) {
                ++g.bad;
                note(g, why);
            }
            ++credits.n[stamped_flow(b[i], 0, tcp) % c.n_gens];
        }
        rte_pktmbuf_free_bulk(b, n);
    }
    return progress;
}

// One generator/sink lcore through one pass; generator 0 (the main lcore)
// also decides when the pass is over.
void run_generator(PassCtx& c, GenState& g) {
    const uint64_t c0 = thread_cpu_ns();
    while (!c.go.load(std::memory_order_acquire)) rte_pause();
    const uint64_t hz = rte_get_tsc_hz();
    const bool fill = c.kind == PassKind::kFill;
    Rng rng;
    rng.s ^= 0x2545f4914f6cdd1dull * (g.id + 1);
    Credits credits;
    uint64_t checked = 0;
    rte_mbuf* b[kBurst];
    uint64_t total = 0, last_total = 0, last_change = c.t0;
    for (const auto& s : *c.gens) total += s->packets;

    while (!c.done.load(std::memory_order_relaxed)) {
        bool completed_any = false;
        for (const uint32_t w : g.sinks) completed_any |= sink_worker(c, g, w, credits, checked);
        credits.flush(c);
        if (completed_any) g.t_last = rte_rdtsc();
        if (g.sent < g.packets &&
            g.sent - g.completed.load(std::memory_order_acquire) + kBurst <= c.window) {
            const uint16_t want =
                static_cast<uint16_t>(std::min<uint64_t>(kBurst, g.packets - g.sent));
            if (rte_pktmbuf_alloc_bulk(c.pool, b, want) == 0) {
                const uint64_t tsc = rte_rdtsc();
                for (uint16_t i = 0; i < want; ++i) {
                    // Fill: each flow's SYN, then its ACK (same queue, so in order).
                    const uint64_t j = g.sent + i;
                    const uint64_t k = fill ? j / 2 : rng.below(g.flows);
                    const bool syn = fill && j % 2 == 0;
                    c.gen->fill(b[i], static_cast<uint32_t>(g.id + k * c.n_gens), syn, tsc);
                }
                const uint32_t failed = c.wan->enqueue(c.rings->wan_rx.data(), b, want);
                if (failed != 0) {  // cannot happen inside the window
                    g.ring_full += failed;
                    note(g, "wan rx ring full");
                }
                g.sent += want;
            }
        }
        if (g.id != 0) continue;
        uint64_t done = 0;
        for (const auto& s : *c.gens) done += s->completed.load(std::memory_order_relaxed);
        const uint64_t now = rte_rdtsc();
        if (done != last_total) {
            last_total = done;
            last_change = now;
        }
        // Everything back, or 5 s without a completion: longer than a loaded
        // host deschedules a lcore; the missing packets are then reported.
        if (done >= total || now - last_change > 5 * hz) {
            if (done < total) {
                note(g, std::to_string(total - done) + " of " + std::to_string(total) +
                            " packets missing after 5 s without a completion");
            }
            c.done.store(true, std::memory_order_relaxed);
        }
    }
    g.cpu_ns = thread_cpu_ns() - c0;
}

struct PassResult {
    double seconds = 0;
    uint64_t sent = 0, completed = 0, forwarded = 0, lost = 0, bad = 0;
    std::vector<uint64_t> forwarded_by_worker;
    double gen_cpu = 0, fwd_cpu = 0;  // mean CPU share of the generator / forwarder lcores
    std::vector<std::string> errors;
};

// Runs one pass: launches the forwarders (workers or floors) and the other
// generators, generates on the main lcore, stops everything.
class Runner {
public:
    Runner(const Options& opt, const Rings& rings, rte_mempool* pool)
        : opt_(opt), rings_(rings), pool_(pool) {}

    PassResult run(PassKind kind, Target target, uint64_t packets, uint64_t conns,
                   const Dispatch& wan, const Dispatch& lan, const Generator& gen, Sink& sink,
                   bool echo, BenchWorker* workers);

private:
    const Options& opt_;
    const Rings& rings_;
    rte_mempool* pool_;
};

struct Launch {
    Worker* worker = nullptr;
    Floor* floor = nullptr;
    PassCtx* ctx = nullptr;
    GenState* gen = nullptr;
    uint64_t cpu_ns = 0;
    static int main(void* arg) {
        auto* l = static_cast<Launch*>(arg);
        if (l->gen != nullptr) {
            run_generator(*l->ctx, *l->gen);
            return 0;
        }
        const uint64_t c0 = thread_cpu_ns();
        const int rc = l->worker != nullptr ? l->worker->run() : Floor::main(l->floor);
        l->cpu_ns = thread_cpu_ns() - c0;
        return rc;
    }
};

PassResult Runner::run(PassKind kind, Target target, uint64_t packets, uint64_t conns,
                       const Dispatch& wan, const Dispatch& lan, const Generator& gen, Sink& sink,
                       bool echo, BenchWorker* workers) {
    const uint32_t n_w = opt_.workers, n_g = opt_.generators;
    std::vector<std::unique_ptr<GenState>> gens;
    for (uint32_t g = 0; g < n_g; ++g) {
        auto s = std::make_unique<GenState>();
        s->id = g;
        for (uint32_t w = g; w < n_w; w += n_g) s->sinks.push_back(w);
        s->forwarded.assign(n_w, 0);
        s->flows = g < conns ? (conns - g + n_g - 1) / n_g : 0;
        s->packets = kind == PassKind::kFill ? 2 * s->flows : (s->flows ? packets / n_g : 0);
        gens.push_back(std::move(s));
    }
    PassCtx c;
    c.kind = kind;
    c.target = target;
    c.rings = &rings_;
    c.wan = &wan;
    c.lan = &lan;
    c.gen = &gen;
    c.sink = &sink;
    c.pool = pool_;
    c.echo = echo;
    c.window = std::max<uint32_t>(kBurst, opt_.window / n_g / kBurst * kBurst);
    c.n_gens = n_g;
    c.gens = &gens;

    std::atomic<bool> floor_stop{false};
    std::vector<std::unique_ptr<Floor>> floors;
    std::vector<Launch> launches(n_g + n_w);
    for (uint32_t w = 0; w < n_w; ++w) {
        Launch& l = launches[n_g + w];
        if (target == Target::kDvs) {
            l.worker = &workers->worker(w);
        } else {
            floors.push_back(std::make_unique<Floor>());
            Floor& f = *floors.back();
            f.wan_port = rings_.wan_port;
            f.lan_port = rings_.lan_port;
            f.queue = static_cast<uint16_t>(w);
            f.stop = &floor_stop;
            l.floor = &f;
        }
    }
    if (target == Target::kDvs) workers->stop.store(false);
    for (uint32_t w = 0; w < n_w; ++w)
        rte_eal_remote_launch(&Launch::main, &launches[n_g + w], n_g + w);
    for (uint32_t g = 1; g < n_g; ++g) {
        launches[g].ctx = &c;
        launches[g].gen = gens[g].get();
        rte_eal_remote_launch(&Launch::main, &launches[g], g);
    }
    c.t0 = rte_rdtsc();
    c.go.store(true, std::memory_order_release);
    run_generator(c, *gens[0]);
    const uint64_t t_end = rte_rdtsc();
    (target == Target::kDvs ? workers->stop : floor_stop).store(true);
    for (uint32_t l = 1; l < n_g + n_w; ++l) rte_eal_wait_lcore(l);

    PassResult r;
    r.forwarded_by_worker.assign(n_w, 0);
    uint64_t t_last = c.t0;
    for (const auto& s : gens) {
        r.sent += s->sent;
        r.completed += s->completed.load();
        r.bad += s->bad;
        t_last = std::max(t_last, s->t_last);
        for (uint32_t w = 0; w < n_w; ++w) r.forwarded_by_worker[w] += s->forwarded[w];
        r.gen_cpu += static_cast<double>(s->cpu_ns);
        for (const std::string& e : s->errors) r.errors.push_back(e);
    }
    for (const uint64_t f : r.forwarded_by_worker) r.forwarded += f;
    // Whatever is still on a port's rings never came back.
    rte_mbuf* b[kBurst];
    for (const auto* v : {&rings_.wan_rx, &rings_.wan_tx, &rings_.lan_rx, &rings_.lan_tx}) {
        for (rte_ring* ring : *v) {
            unsigned n;
            while ((n = rte_ring_dequeue_burst(ring, reinterpret_cast<void**>(b), kBurst,
                                               nullptr)) != 0) {
                rte_pktmbuf_free_bulk(b, n);
            }
        }
    }
    r.lost = r.sent - std::min(r.sent, r.completed);
    const double hz = static_cast<double>(rte_get_tsc_hz());
    r.seconds = static_cast<double>(t_last - c.t0) / hz;
    const double wall_ns = static_cast<double>(t_end - c.t0) * 1e9 / hz;
    r.gen_cpu = wall_ns > 0 ? r.gen_cpu / n_g / wall_ns : 0;
    for (uint32_t w = 0; w < n_w; ++w) r.fwd_cpu += static_cast<double>(launches[n_g + w].cpu_ns);
    r.fwd_cpu = wall_ns > 0 ? r.fwd_cpu / n_w / wall_ns : 0;
    return r;
}

struct Result {
    std::string mode, proto, dispatch;
    uint64_t conns = 0;
    double mpps = 0, floor_mpps = 0, new_conns_per_s = 0;
    std::vector<double> worker_mpps, floor_worker_mpps;
    uint64_t handoff_out = 0, handoff_in = 0, forwarded = 0;  // dvs measured passes
    uint64_t loss = 0, drops = 0, bad = 0;
    double gen_cpu = 0, worker_cpu = 0;
    bool ok = true;
};

// Mpps; 0 for a pass in which nothing came back.
double rate(uint64_t packets, double seconds) {
    return seconds > 0 ? static_cast<double>(packets) / seconds / 1e6 : 0;
}

uint64_t sum_counter(BenchWorker& bw, Counter WorkerCounters::*field) {
    uint64_t s = 0;
    for (uint32_t w = 0; w < bw.workers(); ++w) s += (bw.worker(w).counters().*field).get();
    return s;
}

Result run_case(const std::string& mode, const std::string& proto, uint64_t conns,
                const std::string& dispatch, const Options& opt, const Rings& rings,
                const PortLayout& ports, rte_mempool* pool) {
    Result res;
    res.mode = mode;
    res.proto = proto;
    res.conns = conns;
    res.dispatch = dispatch;
    const uint32_t n_w = opt.workers;
    // Each worker's table holds the flows of its RETA entries, with room.
    const uint64_t share = conns * ((kRetaEntries + n_w - 1) / n_w) / kRetaEntries;
    const uint64_t capacity = share + share / 8 + 4096;
    const std::string config = config_text(mode, proto, capacity, n_w);
    BenchWorker bw(config, capacity, ports, pool, n_w);

    const bool tcp = proto == "tcp";
    const bool echo = opt.echo && mode == "nat";
    const bool steered = dispatch == "steered";
    const Dispatch wan(steered, PortFacing::kClients, n_w);
    const Dispatch lan(steered, PortFacing::kServers, n_w);
    const Generator gen(tcp, rings.wan_port);
    Sink sink(mode, tcp, echo, gen.l4_len());
    sink.expect_flows(conns);
    Runner runner(opt, rings, pool);
    std::vector<std::string> errors;
    uint64_t lost = 0, bad = 0;
    auto keep = [&](const PassResult& p) {
        lost += p.lost;
        bad += p.bad;
        for (const std::string& e : p.errors)
            if (errors.size() < 8) errors.push_back(e);
    };

    const uint64_t created0 = sum_counter(bw, &WorkerCounters::conns_created);
    const PassResult f =
        runner.run(PassKind::kFill, Target::kDvs, conns, conns, wan, lan, gen, sink, echo, &bw);
    keep(f);
    res.new_conns_per_s = f.seconds > 0 ? static_cast<double>(conns) / f.seconds : 0;
    const uint64_t created = sum_counter(bw, &WorkerCounters::conns_created) - created0;

    const uint64_t packets = std::max<uint64_t>(opt.packets / kBurst * kBurst, kBurst);
    const uint64_t out0 = sum_counter(bw, &WorkerCounters::handoff_out);
    const uint64_t in0 = sum_counter(bw, &WorkerCounters::handoff_in);
    std::vector<double> mpps, floor_mpps, gcpu, wcpu;
    std::vector<std::vector<double>> per(n_w), floor_per(n_w);
    for (int run = 0; run < opt.runs; ++run) {
        const PassResult fl = runner.run(PassKind::kMeasure, Target::kFloor, packets, conns, wan,
                                         lan, gen, sink, echo, nullptr);
        const PassResult d = runner.run(PassKind::kMeasure, Target::kDvs, packets, conns, wan, lan,
                                        gen, sink, echo, &bw);
        keep(fl);
        keep(d);
        res.forwarded += d.forwarded;
        floor_mpps.push_back(rate(fl.forwarded, fl.seconds));
        mpps.push_back(rate(d.forwarded, d.seconds));
        for (uint32_t w = 0; w < n_w; ++w) {
            per[w].push_back(rate(d.forwarded_by_worker[w], d.seconds));
            floor_per[w].push_back(rate(fl.forwarded_by_worker[w], fl.seconds));
        }
        gcpu.push_back(d.gen_cpu);
        wcpu.push_back(d.fwd_cpu);
    }
    res.handoff_out = sum_counter(bw, &WorkerCounters::handoff_out) - out0;
    res.handoff_in = sum_counter(bw, &WorkerCounters::handoff_in) - in0;
    res.mpps = median(mpps);
    res.floor_mpps = median(floor_mpps);
    for (uint32_t w = 0; w < n_w; ++w) {
        res.worker_mpps.push_back(median(per[w]));
        res.floor_worker_mpps.push_back(median(floor_per[w]));
    }
    res.gen_cpu = median(gcpu);
    res.worker_cpu = median(wcpu);
    for (uint32_t w = 0; w < n_w; ++w) res.drops += drops_total(bw.worker(w).counters());
    res.loss = lost;
    res.bad = bad;

    auto error = [&](const std::string& e) {
        std::fprintf(stderr, "error: %s %s %lu %s: %s\n", mode.c_str(), proto.c_str(), conns,
                     dispatch.c_str(), e.c_str());
        res.ok = false;
    };
    if (created != conns) {
        error("connections created " + std::to_string(created) + ", expected " +
              std::to_string(conns));
    }
    if (res.drops != 0) {
        std::string why;
        for (size_t i = 0; i < static_cast<size_t>(DropReason::kCount); ++i) {
            uint64_t n = 0;
            for (uint32_t w = 0; w < n_w; ++w) n += bw.worker(w).counters().drops[i].get();
            if (n != 0)
                why += " " + std::string(drop_reason_name(static_cast<DropReason>(i))) + " " +
                       std::to_string(n);
        }
        error(std::to_string(res.drops) + " dropped by the workers:" + why);
    }
    if (lost != 0) error(std::to_string(lost) + " packets lost");
    if (bad != 0) error(std::to_string(bad) + " frames came back wrong");
    for (const std::string& e : errors) error("  " + e);
    // Steering must make the handoff unnecessary; without it, several
    // workers must be handing packets over.
    if (steered && res.handoff_out != 0) {
        error("steered, yet " + std::to_string(res.handoff_out) + " packets were handed off");
    }
    if (!steered && n_w > 1 && res.handoff_out == 0) error("tuple dispatch, yet no handoff");
    if (res.handoff_in != res.handoff_out) error("handoff in != handoff out");
    return res;
}

std::string json_list(const std::vector<double>& v) {
    std::ostringstream o;
    o << "[";
    for (size_t i = 0; i < v.size(); ++i) o << (i ? "," : "") << v[i];
    o << "]";
    return o.str();
}

// Prints the row of one case; returns its JSON object.
std::string report(const Result& r, const Options& opt) {
    const double ratio = r.floor_mpps > 0 ? r.mpps / r.floor_mpps : 0;
    const double share =
        r.forwarded > 0 ? static_cast<double>(r.handoff_out) / static_cast<double>(r.forwarded) : 0;
    std::string per;
    for (uint32_t w = 0; w < opt.workers; ++w) {
        char buf[48];
        std::snprintf(buf, sizeof buf, " %.2f (%.2f)", r.worker_mpps[w], r.floor_worker_mpps[w]);
        per += buf;
    }
    std::printf(
        "%-4s %-5s %9lu %-8s %7.2f %7.2f %6.3f %7.1f%% %11.0f %5.2f %5.2f %6lu "
        "%s\n",
        r.mode.c_str(), r.proto.c_str(), r.conns, r.dispatch.c_str(), r.mpps, r.floor_mpps, ratio,
        share * 100, r.new_conns_per_s, r.worker_cpu, r.gen_cpu, r.loss, per.c_str());
    std::fflush(stdout);
    std::ostringstream json;
    json << "  {\"mode\":\"" << r.mode << "\",\"proto\":\"" << r.proto
         << "\",\"transport\":\"ring\",\"dispatch\":\"" << r.dispatch
         << "\",\"echo\":" << (opt.echo && r.mode == "nat" ? "true" : "false")
         << ",\"workers\":" << opt.workers << ",\"generators\":" << opt.generators
         << ",\"conns\":" << r.conns << ",\"window\":" << opt.window << ",\"mpps\":" << r.mpps
         << ",\"floor_mpps\":" << r.floor_mpps << ",\"ratio\":" << ratio
         << ",\"worker_mpps\":" << json_list(r.worker_mpps)
         << ",\"floor_worker_mpps\":" << json_list(r.floor_worker_mpps)
         << ",\"handoff_out\":" << r.handoff_out << ",\"handoff_in\":" << r.handoff_in
         << ",\"handoff_share\":" << share << ",\"new_conns_per_s\":" << r.new_conns_per_s
         << ",\"worker_cpu_share\":" << r.worker_cpu << ",\"gen_cpu_share\":" << r.gen_cpu
         << ",\"loss\":" << r.loss << ",\"bad\":" << r.bad << ",\"drops\":" << r.drops
         << ",\"ok\":" << (r.ok ? "true" : "false") << "}";
    return json.str();
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    bool cpus_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        auto word = [](const std::string& s) { return s; };
        auto u64 = [](const std::string& s) { return std::stoull(s); };
        if (opt.parse(a, value)) continue;
        if (a == "--workers")
            opt.workers = static_cast<uint32_t>(std::stoul(value()));
        else if (a == "--generators")
            opt.generators = static_cast<uint32_t>(std::stoul(value()));
        else if (a == "--cpus") {
            for (const uint64_t c : parse_list<uint64_t>(value(), u64))
                opt.cpus.push_back(static_cast<unsigned>(c));
            cpus_given = true;
        } else if (a == "--dispatch")
            opt.dispatch = parse_list<std::string>(value(), word);
        else {
            std::fprintf(stderr, "unknown argument %s\n", a.c_str());
            return 1;
        }
    }
    if (opt.workers < 1 || opt.workers > kMaxWorkers || opt.generators < 1 ||
        opt.generators > kMaxGenerators) {
        std::fprintf(stderr, "--workers: 1 .. %u, --generators: 1 .. %u\n", kMaxWorkers,
                     kMaxGenerators);
        return 1;
    }
    for (const std::string& m : opt.modes) {
        if (mode_is_v6(m)) {  // its RSS-like dispatch reads IPv4 headers only
            std::fprintf(stderr, "--modes %s: IPv6 modes are loop_bench's (one worker)\n",
                         m.c_str());
            return 1;
        }
    }
    for (const std::string& d : opt.dispatch) {
        if (d != "steered" && d != "tuple") {
            std::fprintf(stderr, "--dispatch: steered, tuple\n");
            return 1;
        }
    }
    for (const uint64_t c : opt.conns) {
        if (c < opt.generators || c > 10000000) {
            std::fprintf(stderr, "--conns: generators .. 10,000,000\n");
            return 1;
        }
    }
    const uint32_t lcores = opt.generators + opt.workers;
    if (!cpus_given) {
        const long present = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
        for (uint32_t l = 0; l < lcores; ++l) opt.cpus.push_back(l % present);
    }
    if (opt.cpus.size() != lcores) {
        std::fprintf(stderr, "--cpus needs %u CPUs: %u generators, then %u workers\n", lcores,
                     opt.generators, opt.workers);
        return 1;
    }
    if (opt.window == 0) opt.window = std::min<uint32_t>(4064, 1024 * opt.workers);
    if (opt.window < kBurst * opt.generators || opt.window >= kRingSize) {
        std::fprintf(stderr, "--window must be in [%u, %u)\n", kBurst * opt.generators, kRingSize);
        return 1;
    }
    // lcore l runs on CPU cpus[l]: generators 0 .. G-1, workers G .. G+N-1.
    std::string map;
    for (uint32_t l = 0; l < lcores; ++l)
        map += (l ? "," : "") + std::to_string(l) + "@" + std::to_string(opt.cpus[l]);
    std::vector<std::string> eal_args = {"multi_loop_bench",      "--no-pci", "--in-memory",
                                         "--log-level=*:warning", "--lcores", map,
                                         "--main-lcore",          "0"};
    rte_mempool* pool = start_eal(eal_args, "mloop", 65535);

    // Per port, one ring per queue and direction. RX rings get frames from
    // every generator (multi-producer when there are several); a TX ring has
    // one worker and one sink.
    Rings rings;
    const unsigned rx_flags = RING_F_SC_DEQ | (opt.generators == 1 ? RING_F_SP_ENQ : 0);
    const unsigned spsc = RING_F_SP_ENQ | RING_F_SC_DEQ;
    for (uint32_t q = 0; q < opt.workers; ++q) {
        const std::string s = std::to_string(q);
        rings.wan_rx.push_back(make_ring("mloop_wan_rx" + s, kRingSize, rx_flags));
        rings.wan_tx.push_back(make_ring("mloop_wan_tx" + s, kRingSize, spsc));
        rings.lan_rx.push_back(make_ring("mloop_lan_rx" + s, kRingSize, rx_flags));
        rings.lan_tx.push_back(make_ring("mloop_lan_tx" + s, kRingSize, spsc));
    }
    const PortLayout ports = open_ring_ports(rings.wan_rx.data(), rings.wan_tx.data(),
                                             rings.lan_rx.data(), rings.lan_tx.data(), opt.workers,
                                             opt.workers, pool, rings.wan_port, rings.lan_port);
    // The dispatch above delivers queue q's frames to worker q: the layout
    // must be that one (open_ports spreads ring ports' queues round-robin).
    for (uint32_t w = 0; w < opt.workers; ++w) {
        const auto& polled = ports.rx_by_worker[w];
        if (polled.size() != 2 || polled[0].queue != w || polled[1].queue != w ||
            ports.ports[0].tx_queue[w] != static_cast<int32_t>(w)) {
            std::fprintf(stderr, "worker %u does not poll queue %u of each port alone\n", w, w);
            return 2;
        }
    }

    std::string cpu_list;
    for (size_t l = 0; l < opt.cpus.size(); ++l)
        cpu_list += (l ? "," : "") + std::to_string(opt.cpus[l]);
    std::printf(
        "closed loop, %u workers, %u generators, window %u, bursts of %u, %lu packets x %d runs "
        "per pass, CPUs %s (generators first)%s\n",
        opt.workers, opt.generators, opt.window, kBurst, opt.packets, opt.runs, cpu_list.c_str(),
        opt.echo ? ", NAT with replies (--echo)" : "");
    std::printf("%-4s %-5s %9s %-8s %7s %7s %6s %8s %11s %5s %5s %6s  %s\n", "mode", "proto",
                "conns", "dispatch", "mpps", "floor", "ratio", "handoff", "new conn/s", "cpu w",
                "cpu g", "loss", "per worker mpps (floor)");
    std::vector<std::string> rows;  // JSON objects
    bool all_ok = true;
    for (const std::string& mode : opt.modes) {
        for (const std::string& proto : opt.protos) {
            for (const uint64_t conns : opt.conns) {
                for (const std::string& d : opt.dispatch) {
                    const Result r = run_case(mode, proto, conns, d, opt, rings, ports, pool);
                    rows.push_back(report(r, opt));
                    all_ok = all_ok && r.ok;
                }
            }
        }
    }
    std::ostringstream json;
    json << "[\n";
    for (size_t i = 0; i < rows.size(); ++i) json << (i ? ",\n" : "") << rows[i];
    write_json(json, opt.json);
    close_ports(ports);
    rte_eal_cleanup();
    return all_ok ? 0 : 1;
}
