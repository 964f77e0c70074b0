// Resource exhaustion through the real worker (issue 9): a connection table
// filled by a SYN flood from spoofed sources refuses the excess with a
// counter, established connections keep forwarding and are not evicted,
// and every mbuf comes back to the pool. Then a service with max_half_open:
// the flood takes only its half-open quota, and another service on the
// same table keeps accepting new connections. A real Worker on a net_null port,
// built from YAML as dvsd builds it; no traffic leaves the process.
// Exit 0 when every check holds, 1 otherwise (each failure is printed).

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_worker.hpp"
#include "dataplane/handoff.hpp"
#include "packet/checksum.hpp"
#include "packet/drop_reason.hpp"
#include "packet/wire.hpp"
#include "tests/stress/stress_util.hpp"

using namespace dvs;
using namespace dvs::dataplane;
using stress::check;
using stress::drop_count;
using stress::failures;

namespace {

constexpr uint32_t kCapacity = 4096;
constexpr uint32_t kLegit = 1000;
// New clients of the other service (api) during a flood; api has the
// default bound (kCapacity / 8), which these SYNs stay under.
constexpr uint32_t kNewClients = 400;
constexpr uint32_t kFlood = 200000;

const std::string kConfig =
    "dataplane: { workers: 1, conn_capacity: " + std::to_string(kCapacity) +
    " }\n"
    "ports:\n"
    "  - { name: p0, device: net_null0, addresses: [10.0.0.1/24] }\n"
    "routes:\n"
    "  - { prefix: 0.0.0.0/0, via: 10.0.0.254, port: p0 }\n"
    "neighbors:\n"
    "  - { address: 10.0.0.254, mac: \"02:00:00:00:00:fe\", port: p0 }\n"
    "  - { address: 10.0.0.11, mac: \"02:00:00:00:00:11\", port: p0 }\n"
    "  - { address: 10.0.0.12, mac: \"02:00:00:00:00:12\", port: p0 }\n"
    "services:\n"
    "  - { name: web, vip: 192.0.2.10, port: 80, protocol: tcp, scheduler: rr,%LIMIT%\n"
    "      real_servers: [{ address: 10.0.0.11 }, { address: 10.0.0.12 }] }\n"
    "  - { name: api, vip: 192.0.2.10, port: 81, protocol: tcp, scheduler: rr,\n"
    "      real_servers: [{ address: 10.0.0.11 }, { address: 10.0.0.12 }] }\n";

constexpr uint32_t kHalfOpen = 500;

// web's max_half_open: a number, 0 (no bound) or not written (the default
// bound, an eighth of the table).
std::string config(std::optional<uint32_t> max_half_open) {
    std::string c = kConfig;
    c.replace(c.find("%LIMIT%"), 7,
              max_half_open ? " max_half_open: " + std::to_string(*max_half_open) + "," : "");
    return c;
}

// Sends `count` segments, the i-th from source(i), in bursts of 32.
template <typename Source>
void send(Worker& w, rte_mempool* pool, uint16_t port_id, uint32_t count, uint8_t flags,
          Source source, uint16_t dport = 80) {
    rte_mbuf* burst[32];
    for (uint32_t done = 0; done < count;) {
        const uint16_t n = static_cast<uint16_t>(std::min<uint32_t>(32, count - done));
        while (rte_pktmbuf_alloc_bulk(pool, burst, n) != 0) {
        }
        for (uint16_t i = 0; i < n; ++i) {
            const auto [host, sport] = source(done + i);
            stress::fill_tcp(burst[i], port_id, host, 0xc000020a, sport, dport,
                             flags);  // 192.0.2.10
        }
        w.process_burst(burst, n);
        done += n;
    }
}

// Distinct spoofed sources for the flood.
std::pair<uint32_t, uint16_t> flood_source(uint32_t i) {
    return {0x64000000u + i * 2654435761u % 0x00ffffff, static_cast<uint16_t>(2000 + i % 50000)};
}

}  // namespace

int main() {
    if (!stress::eal_init("flood_test")) return 77;  // meson: skipped
    rte_mempool* pool =
        rte_pktmbuf_pool_create("flood", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    register_handoff_field();
    std::vector<rte_mempool*> pools(RTE_MAX_NUMA_NODES, pool);
    PortSpec spec{"p0", "net_null0", 1500, true, {0x02, 0, 0, 0, 1, 1}};
    const PortLayout ports = open_ports({spec}, 1, pools);
    const uint16_t port_id = ports.ports[0].port_id;
    const unsigned pool_start = rte_mempool_avail_count(pool);
    {
        bench::BenchWorker bw(config(0), kCapacity, ports, pool);
        Worker& w = bw.worker();
        const WorkerCounters& c = w.counters();
        auto legit = [](uint32_t i) {
            return std::pair<uint32_t, uint16_t>{0x0a000100u + i / 16, 1024 + i % 16};
        };

        std::printf("-- %u clients connect (SYN, then ACK)\n", kLegit);
        send(w, pool, port_id, kLegit, kTcpSyn, legit);
        send(w, pool, port_id, kLegit, kTcpAck, legit);
        check(c.conns_created.get() == kLegit, "every client got a connection");

        std::printf("-- a SYN flood: %u SYNs from distinct spoofed sources, table capacity %u\n",
                    kFlood, kCapacity);
        const uint64_t tx_before = c.tx.get();
        send(w, pool, port_id, kFlood, kTcpSyn, flood_source);
        const uint64_t full = drop_count(c, DropReason::kConnTableFull);
        const uint64_t admitted = c.conns_created.get() - kLegit;
        std::printf("   admitted %lu, refused as conn_table_full %lu\n", admitted, full);
        check(w.conn_table().size() <= kCapacity, "the table never exceeds its capacity");
        check(admitted + full == kFlood,
              "each flood SYN was either admitted or counted as conn_table_full");
        check(full >= kFlood - kCapacity, "the excess was refused, with a counter");
        check(c.tx.get() - tx_before == admitted, "only admitted SYNs were forwarded");

        std::printf("-- the established clients send again\n");
        const uint64_t tx_mid = c.tx.get();
        const uint64_t drops_mid = bench::drops_total(c);
        send(w, pool, port_id, kLegit, kTcpAck, legit);
        check(c.tx.get() - tx_mid == kLegit, "all established connections still forward");
        check(bench::drops_total(c) == drops_mid, "none of their packets was dropped");

        std::printf("-- a new client while the table is full\n");
        send(w, pool, port_id, 1, kTcpSyn, [](uint32_t) {
            return std::pair<uint32_t, uint16_t>{0x0b000001u, 5555};
        });
        check(drop_count(c, DropReason::kConnTableFull) == full + 1,
              "refused and counted, not forwarded");
    }
    {
        std::printf("-- service web with max_half_open: %u, the same flood\n", kHalfOpen);
        bench::BenchWorker bw(config(kHalfOpen), kCapacity, ports, pool);
        Worker& w = bw.worker();
        const WorkerCounters& c = w.counters();
        send(w, pool, port_id, kFlood, kTcpSyn, flood_source);
        const uint64_t limited = drop_count(c, DropReason::kHalfOpenLimit);
        std::printf("   admitted %lu, refused as half_open_limit %lu\n", c.conns_created.get(),
                    limited);
        check(c.conns_created.get() == kHalfOpen, "the flood got exactly the half-open quota");
        check(limited == kFlood - kHalfOpen, "the rest was refused as half_open_limit");
        check(drop_count(c, DropReason::kConnTableFull) == 0, "the table did not fill");
        send(
            w, pool, port_id, kNewClients, kTcpSyn,
            [](uint32_t i) {
                return std::pair<uint32_t, uint16_t>{0x0a000100u + i / 16, 1024 + i % 16};
            },
            81);
        check(c.conns_created.get() == kHalfOpen + kNewClients,
              "another service still takes new connections");
        // The first 500 flood sources were admitted; once they complete the
        // handshake they are no longer half-open and the quota is free.
        send(w, pool, port_id, kHalfOpen, kTcpAck, flood_source);
        send(w, pool, port_id, kHalfOpen, kTcpSyn, [](uint32_t i) {
            return std::pair<uint32_t, uint16_t>{0x0c000000u + i, 3000};
        });
        check(c.conns_created.get() == 2 * kHalfOpen + kNewClients,
              "handshakes completed free the quota for new SYNs");
    }
    {
        // Issue 20: the default configuration bounds a TCP service too.
        const uint32_t bound = kCapacity / 8;
        std::printf("-- service web without max_half_open (default bound %u), the same flood\n",
                    bound);
        bench::BenchWorker bw(config(std::nullopt), kCapacity, ports, pool);
        Worker& w = bw.worker();
        const WorkerCounters& c = w.counters();
        send(w, pool, port_id, kFlood, kTcpSyn, flood_source);
        const uint64_t limited = drop_count(c, DropReason::kHalfOpenLimit);
        std::printf("   admitted %lu, refused as half_open_limit %lu\n", c.conns_created.get(),
                    limited);
        check(c.conns_created.get() == bound, "the flood got exactly the default bound");
        check(limited == kFlood - bound, "the rest was refused as half_open_limit");
        send(
            w, pool, port_id, kNewClients, kTcpSyn,
            [](uint32_t i) {
                return std::pair<uint32_t, uint16_t>{0x0a000100u + i / 16, 1024 + i % 16};
            },
            81);
        check(c.conns_created.get() == bound + kNewClients,
              "another service still takes new connections");
        check(c.syn_pressure.get() > 0, "the half-open entries got the short SYN timeout");
    }
    const unsigned pool_end = rte_mempool_avail_count(pool);
    check(pool_end == pool_start, "every mbuf is back in the pool (" + std::to_string(pool_end) +
                                      " of " + std::to_string(pool_start) + ")");
    close_ports(ports);
    rte_eal_cleanup();
    std::printf("%s\n", failures == 0 ? "PASS" : "FAIL");
    return failures == 0 ? 0 : 1;
}
