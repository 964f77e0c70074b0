#pragma once
// The packet engine: everything one worker core does to a packet between
// receiving it and handing it to a port, without the poll loop.
//
// Engine<Io> owns the core's state — connection table, fragment table,
// counters, sync buffers, the clock it was last given, and two concern
// objects: Egress<Io> (TX, handoff buffers) and Neighbors<Io> (neighbour
// cache, next hops) — and is written by its own core only; the control thread reads
// counters() and talks through conn_dump(). The loop (dataplane/worker.hpp)
// receives bursts and feeds them here; the engine transmits through `Io`, a
// type fixed at compile time (no virtual call per packet):
//   DpdkPortIo    (engine/port_io.hpp)          DPDK TX buffers, for dvsd
//   CapturePortIo (engine/capture_port_io.hpp)  keeps what would be sent, for tests
// An Io provides init(env, worker_id), send(port_index, queue, m) -> packets
// sent now, flush(port_index, queue) -> packets sent, and take_dropped().
//
// One file per concern holds the member definitions (engine/*.ipp, gathered
// by engine/engine_impl.hpp); each Io is instantiated once, in one
// translation unit (engine_dpdk.cpp for DpdkPortIo):
//   classify.ipp      burst stages, parse, owner core, from_ring
//   conn_track.ipp    inbound / reply state machine, load accounting, scheduling
//   nat.ipp dr.ipp tun.ipp   the forwarding methods (TUN with PMTU)
//   icmp.ipp          ICMP errors about connections, echo, local traffic
//   neighbor.ipp      ARP; Neighbors<Io>: the neighbour cache, routing a packet out
//   fragment.ipp      fragments meet on their fragment core
//   templates.ipp     persistence templates on their template core
//   egress.ipp        Egress<Io>: TX and handoff buffers
//   sync.ipp          HA connection sync and gratuitous ARP
//   kernel.ipp        the exception path
//   lifecycle.ipp     construction, timers, conn dump, shutdown
// Hot path rules: no locks, no allocation, no exceptions, no syscalls per
// packet.

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/conn_dump.hpp"
#include "dataplane/conn_table.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/neighbors.hpp"
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
    // Connection sync with an HA peer (engine/sync.ipp); null without one.
    SyncRings* sync = nullptr;
    // A test clock: when set, the worker reads its TSC here instead of
    // rte_rdtsc() (read once per loop iteration or burst, never per
    // packet), so tests advance time (fragment, neighbour and connection
    // timeouts) without sleeping. Written by the test's thread between
    // calls; null in dvsd.
    const uint64_t* clock = nullptr;
};

template <class Io>
class Engine {
public:
    static constexpr uint16_t kBurst = Egress<Io>::kBurst;

    // start_tsc: the TSC that is second 0 of the connection table's clock.
    Engine(uint32_t id, const WorkerEnv& env, uint32_t conn_capacity, rte_mempool* pool,
           uint64_t start_tsc);
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Per loop iteration (or driven burst): the time, then what the Snapshot
    // says about HA.
    void set_now(uint64_t tsc) { now_tsc_ = tsc; }
    void begin_iteration(const Snapshot& snap) {
        sync_on_ = env_.sync != nullptr && snap.ha.sync_emit;
        if (snap.ha.garp_generation != garp_seen_) {
            garp_seen_ = snap.ha.garp_generation;
            if (id_ == 0) send_garps(snap);
        }
    }
    // A burst from a wire port (m->port set), through the staged pipeline.
    void process_rx(rte_mbuf** burst, uint16_t n, const Snapshot& snap);
    // A packet another core handed over: resumes where that core stopped,
    // with the view that core parsed.
    void from_ring(rte_mbuf* m, const Snapshot& snap);
    // A burst the kernel sent on the exception interface `kernel_port`.
    void from_kernel(rte_mbuf** burst, uint16_t n, uint16_t kernel_port, const Snapshot& snap);
    // Template releases from other cores; the HA peer's records.
    void poll_messages(const Snapshot& snap);
    void poll_sync(const Snapshot& snap, uint32_t& work);
    // Everything buffered goes out: handoffs, TX, sync records.
    void flush() {
        out_.flush_handoffs();
        out_.flush_tx();
        flush_sync();
    }
    // Timers, neighbour retries, the conn dump: every few hundred iterations.
    void housekeeping(const Snapshot& snap);
    // The loop ends: what is buffered goes, what is held is freed.
    void shutdown();

    uint32_t id() const { return id_; }
    const WorkerCounters& counters() const { return *counters_; }
    const ConnTable& conn_table() const { return conns_; }
    ConnDump& conn_dump() { return dump_; }
    uint64_t start_tsc() const { return start_tsc_; }
    uint64_t tsc_hz() const { return tsc_hz_; }
    Io& io() { return out_.io(); }

private:
    using Ports = FlowPorts;

    // conns_.lookup(key), answered from the burst's bulk lookup when that
    // was for this key and the table has not changed since.
    ConnTable::Hit find_conn(const FlowKey& key) const {
        if (hint_.valid && hint_.generation == conns_.generation() && hint_.key == key) {
            return hint_.hit;
        }
        return conns_.lookup(key);
    }
    // classify.ipp. process: a packet from the wire, parsed by process_rx.
    void process(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    void process_ipv4(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    void dispatch(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports);
    void drop(rte_mbuf* m, DropReason r) { out_.drop(m, r); }
    // fragment.ipp
    void fragment(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // conn_track.ipp. preselected_rs: a real server id chosen by a
    // persistence template, or -1.
    void inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                 const Ports& ports, int32_t preselected_rs = -1);
    void reply(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports);
    void reset_connection(rte_mbuf* m, PacketView& v, const Snapshot& snap, Conn* c, Direction dir);
    // The scheduler's pick for a new connection (pool index), with the
    // backends' load summed over workers when the scheduler wants it.
    int32_t schedule(const Service& svc, const sched::FlowInfo& flow);
    void account_load(uint32_t rs_id, uint16_t service_id, ConnState from, ConnState to);
    // A connection or template leaves the table (timeout or replacement).
    // Returns 0 to let it go, or ticks to keep it (a template in use).
    uint32_t on_expire(const Conn& c, const Snapshot& snap);

    // templates.ipp. Templates live on the core chosen by the masked
    // client address (template_core), like connections on their owner core.
    uint32_t template_core(const Service& svc, uint32_t client_ip) const;
    void template_assign(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                         const Ports& ports);
    const RealServer* template_pick(const Snapshot& snap, const Service& svc, uint32_t client_ip,
                                    const Ports& ports);
    void release_template(uint16_t service_id, uint32_t rs_id, uint32_t client_ip,
                          const Snapshot& snap);
    void apply_release(const TemplateRelease& r, const Snapshot& snap);

    // nat.ipp, dr.ipp, tun.ipp: towards the connection's real server.
    void forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c);
    void forward_dr(rte_mbuf* m, const Snapshot& snap, const Conn& c);
    void forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c);
    void tun_fragment(rte_mbuf* m, const Ipv4Hdr& outer, const PacketView& v, const Snapshot& snap,
                      const NextHop& nh);
    void send_frag_needed(const PacketView& v, const Snapshot& snap, uint16_t mtu);

    // icmp.ipp
    void icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    void local(rte_mbuf* m, PacketView& v, const Snapshot& snap);

    // kernel.ipp. to_kernel passes a packet for our own addresses to the
    // kernel interface of the port it arrived on; false (packet untouched)
    // when that port has none.
    bool to_kernel(rte_mbuf* m);
    void from_kernel(rte_mbuf* m, uint16_t kernel_port, const Snapshot& snap);

    // neighbor.ipp (what it learns goes to nbr_)
    void arp(rte_mbuf* m, PacketView& v, const Snapshot& snap, bool learn_only);

    // lifecycle.ipp
    void serve_conn_dump();

    // sync.ipp. sync_emit records a change of a connection for the peer
    // while this box is master (sync_on_); poll_sync installs what the
    // peer sent and serves full transfers.
    void sync_emit(const Conn& c, SyncOp op) {
        if (sync_on_) sync_push(SyncRecord::from_conn(c, op, seconds_left(c)));
    }
    void sync_push(const SyncRecord& r);
    void flush_sync();
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

    const uint32_t id_;
    const WorkerEnv env_;
    rte_mempool* const pool_;
    std::unique_ptr<WorkerCounters> counters_;
    ConnTable conns_;
    std::unique_ptr<FragTable> frags_;
    uint16_t next_ip_id_;  // IDs of packets we originate (TUN outer headers, ICMP)
    std::unique_ptr<sched::BackendLoad[]> load_scratch_;  // kMaxRealServers entries
    std::unique_ptr<uint32_t[]> half_open_;  // per service id: SYN_RECV connections held here
    uint64_t tsc_hz_;
    uint64_t start_tsc_;
    uint64_t now_tsc_ = 0;
    Egress<Io> out_;      // TX and handoffs (egress.ipp)
    Neighbors<Io> nbr_;   // next hops (neighbor.ipp)
    uint32_t now_s_ = 0;  // seconds since start: the conn-table tick
    uint32_t last_tick_ = 0;
    uint32_t templates_live_ = 0;  // templates in conns_ (the rest are connections)
    TokenBucket kernel_bucket_;    // exception path rate limit (env_.kernel)
    ConnDump dump_;
    // Connection sync.
    static constexpr uint16_t kSyncBatch = 64;
    bool sync_on_ = false;
    uint16_t sync_count_ = 0;
    SyncRecord sync_buf_[kSyncBatch];
    bool sync_walking_ = false;  // a full transfer is being walked
    uint32_t sync_walk_cursor_ = 0;
    uint32_t sync_full_served_ = 0;  // last full_requested value completed
    uint64_t garp_seen_ = 0;         // Snapshot::ha.garp_generation served
    // The bulk lookup's result for the packet process_rx is processing.
    struct LookupHint {
        bool valid = false;
        uint32_t generation = 0;
        FlowKey key;
        ConnTable::Hit hit;
    } hint_;
};

}  // namespace dvs::dataplane
