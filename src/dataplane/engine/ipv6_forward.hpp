#pragma once
// IPv6 services for one core's engine (ipv6_forward.ipp): NAT66 and DR,
// TUN as IPv6-in-IPv6 (tun6.ipp), and ICMPv6 errors about their
// connections (icmp6_errors.ipp).
// An IPv6 packet that is not for the balancer itself (Ipv6Local) comes
// here: to an IPv6 VIP it is tracked in the core's IPv6 connection table
// (CoreContext::conns6, Conn6 entries) and forwarded to the connection's
// real server; otherwise it may be a NAT66 server's reply. The owner core
// is the client endpoint's, as for IPv4 (the address folded to 32 bits), so
// both directions of a connection meet in one table; a packet read on
// another core is handed over (and parsed again there: an IPv6 view does
// not fit the compact handoff form).
//
// Fragments come here from their fragment core (Fragments, as for IPv4)
// with the ports of their datagram's first fragment: the first is handled
// as a whole packet (its L4 checksum covers the datagram, so NAT66 updates
// it there), later ones follow its connection (NAT66: addresses only).
//
// Shared with IPv4: the scheduler instances, the load gauges and half-open
// bounds (ConnTracker::schedule, account_load), the neighbour resolution
// (Neighbors::route_and_send6, send6), the fragment table, the counters,
// persistence (Templates: IPv6 templates keyed by the client's prefix, on
// the template core of that prefix, reached by kTemplate / kScheduled as
// for IPv4). Not yet for IPv6: resets for removed servers. A new
// connection without a usable server is answered as on_no_server says, as
// for IPv4 (a reset from the VIP, or ICMPv6 port unreachable from it, the
// latter within the error rate). Sync records go to the
// HA peer as for IPv4 (SyncRecord with kSyncIpv6), and the restart file
// carries IPv6 connections. Written by its own core only.

#include <rte_mbuf.h>

#include "dataplane/engine/conn_tracker.hpp"
#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/neighbors.hpp"
#include "dataplane/exception_path.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class SyncAgent;
template <class Io>
class Templates;

template <class Io>
class Ipv6Forward {
public:
    Ipv6Forward(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr, ConnTracker<Io>& track,
                Templates<Io>& tmpl, SyncAgent<Io>& sync);
    Ipv6Forward(const Ipv6Forward&) = delete;
    Ipv6Forward& operator=(const Ipv6Forward&) = delete;

    // A TCP or UDP packet that is not for our own addresses: to its owner
    // core, or handled here. False: neither a service's nor a reply's (the
    // caller counts it).
    bool receive(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // Handed over by another core: this core owns the flow (or the error).
    void owned(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // A fragment sent on by its fragment core with its datagram's ports: to
    // the flow's owner core, or handled here.
    void fragment(rte_mbuf* m, PacketView& v, const Snapshot& snap, const FlowPorts& ports);
    // This core owns the flow of `ports` (a later fragment has no L4 header).
    void flow(rte_mbuf* m, PacketView& v, const Snapshot& snap, const FlowPorts& ports);
    // A new connection of a persistent service, handed over (kTemplate, on
    // the template core) or back (kScheduled with the real server the
    // template chose, rs_id; -1: kTemplate).
    void templated(rte_mbuf* m, PacketView& v, const Snapshot& snap, const FlowPorts& ports,
                   int32_t rs_id);
    // An ICMPv6 error not addressed to us (icmp6_errors.ipp): from outside
    // about a connection (to its real server), or from a NAT66 real server
    // (to the client, rewritten). To its owner core first.
    void icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // The wheel's expiry of an IPv6 connection or template: 0 to let it go,
    // or ticks to keep it (a template in use).
    uint32_t on_expire(const Conn6& c, const Snapshot& snap);

private:
    // To the owner core of the flow of `ports` (handed over as `kind`), or
    // handled here. False: neither a service's nor a reply's.
    bool route(rte_mbuf* m, PacketView& v, const Snapshot& snap, const FlowPorts& ports,
               HandoffKind kind);
    // preselected_rs: the real server a template chose, or -1.
    void inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc,
                 const FlowPorts& ports, int32_t preselected_rs = -1);
    void reply(rte_mbuf* m, PacketView& v, const Snapshot& snap, const FlowPorts& ports);
    void count_and_forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn6& c);
    void forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn6& c);
    // TUN (tun6.ipp): the unchanged packet behind an outer IPv6 header to
    // the real server, if it fits the egress MTU; else Packet Too Big.
    void forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn6& c);
    // Hop limit 1 (or 0): Time Exceeded to the sender, within the rate.
    void time_exceeded(rte_mbuf* m, const PacketView& v, const Snapshot& snap);
    // An ICMPv6 error about `v` to its source from our address facing it
    // (or `from`), within the rate (RFC 4443 2.4(f)). True if one was sent;
    // `v`'s packet stays the caller's.
    bool send_error(const PacketView& v, const Snapshot& snap, uint8_t type, uint32_t param,
                    uint8_t code = 0, const Ip6* from = nullptr);
    // No usable server for a new connection: on_no_server as for IPv4.
    void no_server(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc);

    CoreContext& ctx_;
    Egress<Io>& out_;
    Neighbors<Io>& nbr_;
    ConnTracker<Io>& track_;
    Templates<Io>& tmpl_;
    SyncAgent<Io>& sync_;
    TokenBucket error_limit_;  // the ICMPv6 errors we originate (kIcmpErrorRate)
};

}  // namespace dvs::dataplane
