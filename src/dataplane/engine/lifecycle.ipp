// Engine lifecycle: construction (tables in DPDK memory), the periodic
// housekeeping the loop runs every few hundred iterations (timers, conn
// dump), and shutdown.
// Part of Engine<Io> (engine.hpp); included by engine_impl.hpp.

#pragma once

#include <rte_cycles.h>
#include <rte_lcore.h>

namespace dvs::dataplane {

template <class Io>
Engine<Io>::Engine(uint32_t id, const WorkerEnv& env, uint32_t conn_capacity, rte_mempool* pool,
                   uint64_t start_tsc)
    : id_(id),
      env_(env),
      pool_(pool),
      counters_(std::make_unique<WorkerCounters>()),
      conns_(conn_capacity, engine_detail::hugepage_table_memory()),
      frags_(std::make_unique<FragTable>()),
      next_ip_id_(static_cast<uint16_t>(id << 12)),
      load_scratch_(new sched::BackendLoad[kMaxRealServers]),
      half_open_(new uint32_t[kMaxServices]()),
      tsc_hz_(rte_get_tsc_hz()),
      start_tsc_(start_tsc),
      now_tsc_(start_tsc),
      out_(id, env_, *counters_),
      nbr_(env_, pool, *counters_, out_, now_tsc_, tsc_hz_) {
    kernel_bucket_.configure(env_.kernel.rate_pps, env_.kernel.burst, tsc_hz_, start_tsc_);
}

template <class Io>
void Engine<Io>::housekeeping(const Snapshot& snap) {
    now_s_ = static_cast<uint32_t>((now_tsc_ - start_tsc_) / tsc_hz_);
    counters_->conns_active.set(conns_.size() - templates_live_);
    counters_->templates_active.set(templates_live_);
    if (dump_.state.load(std::memory_order_acquire) == ConnDump::kRequested) serve_conn_dump();
    if (now_s_ == last_tick_) return;
    last_tick_ = now_s_;
    conns_.advance(
        now_s_, [&](const Conn& c) { return on_expire(c, snap); },
        [&](const Conn& c) { sync_emit(c, SyncOp::kUpdate); });  // refreshes the peer's copy
    counters_->conns_active.set(conns_.size() - templates_live_);
    frags_->expire(now_s_, [this](rte_mbuf* f) { drop(f, DropReason::kFragTimeout); });
    nbr_.expire(snap);
}

// One slice of a connection listing per housekeeping pass.
template <class Io>
void Engine<Io>::serve_conn_dump() {
    dump_.cursor = conns_.scan(dump_.cursor, ConnDump::kSlice, [&](const Conn& c) {
        if (c.state == ConnState::kTemplate || !dump_.filter.matches(c)) return;
        if (dump_.count == dump_.capacity) {
            dump_.truncated = true;
            return;
        }
        dump_.out[dump_.count++] = {c, seconds_left(c)};
    });
    if (dump_.cursor >= conns_.capacity() || dump_.truncated) {
        dump_.state.store(ConnDump::kDone, std::memory_order_release);
    }
}

template <class Io>
void Engine<Io>::shutdown() {
    out_.flush_handoffs();
    out_.flush_tx();
    frags_->expire(now_s_ + FragTable::kLifetime, [](rte_mbuf* f) { rte_pktmbuf_free(f); });
    nbr_.release_held();
}

}  // namespace dvs::dataplane
