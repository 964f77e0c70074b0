#pragma once
// The packet engine: everything one worker core does to a packet between
// receiving it and handing it to a port, without the poll loop.
//
// Engine<Io> is the dispatcher: it classifies each packet and hands it to
// one of the objects it owns, each a concern over the core's shared state
// (CoreContext, core_context.hpp: id, env, counters, connection table,
// clock): Egress<Io> (TX, handoff buffers), Neighbors<Io> (ARP, neighbour
// cache, next hops), Fragments<Io>, KernelPath<Io> (exception path),
// Forwarder<Io> (NAT/DR/TUN), ConnTracker<Io> (connection state, load,
// scheduling, expiry), Templates<Io> (persistence), SyncAgent<Io> (HA sync,
// gratuitous ARP), IcmpHandler<Io> (ICMP errors, echo, local traffic),
// Ipv6Forward<Io> (IPv6 services: NAT66, DR), Ipv6Local<Io> (IPv6 for our
// own addresses: ND and echo). All
// are written by their own core only; the control thread reads counters()
// and talks through conn_dump(). The loop (dataplane/worker.hpp)
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
//   classify.ipp      Engine: burst stages, parse, owner core, from_ring
//   established.ipp   Engine: a packet of a known connection (inbound or NAT
//                     reply), straight from the burst's lookup to ConnTracker
//   conn_track.ipp    ConnTracker: inbound / reply state machine, load
//                     accounting, scheduling, expiry, conn dump
//   nat.ipp dr.ipp tun.ipp   Forwarder: the forwarding methods (TUN with PMTU)
//   icmp.ipp          IcmpHandler: ICMP errors about connections, echo, local traffic
//   ipv6_local.ipp    Ipv6Local: Neighbor Discovery and ICMPv6 echo for our addresses
//   ipv6_forward.ipp  Ipv6Forward: IPv6 services (NAT66, DR) and their connections
//   neighbor.ipp      Neighbors: ARP, the neighbour cache, routing a packet out
//   fragment.ipp      Fragments: fragments meet on their fragment core
//   templates.ipp     Templates: persistence templates on their template core
//   egress.ipp        Egress: TX and handoff buffers
//   sync.ipp          SyncAgent: HA connection sync and gratuitous ARP
//   kernel.ipp        KernelPath: the exception path
//   lifecycle.ipp     Engine: construction, timers, shutdown
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
#include "dataplane/engine/conn_tracker.hpp"
#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/forwarder.hpp"
#include "dataplane/engine/fragments.hpp"
#include "dataplane/engine/icmp_handler.hpp"
#include "dataplane/engine/ipv6_forward.hpp"
#include "dataplane/engine/ipv6_local.hpp"
#include "dataplane/engine/kernel_path.hpp"
#include "dataplane/engine/neighbors.hpp"
#include "dataplane/engine/sync_agent.hpp"
#include "dataplane/engine/templates.hpp"
#include "dataplane/exception_path.hpp"
#include "dataplane/frag_table.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/neighbor_table.hpp"
#include "dataplane/port.hpp"
#include "dataplane/snapshot_publisher.hpp"
#include "dataplane/sync_rings.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

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
    void set_now(uint64_t tsc) { ctx_.now_tsc = tsc; }
    void begin_iteration(const Snapshot& snap) { sync_.begin_iteration(snap); }
    // A burst from a wire port (m->port set), through the staged pipeline.
    void process_rx(rte_mbuf** burst, uint16_t n, const Snapshot& snap);
    // A packet another core handed over: resumes where that core stopped,
    // with the view that core parsed.
    void from_ring(rte_mbuf* m, const Snapshot& snap);
    // A burst the kernel sent on the exception interface `kernel_port`.
    void from_kernel(rte_mbuf** burst, uint16_t n, uint16_t kernel_port, const Snapshot& snap) {
        kernel_.from_kernel(burst, n, kernel_port, snap);
    }
    // Template releases from other cores; the HA peer's records.
    void poll_messages(const Snapshot& snap) { tmpl_.poll_messages(snap); }
    void poll_sync(const Snapshot& snap, uint32_t& work) { sync_.poll(snap, work); }
    // Everything buffered goes out: handoffs, TX, sync records.
    void flush() {
        out_.flush_handoffs();
        out_.flush_tx();
        sync_.flush();
    }
    // Timers, neighbour retries, the conn dump: every few hundred iterations.
    void housekeeping(const Snapshot& snap);
    // The loop ends: what is buffered goes, what is held is freed.
    void shutdown();

    uint32_t id() const { return ctx_.id; }
    const WorkerCounters& counters() const { return *ctx_.counters; }
    const ConnTable& conn_table() const { return ctx_.conns; }
    const ConnTable6& conn_table6() const { return ctx_.conns6; }
    ConnDump& conn_dump() { return dump_; }
    uint64_t start_tsc() const { return ctx_.start_tsc; }
    uint64_t tsc_hz() const { return ctx_.tsc_hz; }
    Io& io() { return out_.io(); }

private:
    using Ports = FlowPorts;

    // classify.ipp. process: a packet from the wire, parsed by process_rx.
    void process(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    void process_ipv4(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    template <class Slot>
    void prefetch_ipv6(const Slot* view, uint16_t n);
    void audit_l4_checksum(uint16_t port_index, const PacketView& v);
    void sample_l4_checksum(uint16_t port_index, const PortInfo& port, const PacketView& v) {
        if (port.audit_l4_checksum && (++ctx_.checksum_sample & 63) == 0) {
            audit_l4_checksum(port_index, v);
        }
    }
    // established.ipp: a packet of the connection the burst's lookup found
    // (inbound or a NAT reply); false (nothing done) when it needs the
    // general path. The two check what dispatch and ConnTracker would.
    bool established(rte_mbuf* m, PacketView& v, const ConnTable::Hit& hit, const Snapshot& snap);
    [[gnu::always_inline]] bool established_inbound(const PacketView& v, const Conn& c,
                                                    const Snapshot& snap);
    [[gnu::always_inline]] bool established_reply(const PacketView& v, const Conn& c,
                                                  const Snapshot& snap);
    void dispatch(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports);
    void fragment6(rte_mbuf* m, PacketView& v, const Snapshot& snap);

    // Declaration order is construction order: the context first, then
    // the concerns, which hold references to it and to each other (taken,
    // not used, before all are built).
    CoreContext ctx_;
    Egress<Io> out_;         // TX and handoffs (egress.ipp)
    Neighbors<Io> nbr_;      // ARP, next hops (neighbor.ipp)
    Fragments<Io> frags_;    // fragments (fragment.ipp)
    KernelPath<Io> kernel_;  // exception path (kernel.ipp)
    Forwarder<Io> fwd_;      // NAT, DR, TUN (nat.ipp, dr.ipp, tun.ipp)
    SyncAgent<Io> sync_;     // HA sync, gratuitous ARP (sync.ipp)
    Templates<Io> tmpl_;     // persistence (templates.ipp)
    ConnTracker<Io> track_;  // connection state (conn_track.ipp)
    IcmpHandler<Io> icmp_;   // ICMP errors, echo, local traffic (icmp.ipp)
    Ipv6Forward<Io> fwd6_;   // IPv6 services: NAT66, DR (ipv6_forward.ipp)
    Ipv6Local<Io> ip6_;      // ND and ICMPv6 echo for our addresses (ipv6_local.ipp)
    uint32_t last_tick_ = 0;
    ConnDump dump_;
};

}  // namespace dvs::dataplane
