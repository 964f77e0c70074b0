#pragma once
// Connection tracking for one core's engine (conn_track.ipp): new
// connections (scheduling, limits), the TCP state machine both ways, load
// accounting, resets for removed servers, expiry. Written by its own core
// only; the connection table and counters are the core's (CoreContext).

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>

#include "dataplane/conn_dump.hpp"
#include "dataplane/conn_table.hpp"
#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/forwarder.hpp"
#include "dataplane/engine/neighbors.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class Templates;
template <class Io>
class SyncAgent;

template <class Io>
class ConnTracker {
public:
    using Ports = FlowPorts;

    // The peers are the engine's members; they may still be under
    // construction here (only their addresses are taken).
    ConnTracker(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr, Forwarder<Io>& fwd,
                Templates<Io>& tmpl, SyncAgent<Io>& sync);
    ConnTracker(const ConnTracker&) = delete;
    ConnTracker& operator=(const ConnTracker&) = delete;

    // A packet towards a VIP, on the flow's owner core. preselected_rs: a
    // real server id chosen by a persistence template, or -1.
    void inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                 const Ports& ports, int32_t preselected_rs = -1);
    // Whether an inbound packet (whole, with ports) of connection c, found
    // for service svc, carries it on: not a SYN on a closing connection (the
    // client reused its port) and not for a server that left a service
    // that resets on removal. Reads only.
    bool continues(const PacketView& v, const Snapshot& snap, const Service& svc,
                   const Conn& c) const;
    // An inbound packet of connection c, which continues() it, on its
    // owner core: state, timer, counters, forwarding. Inline: the
    // established path (established.ipp) runs it for every packet.
    [[gnu::always_inline]] void established(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                            Conn& c);
    // A NAT real server's reply, on the client's owner core.
    void reply(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports);
    // Whether a reply (whole, with ports) of connection c ends it with
    // resets: TCP, and its server left a service that resets on removal.
    // Reads only.
    [[gnu::always_inline]] bool reply_resets(const PacketView& v, const Snapshot& snap,
                                             const Conn& c) const;
    // A reply of connection c that goes on (not in HA standby, not
    // reply_resets), on the client's owner core: state, timer, rewrite,
    // counters, out. Inline: the established path (established.ipp) runs
    // it for every reply.
    [[gnu::always_inline]] void replied(rte_mbuf* m, PacketView& v, const Snapshot& snap, Conn& c,
                                        bool later_fragment);
    // The scheduler's pick for a new connection (pool index), with the
    // backends' load summed over workers when the scheduler wants it.
    int32_t schedule(const Service& svc, const sched::FlowInfo& flow);
    void account_load(uint32_t rs_id, uint16_t service_id, ConnState from, ConnState to);
    // A connection or template leaves the table (timeout or replacement).
    // Returns 0 to let it go, or ticks to keep it (a template in use).
    uint32_t on_expire(const Conn& c, const Snapshot& snap);
    // A new connection no real server can take (pool empty or all down):
    // counted as no_real_server, and answered unless on_no_server: drop.
    void no_server(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc);
    // SYN_RECV connections of the service held on this core (both families).
    uint32_t half_open(uint16_t service_id) const { return half_open_[service_id]; }
    // One slice of a connection listing (the control thread's request).
    void serve_dump(ConnDump& dump);
    // Finishes the new NAT connections whose packets wait (inbound parks
    // them): each gets its reply key, its counters, its sync record and is
    // forwarded, in arrival order; one whose reply key finds no room in
    // the index is taken out and its packet dropped (conn_table_full), as
    // if the insert had failed. process_rx calls it at the end of each
    // burst, and so does any lookup that finds a waiting connection
    // before it goes on, so a flow's packets leave in order.
    void settle(const Snapshot& snap);
    bool has_parked() const { return n_parked_ != 0; }
    // Whether `c` is a connection still waiting in settle's list.
    bool is_parked(const Conn* c) const {
        for (uint32_t i = 0; i < n_parked_; ++i) {
            if (parked_[i].conn == c) return true;
        }
        return false;
    }

private:
    void later_fragment_without_conn(rte_mbuf* m, PacketView& v, const Service& svc,
                                     const Ports& ports);
    void reset_connection(rte_mbuf* m, PacketView& v, const Snapshot& snap, Conn* c, Direction dir);
    void count_in_and_forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c);
    // A new connection is in the table for good: its sync record and
    // creation counters.
    [[gnu::always_inline]] void created(const Conn& c, bool continued);
    [[gnu::always_inline]] void count_inbound(const Conn& c, uint16_t l3_len);

    CoreContext& ctx_;
    Egress<Io>& out_;
    Neighbors<Io>& nbr_;
    Forwarder<Io>& fwd_;
    Templates<Io>& tmpl_;
    SyncAgent<Io>& sync_;
    std::unique_ptr<sched::BackendLoad[]> load_scratch_;  // kMaxRealServers entries
    std::unique_ptr<uint32_t[]> half_open_;  // per service id: SYN_RECV connections held here
    uint32_t half_open_total_ = 0;           // SYN_RECV connections held here, all services

    // New NAT connections of the current burst in the table by their
    // inbound key, their packets waiting in process_rx's view slots while
    // the reply key's bucket (a random line of a large index: the one cache
    // miss a new connection could not overlap with other packets) is
    // fetched. Load and half-open counts are already taken, so the limits
    // see them at once.
    struct Parked {
        rte_mbuf* m;
        PacketView* v;
        Conn* conn;
        uint64_t reply_hash;
        bool continued;
        bool persistent;
    };
    static constexpr uint32_t kMaxParked = Egress<Io>::kBurst;
    Parked parked_[kMaxParked];
    uint32_t n_parked_ = 0;

    // SYN-flood pressure (IPVS's secure_tcp, simplified; issue 20): once a
    // sixteenth of this core's table is half-open, a SYN_RECV entry is armed
    // for at most kSynPressureTimeout s, so a flood's entries leave in
    // seconds instead of tcp_syn's minutes; and SYNs of bounded services
    // (max_half_open or its default) are refused once half the table is
    // half-open, whatever the per-service bounds, so established
    // connections keep room. One compare per packet.
    static constexpr uint32_t kSynPressureTimeout = 10;  // IPVS secure_tcp's SYN_RECV
    [[gnu::always_inline]] uint32_t timeout_of(const Snapshot& snap, ConnState s) {
        const uint32_t t = snap.timeouts.of(s);
        if (s != ConnState::kTcpSynRecv || half_open_total_ < ctx_.conns.capacity() / 16) return t;
        ctx_.counters->syn_pressure.add();
        return t < kSynPressureTimeout ? t : kSynPressureTimeout;
    }
};

}  // namespace dvs::dataplane
