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
    : ctx_(id, env, conn_capacity, engine_detail::hugepage_table_memory(), pool, start_tsc),
      out_(id, ctx_.env, *ctx_.counters),
      nbr_(id, ctx_.env, pool, *ctx_.counters, out_, ctx_.now_tsc, ctx_.tsc_hz),
      frags_(ctx_, out_),
      kernel_(ctx_, out_, nbr_),
      fwd_(ctx_, out_, nbr_),
      sync_(ctx_, out_, track_, tmpl_),
      tmpl_(ctx_, out_, track_, sync_),
      track_(ctx_, out_, nbr_, fwd_, tmpl_, sync_),
      icmp_(ctx_, out_, nbr_, fwd_, kernel_),
      fwd6_(ctx_, out_, nbr_, track_, tmpl_, sync_),
      ip6_(ctx_, out_, nbr_, fwd6_, kernel_) {}

template <class Io>
void Engine<Io>::housekeeping(const Snapshot& snap) {
    ctx_.now_s = static_cast<uint32_t>((ctx_.now_tsc - ctx_.start_tsc) / ctx_.tsc_hz);
    ctx_.counters->conns_active.set(ctx_.conns.size() + ctx_.conns6.size() - ctx_.templates_live);
    ctx_.counters->templates_active.set(ctx_.templates_live);
    if (dump_.state.load(std::memory_order_acquire) == ConnDump::kRequested) {
        track_.serve_dump(dump_);
    }
    if (ctx_.now_s == last_tick_) return;
    last_tick_ = ctx_.now_s;
    ctx_.conns.advance(
        ctx_.now_s, [&](const Conn& c) { return track_.on_expire(c, snap); },
        [&](const Conn& c) { sync_.emit(c, SyncOp::kUpdate); });  // refreshes the peer's copy
    ctx_.conns6.advance(
        ctx_.now_s, [&](const Conn6& c) { return fwd6_.on_expire(c, snap); },
        [&](const Conn6& c) { sync_.emit(c, SyncOp::kUpdate); });
    ctx_.counters->conns_active.set(ctx_.conns.size() + ctx_.conns6.size() - ctx_.templates_live);
    frags_.expire();
    nbr_.expire(snap);
}

template <class Io>
void Engine<Io>::shutdown() {
    out_.flush_handoffs();
    out_.flush_tx();
    frags_.release_held();
    nbr_.release_held();
}

}  // namespace dvs::dataplane
