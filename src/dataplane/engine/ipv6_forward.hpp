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
// Shared with IPv4: the scheduler instances, the load gauges and half-open
// bounds (ConnTracker::schedule, account_load), the neighbour resolution
// (Neighbors::route_and_send6, send6), the counters. Not yet for IPv6:
// persistence, fragments past the guards (later fragments are not followed
// to their connection), resets for removed servers. Sync records go to the
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
class Ipv6Forward {
public:
    Ipv6Forward(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr, ConnTracker<Io>& track,
                SyncAgent<Io>& sync);
    Ipv6Forward(const Ipv6Forward&) = delete;
    Ipv6Forward& operator=(const Ipv6Forward&) = delete;

    // A TCP or UDP packet that is not for our own addresses: to its owner
    // core, or handled here. False: neither a service's nor a reply's (the
    // caller counts it).
    bool receive(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // Handed over by another core: this core owns the flow (or the error).
    void owned(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // An ICMPv6 error not addressed to us (icmp6_errors.ipp): from outside
    // about a connection (to its real server), or from a NAT66 real server
    // (to the client, rewritten). To its owner core first.
    void icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // The wheel's expiry of an IPv6 connection.
    uint32_t on_expire(const Conn6& c);

private:
    void inbound(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Service& svc);
    void reply(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    void forward(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn6& c);
    // TUN (tun6.ipp): the unchanged packet behind an outer IPv6 header to
    // the real server, if it fits the egress MTU; else Packet Too Big.
    void forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn6& c);
    // Hop limit 1 (or 0): Time Exceeded to the sender, within the rate.
    void time_exceeded(rte_mbuf* m, const PacketView& v, const Snapshot& snap);
    // An ICMPv6 error about `v` to its source from our address facing it,
    // within the rate (RFC 4443 2.4(f)). True if one was sent; `v`'s
    // packet stays the caller's.
    bool send_error(const PacketView& v, const Snapshot& snap, uint8_t type, uint32_t param);

    CoreContext& ctx_;
    Egress<Io>& out_;
    Neighbors<Io>& nbr_;
    ConnTracker<Io>& track_;
    SyncAgent<Io>& sync_;
    TokenBucket error_limit_;  // the ICMPv6 errors we originate (kIcmpErrorRate)
};

}  // namespace dvs::dataplane
