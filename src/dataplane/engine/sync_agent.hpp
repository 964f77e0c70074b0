#pragma once
// The engine's side of high availability for one core (sync.ipp): the
// connection sync stream both ways (records for the peer while this box is
// master, the peer's records installed, full transfers) and gratuitous ARPs.
// Written by its own core only; the control thread is reached through the
// SyncRings (sync_rings.hpp).

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/conn_table.hpp"
#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/snapshot.hpp"
#include "dataplane/sync_rings.hpp"

namespace dvs::dataplane {

template <class Io>
class ConnTracker;
template <class Io>
class Templates;

template <class Io>
class SyncAgent {
public:
    // The peers are the engine's members; they may still be under
    // construction here (only their addresses are taken).
    SyncAgent(CoreContext& ctx, Egress<Io>& out, ConnTracker<Io>& track, Templates<Io>& tmpl)
        : ctx_(ctx), out_(out), track_(track), tmpl_(tmpl) {}
    SyncAgent(const SyncAgent&) = delete;
    SyncAgent& operator=(const SyncAgent&) = delete;

    // Per loop iteration: whether to emit, and gratuitous ARPs when the
    // Snapshot asks for a new round (worker 0 sends them).
    void begin_iteration(const Snapshot& snap) {
        on_ = ctx_.env.sync != nullptr && snap.ha.sync_emit;
        if (snap.ha.garp_generation != garp_seen_) {
            garp_seen_ = snap.ha.garp_generation;
            if (ctx_.id == 0) send_garps(snap);
        }
    }
    bool on() const { return on_; }
    // Records a change of a connection for the peer while this box is
    // master.
    void emit(const Conn& c, SyncOp op) {
        if (on_) push(SyncRecord::from_conn(c, op, ctx_.seconds_left(c)));
    }
    void emit(const Conn6& c, SyncOp op) {
        if (on_) push(SyncRecord::from_conn6(c, op, ctx_.seconds_left(c)));
    }
    void push(const SyncRecord& r);
    void flush();
    // Installs what the peer sent and serves full transfers.
    void poll(const Snapshot& snap, uint32_t& work);

private:
    void install_synced(const SyncRecord& r, const Snapshot& snap);
    void install_synced6(const SyncRecord& r);
    void serve_full_sync(WorkerSyncRings& rings);
    // Takes an entry out (a peer's remove or replacement): its load, and the
    // count of the template that placed it, are given back; not counted as
    // expired.
    void remove_entry(Conn* c, const Snapshot& snap);
    void send_garps(const Snapshot& snap);

    static constexpr uint16_t kSyncBatch = 64;

    CoreContext& ctx_;
    Egress<Io>& out_;
    ConnTracker<Io>& track_;
    Templates<Io>& tmpl_;
    bool on_ = false;
    uint16_t count_ = 0;
    SyncRecord buf_[kSyncBatch];
    bool walking_ = false;      // a full transfer is being walked
    uint32_t walk_cursor_ = 0;  // in the IPv4 table, then walk_cursor6_ in the IPv6 one
    uint32_t walk_cursor6_ = 0;
    uint32_t full_served_ = 0;  // last full_requested value completed
    uint64_t garp_seen_ = 0;    // Snapshot::ha.garp_generation served
};

}  // namespace dvs::dataplane
