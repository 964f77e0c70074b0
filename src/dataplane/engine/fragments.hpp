#pragma once
// IP fragments for one core (fragment.ipp): all fragments of a datagram
// meet on its fragment core, which learns the ports from the first and
// sends every fragment on (through the engine's dispatch) to the flow's
// owner; fragments that come before their first are held here, at most
// hold_budget() of them per core (core_context.hpp): beyond it, or when the
// pool is low, the oldest datagram holding fragments is evicted. An entry
// ends with its datagram. Written by its own core only.

#include <rte_mbuf.h>

#include <memory>

#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/frag_table.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class Fragments {
public:
    using Ports = FlowPorts;

    Fragments(CoreContext& ctx, Egress<Io>& out)
        : ctx_(ctx),
          out_(out),
          table_(std::make_unique<FragTable>()),
          max_held_(hold_budget(ctx.pool, ctx.env.n_workers)) {}
    Fragments(const Fragments&) = delete;
    Fragments& operator=(const Fragments&) = delete;

    // dispatch(m, v, ports): the engine's next step for a fragment whose
    // ports are known (a callable, inlined: no indirect call per packet).
    template <class Dispatch>
    void fragment(rte_mbuf* m, PacketView& v, Dispatch&& dispatch);
    // Housekeeping: held fragments whose first never came are dropped.
    void expire() {
        table_->expire(ctx_.now_s, [this](rte_mbuf* f) { out_.drop(f, DropReason::kFragTimeout); });
    }
    // Fragments held now (tests).
    uint32_t held() const { return table_->held(); }
    // Shutdown: held fragments are freed (not counted).
    void release_held() {
        table_->expire(ctx_.now_s + FragTable::kLifetime, [](rte_mbuf* f) { rte_pktmbuf_free(f); });
    }

private:
    // Holds m (a later fragment before its first) in e, making room first
    // when the budget is spent or the pool is low.
    void hold(FragTable::Entry& e, rte_mbuf* m, const PacketView& v);

    CoreContext& ctx_;
    Egress<Io>& out_;
    std::unique_ptr<FragTable> table_;
    const uint32_t max_held_;
};

}  // namespace dvs::dataplane
