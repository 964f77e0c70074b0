#include "dataplane/worker.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

namespace dvs::dataplane {

namespace {

constexpr uint32_t kHousekeepingEvery = 256;  // loop iterations between housekeeping
constexpr uint32_t kIdleSpinsBeforeSleep = 64;

}  // namespace

Worker::Worker(uint32_t id, const WorkerEnv& env, uint32_t conn_capacity, rte_mempool* pool)
    : id_(id),
      env_(env),
      engine_(id, env, conn_capacity, pool, env.clock != nullptr ? *env.clock : rte_rdtsc()) {}

int Worker::run() {
    rte_rcu_qsbr* qsbr = env_.snapshots->qsbr();
    rte_rcu_qsbr_thread_register(qsbr, id_);
    rte_rcu_qsbr_thread_online(qsbr, id_);
    uint32_t iteration = 0;
    uint32_t idle = 0;

    while (!env_.stop->load(std::memory_order_relaxed)) {
        // One Snapshot per iteration; quiescent once the iteration is done.
        const Snapshot& snap = *env_.snapshots->current();
        engine_.set_now(read_tsc());
        uint32_t work = 0;
        engine_.begin_iteration(snap);

        poll_rx(snap, work);
        poll_kernel(snap, work);
        poll_rings(snap, work);
        engine_.poll_messages(snap);
        engine_.poll_sync(snap, work);
        engine_.flush();

        if (++iteration % kHousekeepingEvery == 0) engine_.housekeeping(snap);
        rte_rcu_qsbr_quiescent(qsbr, id_);

        if (work == 0 && env_.idle_sleep_us != 0 && ++idle >= kIdleSpinsBeforeSleep) {
            // Only when idle: lets a shared test machine breathe. Off by default.
            rte_delay_us_sleep(env_.idle_sleep_us);
        } else if (work != 0) {
            idle = 0;
        }
    }
    engine_.shutdown();
    rte_rcu_qsbr_thread_offline(qsbr, id_);
    rte_rcu_qsbr_thread_unregister(qsbr, id_);
    return 0;
}

void Worker::process_burst(rte_mbuf** pkts, uint16_t n) {
    const Snapshot& snap = *env_.snapshots->current();
    engine_.set_now(read_tsc());
    engine_.begin_iteration(snap);
    engine_.process_rx(pkts, n, snap);
    uint32_t work = 0;
    poll_rings(snap, work);
    engine_.flush();
}

void Worker::run_housekeeping() {
    engine_.set_now(read_tsc());
    engine_.housekeeping(*env_.snapshots->current());
}

void Worker::poll_rx(const Snapshot& snap, uint32_t& work) {
    rte_mbuf* burst[kBurst];
    for (const RxQueueRef& q : env_.ports->rx_by_worker[id_]) {
        const uint16_t port_id = env_.ports->ports[q.port_index].port_id;
        const uint16_t n = rte_eth_rx_burst(port_id, q.queue, burst, kBurst);
        if (n == 0) continue;
        work += n;
        // Not every PMD sets it (net_ring leaves RTE_MBUF_PORT_INVALID),
        // and index_of_port_id is indexed by it: the line is hot anyway.
        for (uint16_t i = 0; i < n; ++i) burst[i]->port = port_id;
        engine_.process_rx(burst, n, snap);
    }
}

void Worker::poll_kernel(const Snapshot& snap, uint32_t& work) {
    rte_mbuf* burst[kBurst];
    for (const RxQueueRef& q : env_.ports->kernel_rx_by_worker[id_]) {
        const uint16_t n =
            rte_eth_rx_burst(env_.ports->ports[q.port_index].port_id, q.queue, burst, kBurst);
        if (n == 0) continue;
        work += n;
        engine_.from_kernel(burst, n, q.port_index, snap);
    }
}

void Worker::poll_rings(const Snapshot& snap, uint32_t& work) {
    rte_mbuf* burst[kBurst];
    for (uint32_t from = 0; from < env_.n_workers; ++from) {
        rte_ring* r = env_.rings->ring[from][id_];
        if (r == nullptr) continue;
        const unsigned n =
            rte_ring_sc_dequeue_burst(r, reinterpret_cast<void**>(burst), kBurst, nullptr);
        work += n;
        for (unsigned i = 0; i < n; ++i) engine_.from_ring(burst[i], snap);
    }
}

}  // namespace dvs::dataplane
