#pragma once
// What every concern of one core's packet engine shares (engine.hpp): the
// core's id and environment, its counters, connection table, mbuf pool and
// clock. Owned by Engine<Io> and written by its own core only; each concern
// object (ConnTracker, Templates, SyncAgent, Forwarder, ...) holds a
// reference to it, so per packet a concern reaches the shared state through
// one member reference, with no virtual call and no allocation.

#include <rte_cycles.h>
#include <rte_mempool.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/conn_table.hpp"
#include "dataplane/counters.hpp"
#include "dataplane/exception_path.hpp"
#include "dataplane/handoff.hpp"
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
    // IPv6 connection entries per worker (dataplane.conn6_capacity); 0: the
    // default share of the IPv4 capacity (conn6_capacity in conn_table.hpp).
    uint32_t conn6_capacity = 0;
    // The key of every worker's connection-table hash (flow_hash.hpp):
    // random, drawn once when the env is made (the control thread, before
    // launch), so dvsd cannot forget it; the golden runner and the benches
    // set a fixed one to replay the same placement.
    FlowHashSeed conn_hash_seed = random_flow_hash_seed();
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

// Packets a core holds for later (fragments before their first, packets
// waiting for ARP) must never take the mbufs reception needs. Each kind may
// hold at most a share of the pool, divided among the workers (the
// hold budget), and nothing is held while the pool's free mbufs are below
// the RX reserve (the pool's common ring only: mbufs in per-lcore caches
// are free too, so the test errs on the safe side; no walk over the caches
// per packet: one indirect call, only when a packet is about to be held).
inline constexpr uint32_t kHoldShare = 4;       // each kind: at most 1/4 of the pool
inline constexpr uint32_t kRxReserveShare = 4;  // hold nothing below 1/4 of the pool free
inline uint32_t hold_budget(const rte_mempool* pool, uint32_t workers) {
    return pool->size / (kHoldShare * (workers == 0 ? 1 : workers));
}
// ICMP and ICMPv6 errors a core originates (fragmentation needed, port
// unreachable, Packet Too Big, Time Exceeded): a token bucket per core and
// family, as RFC 1812 4.3.2.8 and RFC 4443 2.4(f) ask, so a flood of
// packets that each earn an error cannot make us a flood of errors.
inline constexpr uint64_t kIcmpErrorRate = 100;  // per second
inline constexpr uint64_t kIcmpErrorBurst = 20;

inline bool pool_low(const rte_mempool* pool) {
    // rte_mempool_ops_get_count's body (the function is not exported).
    const rte_mempool_ops* ops = rte_mempool_get_ops(pool->ops_index);
    return ops->get_count(pool) < pool->size / kRxReserveShare;
}

struct CoreContext {
    // start: the TSC that is second 0 of the connection table's clock.
    CoreContext(uint32_t core_id, const WorkerEnv& worker_env, uint32_t conn_capacity,
                TableMemory memory, rte_mempool* mbuf_pool, uint64_t start)
        : id(core_id),
          env(worker_env),
          pool(mbuf_pool),
          counters(std::make_unique<WorkerCounters>()),
          conns(conn_capacity, worker_env.conn_hash_seed, memory),
          conns6(conn6_capacity(conn_capacity, worker_env.conn6_capacity),
                 worker_env.conn_hash_seed, memory),
          tsc_hz(rte_get_tsc_hz()),
          start_tsc(start),
          now_tsc(start),
          next_ip_id(static_cast<uint16_t>(core_id << 12)) {}
    CoreContext(const CoreContext&) = delete;
    CoreContext& operator=(const CoreContext&) = delete;

    // conns.lookup(key), answered from the burst's lookup when that was
    // for this key and the table has not changed since.
    // After an insert or erase in the same burst the lookup runs again, with
    // the hash the burst computed.
    ConnTable::Hit find_conn(const FlowKey& key) const {
        if (hint != nullptr && hint->key == key) {
            if (hint->generation == conns.generation()) return hint->hit;
            return conns.lookup(key, hint->hash);
        }
        return conns.lookup(key);
    }
    // conns.hash_key(key), from the burst when it has it.
    uint64_t conn_hash(const FlowKey& key) const {
        return hint != nullptr && hint->key == key ? hint->hash : conns.hash_key(key);
    }
    template <class Entry>  // Conn or Conn6
    uint32_t seconds_left(const Entry& c) const {
        return static_cast<int32_t>(c.expires - now_s) > 0 ? c.expires - now_s : 0;
    }

    const uint32_t id;
    const WorkerEnv env;
    rte_mempool* const pool;
    const std::unique_ptr<WorkerCounters> counters;
    ConnTable conns;
    ConnTable6 conns6;  // IPv6 connections (engine/ipv6_forward.ipp), apart so Conn stays small
    const uint64_t tsc_hz;
    const uint64_t start_tsc;
    uint64_t now_tsc;              // the clock the loop last set
    uint32_t now_s = 0;            // seconds since start: the conn-table tick
    uint16_t next_ip_id;           // IDs of packets we originate (TUN outer headers, ICMP)
    uint32_t templates_live = 0;   // templates in conns (the rest are connections)
    uint32_t checksum_sample = 0;  // IPv4 packets seen on audited ports (1 in 64 checked)
    // The burst's lookup of one IPv4 TCP/UDP packet: its key, the key's
    // hash, and what the table held for it at `generation`. process_rx
    // builds one per such packet in a raw slot of its own stack.
    struct BurstLookup {
        FlowKey key;
        uint64_t hash;  // conns.hash_key(key)
        ConnTable::Hit hit;
        uint32_t generation;
    };
    // The lookup of the packet process_rx is processing, on both its
    // established and general paths; null when that packet has none (not
    // IPv4 TCP/UDP with ports) and outside the burst loop.
    const BurstLookup* hint = nullptr;
    // The view of the packet process_rx is processing (its slot lives
    // until the burst ends, so a new connection's packet may wait there:
    // ConnTracker::settle); null outside the burst loop.
    const PacketView* burst_view = nullptr;
};

}  // namespace dvs::dataplane
