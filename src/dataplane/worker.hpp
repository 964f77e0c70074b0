#pragma once
// A worker: one poll-mode lcore running the loop around its packet engine
// (engine/engine.hpp). The loop is only I/O and cadence: receive bursts from
// its RX queues, the kernel interfaces and the handoff rings, feed them to
// the engine, flush, run housekeeping every few hundred iterations, and
// report a quiescent state to RCU once per iteration.
//
// Everything in a Worker is written by its own lcore only, except that the
// control thread reads counters() and uses conn_dump(). Hot path rules: no
// locks, no allocation, no exceptions, no syscalls per packet.

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdint>

#include "dataplane/engine/engine.hpp"
#include "dataplane/engine/port_io.hpp"

namespace dvs::dataplane {

extern template class Engine<DpdkPortIo>;

class Worker {
public:
    static constexpr uint16_t kBurst = Engine<DpdkPortIo>::kBurst;

    Worker(uint32_t id, const WorkerEnv& env, uint32_t conn_capacity, rte_mempool* pool);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // The lcore entry point; returns when env.stop is set.
    int run();

    // One received burst through the whole pipeline, then everything
    // buffered is flushed: what one poll-loop iteration does with a burst.
    // For benchmarks and tests that drive a worker without its loop (the
    // caller is then the worker's only thread).
    void process_burst(rte_mbuf** pkts, uint16_t n);
    // Timers and neighbour retries, as the loop runs them every few hundred
    // iterations.
    void run_housekeeping();

    const ConnTable& conn_table() const { return engine_.conn_table(); }
    // The control thread's way to list this worker's connections.
    ConnDump& conn_dump() { return engine_.conn_dump(); }
    uint32_t id() const { return id_; }
    const WorkerCounters& counters() const { return engine_.counters(); }
    double conn_bytes_per_entry() const { return engine_.conn_table().bytes_per_entry(); }
    // The IPv6 table's (conn6_capacity(conn_capacity, env.conn6_capacity) entries).
    double conn6_bytes_per_entry() const { return engine_.conn_table6().bytes_per_entry(); }
    // The TSC the worker counts time from (its start), and ticks per second:
    // what a test clock (WorkerEnv::clock) is set relative to.
    uint64_t start_tsc() const { return engine_.start_tsc(); }
    uint64_t tsc_hz() const { return engine_.tsc_hz(); }

private:
    void poll_rx(const Snapshot& snap, uint32_t& work);
    void poll_kernel(const Snapshot& snap, uint32_t& work);
    void poll_rings(const Snapshot& snap, uint32_t& work);
    uint64_t read_tsc() const { return env_.clock != nullptr ? *env_.clock : rte_rdtsc(); }

    const uint32_t id_;
    const WorkerEnv env_;
    Engine<DpdkPortIo> engine_;
};

}  // namespace dvs::dataplane
