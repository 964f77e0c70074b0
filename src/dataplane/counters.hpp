#pragma once
// Per-core counters. Each worker writes only its own WorkerCounters; the
// control thread reads all of them and sums. A Counter is a relaxed atomic
// so that cross-thread reads are well defined, yet an increment compiles to
// a plain load/add/store (no lock prefix): there is exactly one writer.

#include <array>
#include <atomic>
#include <cstdint>

#include "packet/drop_reason.hpp"
#include "dataplane/snapshot.hpp"

namespace dvs::dataplane {

class Counter {
public:
    void add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }
    uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> v_{0};
};

// A level that goes up and down (connections held); one writer, like Counter.
class Gauge {
public:
    void add(int64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    int64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> v_{0};
};

// Connections this worker holds for one real server, as schedulers count
// them (lc, wlc, sed, nq read the sum over workers).
struct BackendLoadCounters {
    Gauge active;    // TCP ESTABLISHED
    Gauge inactive;  // every other connection state
};

struct TrafficCounters {
    Counter conns;      // connections scheduled
    Counter pkts_in;    // client -> real server
    Counter pkts_out;   // real server -> client (NAT replies)
    Counter bytes_in;
    Counter bytes_out;
};

struct alignas(64) WorkerCounters {
    Counter rx;             // packets read from NIC queues
    Counter tx;             // packets handed to NIC queues
    Counter handoff_out;    // packets passed to the owner core
    Counter handoff_in;     // packets received from another core
    Counter tx_handoff;     // packets passed to the core that owns the egress queue
    Counter conns_created;
    Counter conns_expired;
    Counter conns_active;   // gauge, set by the worker each tick (templates not included)
    Counter templates_active;  // gauge: persistence templates in the table
    Counter arp_requests_sent;
    Counter arp_replies_sent;
    Counter icmp_echo_replies;
    Counter removed_rs_resets;  // on_remove: reset: connections ended with a TCP reset
    std::array<Counter, static_cast<size_t>(DropReason::kCount)> drops;
    std::array<TrafficCounters, kMaxServices> services;
    std::array<TrafficCounters, kMaxRealServers> real_servers;
    std::array<BackendLoadCounters, kMaxRealServers> rs_load;
    Counter templates_created;
    Counter templates_failed;         // table full: a connection placed without one
    Counter template_handoffs;        // new connections sent to their template's core
    Counter template_releases_lost;   // message ring full: a template's count stays high
    // Exception path (kernel interfaces): drops are DropReason::kKernel*.
    Counter to_kernel;                // packets for our own addresses passed to the kernel
    Counter from_kernel;              // packets the kernel sent, read from its interfaces
    Counter kernel_arp_replies;       // the kernel's ARP requests answered by the dataplane
    // Connection sync (high availability).
    Counter sync_emitted;             // records written for the peer (master side)
    Counter sync_lost;                // records not written: the sync ring was full
    Counter sync_installed;           // peer records that created an entry here
    Counter sync_updated;             // peer records that changed an entry here
    Counter sync_removed;             // peer records that removed an entry here
    Counter sync_kept;                // peer records ignored: we hold the entry and are master
    Counter sync_install_failed;      // peer records not installed: table full
    Counter garps_sent;               // gratuitous ARPs (a VRRP instance became master here)

    void drop(DropReason r, uint64_t n = 1) { drops[static_cast<size_t>(r)].add(n); }
};

}  // namespace dvs::dataplane
