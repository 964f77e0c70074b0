#pragma once
// A worker: one poll-mode lcore that owns a connection table, a neighbour
// cache, TX buffers and counters, and runs the receive -> classify ->
// (hand over | track + rewrite) -> transmit loop to completion.
//
// Everything in a Worker is written by its own lcore only, except that the
// control thread reads counters(). Hot path rules: no locks, no allocation,
// no exceptions, no syscalls per packet.

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/conn_dump.hpp"
#include "dataplane/conn_table.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/exception_path.hpp"
#include "dataplane/frag_table.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/neighbor_table.hpp"
#include "dataplane/port.hpp"
#include "dataplane/snapshot_publisher.hpp"
#include "dataplane/sync_rings.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

// Read-only context shared by all workers, set up before launch.
struct WorkerEnv {
    uint32_t n_workers = 1;
    const PortLayout* ports = nullptr;
    const SnapshotPublisher* snapshots = nullptr;
    const HandoffRings* rings = nullptr;
    const std::atomic<bool>* stop = nullptr;
    uint32_t idle_sleep_us = 0;
    // Every worker's counters, indexed by worker id; filled before launch.
    // Read here for the per-backend load that lc/wlc/sed/nq schedule by.
    const WorkerCounters* const* all_counters = nullptr;
    KernelPathLimits kernel;  // exception path: packets toward the kernel, per worker
    // Connection sync with an HA peer (worker_sync.cpp); null without one.
    SyncRings* sync = nullptr;
    // A test clock: when set, the worker reads its TSC here instead of
    // rte_rdtsc() (read once per loop iteration or burst, never per
    // packet), so tests advance time (fragment, neighbour and connection
    // timeouts) without sleeping. Written by the test's thread between
    // calls; null in dvsd.
    const uint64_t* clock = nullptr;
};

class Worker {
public:
    static constexpr uint16_t kBurst = 32;

    Worker(uint32_t id, const WorkerEnv& env, uint32_t conn_capacity, rte_mempool* pool);
    ~Worker();
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
    const ConnTable& conn_table() const { return conns_; }
    // The TSC the worker counts time from (its start), and ticks per second:
    // what a test clock (WorkerEnv::clock) is set relative to.
    uint64_t start_tsc() const { return start_tsc_; }
    uint64_t tsc_hz() const { return tsc_hz_; }
    // The control thread's way to list this worker's connections.
    ConnDump& conn_dump() { return dump_; }

    uint32_t id() const { return id_; }
    const WorkerCounters& counters() const { return *counters_; }
    double conn_bytes_per_entry() const { return conns_.bytes_per_entry(); }

private:
    // The ports of a packet's flow: from its own L4 header, or, for a later
    // fragment, from the first fragment via the fragment core.
    struct Ports {
        uint16_t src = 0;
        uint16_t dst = 0;
        bool later_fragment = false;  // no L4 header in this packet
    };

    void process_rx(rte_mbuf** burst, uint16_t n, const Snapshot& snap);
    // conns_.lookup(key), answered from the burst's bulk lookup when that
    // was for this key and the table has not changed since.
    ConnTable::Hit find_conn(const FlowKey& key) const {
        if (hint_.valid && hint_.generation == conns_.generation() && hint_.key == key) {
            return hint_.hit;
        }
        return conns_.lookup(key);
    }
    void process(rte_mbuf* m, const Snapshot& snap, bool from_ring);
    void process_ipv4(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports* known);
    void dispatch(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports);
    void fragment(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // preselected_rs: a real server id chosen by a persistence template, or -1.
    void inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                 const Ports& ports, int32_t preselected_rs = -1);
    // The scheduler's pick for a new connection (pool index), with the
    // backends' load summed over workers when the scheduler wants it.
    int32_t schedule(const Service& svc, const sched::FlowInfo& flow);

    // Persistence: templates live on the core chosen by the masked client
    // address (template_core), like connections live on their owner core.
    uint32_t template_core(const Service& svc, uint32_t client_ip) const;
    void template_assign(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                         const Ports& ports);
    const RealServer* template_pick(const Snapshot& snap, const Service& svc, uint32_t client_ip,
                                    const Ports& ports);
    void release_template(uint16_t service_id, uint32_t rs_id, uint32_t client_ip,
                          const Snapshot& snap);
    void apply_release(const TemplateRelease& r, const Snapshot& snap);
    void poll_messages(const Snapshot& snap);
    void account_load(uint32_t rs_id, uint16_t service_id, ConnState from, ConnState to);
    void reply(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports);
    void icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    void local(rte_mbuf* m, PacketView& v, const Snapshot& snap);

    void reset_connection(rte_mbuf* m, PacketView& v, const Snapshot& snap, Conn* c,
                          Direction dir);
    // Exception path (worker_kernel.cpp). to_kernel passes a packet for our
    // own addresses to the kernel interface of the port it arrived on; false
    // (packet untouched) when that port has none. poll_kernel reads what the
    // kernel sent on the interfaces this worker polls.
    bool to_kernel(rte_mbuf* m);
    void poll_kernel(const Snapshot& snap, uint32_t& work);
    void from_kernel(rte_mbuf* m, uint16_t kernel_port, const Snapshot& snap);

    // Forwarding methods, towards the connection's real server.
    void forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c);
    void forward_dr(rte_mbuf* m, const Snapshot& snap, const Conn& c);
    void forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c);
    void tun_fragment(rte_mbuf* m, const Ipv4Hdr& outer, const PacketView& v,
                      const Snapshot& snap, const NextHop& nh);
    void send_frag_needed(const PacketView& v, const Snapshot& snap, uint16_t mtu);
    void arp(rte_mbuf* m, PacketView& v, const Snapshot& snap, bool learn_only);
    void learn_neighbor(uint16_t port_index, uint32_t ip, const uint8_t mac[6]);

    // Sends an IPv4 packet towards `ip` via the route table.
    void route_and_send(rte_mbuf* m, const Snapshot& snap, uint32_t dst_ip);
    void send_to_neighbor(rte_mbuf* m, const Snapshot& snap, uint16_t port_index, uint32_t nh_ip);
    void send_arp_request(const Snapshot& snap, uint16_t port_index, uint32_t target_ip);
    void transmit(uint16_t port_index, rte_mbuf* m);
    void handoff(uint32_t to, rte_mbuf* m, HandoffKind kind, uint16_t port_index = 0,
                 const Ports* ports = nullptr, uint32_t rs_id = 0);
    void flush_handoffs();
    void flush_tx();
    void poll_rings(const Snapshot& snap, uint32_t& work);
    void housekeeping(const Snapshot& snap);
    void serve_conn_dump();
    void drop(rte_mbuf* m, DropReason r);

    // High availability (worker_sync.cpp). sync_emit records a change of a
    // connection for the peer while this box is master (sync_on_);
    // poll_sync installs what the peer sent and serves full transfers.
    void sync_emit(const Conn& c, SyncOp op) {
        if (sync_on_) sync_push(SyncRecord::from_conn(c, op, seconds_left(c)));
    }
    void sync_push(const SyncRecord& r);
    void flush_sync();
    void poll_sync(const Snapshot& snap, uint32_t& work);
    void install_synced(const SyncRecord& r, const Snapshot& snap);
    void serve_full_sync(WorkerSyncRings& rings);
    // Takes an entry out (a peer's remove or replacement): its load, and the
    // count of the template that placed it, are given back; not counted as
    // expired.
    void remove_entry(Conn* c, const Snapshot& snap);
    void send_garps(const Snapshot& snap);
    uint32_t seconds_left(const Conn& c) const {
        return static_cast<int32_t>(c.expires - now_s_) > 0 ? c.expires - now_s_ : 0;
    }
    // Once per loop iteration: what the Snapshot says about HA.
    void begin_iteration(const Snapshot& snap) {
        sync_on_ = env_.sync != nullptr && snap.ha.sync_emit;
        if (snap.ha.garp_generation != garp_seen_) {
            garp_seen_ = snap.ha.garp_generation;
            if (id_ == 0) send_garps(snap);
        }
    }
    // A connection or template leaves the table (timeout or replacement).
    // Returns 0 to let it go, or ticks to keep it (a template in use).
    uint32_t on_expire(const Conn& c, const Snapshot& snap);
    void shutdown();
    uint64_t read_tsc() const { return env_.clock != nullptr ? *env_.clock : rte_rdtsc(); }

    const uint32_t id_;
    const WorkerEnv env_;
    rte_mempool* const pool_;
    std::unique_ptr<WorkerCounters> counters_;
    ConnTable conns_;
    std::unique_ptr<NeighborTable> neighbors_;
    std::unique_ptr<FragTable> frags_;
    uint16_t next_ip_id_;  // IDs of packets we originate (TUN outer headers, ICMP)
    rte_eth_dev_tx_buffer* tx_buffers_[kMaxPorts] = {};
    uint64_t tx_dropped_ = 0;  // written by DPDK's tx buffer error callback, on this lcore
    std::unique_ptr<sched::BackendLoad[]> load_scratch_;  // kMaxRealServers entries
    std::unique_ptr<uint32_t[]> half_open_;  // per service id: SYN_RECV connections held here
    rte_mbuf* handoff_buf_[kMaxWorkers][kBurst];
    uint16_t handoff_count_[kMaxWorkers] = {};
    uint64_t tsc_hz_;
    uint64_t start_tsc_;
    uint64_t now_tsc_ = 0;
    uint32_t now_s_ = 0;      // seconds since start: the conn-table tick
    uint32_t last_tick_ = 0;
    uint32_t templates_live_ = 0;  // templates in conns_ (the rest are connections)
    TokenBucket kernel_bucket_;    // exception path rate limit (env_.kernel)
    ConnDump dump_;
    // Connection sync.
    static constexpr uint16_t kSyncBatch = 64;
    bool sync_on_ = false;
    uint16_t sync_count_ = 0;
    SyncRecord sync_buf_[kSyncBatch];
    bool sync_walking_ = false;          // a full transfer is being walked
    uint32_t sync_walk_cursor_ = 0;
    uint32_t sync_full_served_ = 0;      // last full_requested value completed
    uint64_t garp_seen_ = 0;             // Snapshot::ha.garp_generation served
    // The bulk lookup's result for the packet process_rx is processing.
    struct LookupHint {
        bool valid = false;
        uint32_t generation = 0;
        FlowKey key;
        ConnTable::Hit hit;
    } hint_;
};

}  // namespace dvs::dataplane
