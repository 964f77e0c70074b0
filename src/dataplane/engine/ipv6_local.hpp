#pragma once
// IPv6 arriving at one core (ipv6_local.ipp): Neighbor Discovery for our
// addresses and VIPs (solicited advertisements), learning neighbours from
// advertisements and solicitations (every core learns: copies go to the
// others, as for ARP), ICMPv6 echo to our addresses and VIPs. Answers go
// back to the sender's MAC on the port they came in on. TCP and UDP go on
// to Ipv6Forward (services, NAT66 replies); what is addressed to one of our
// own addresses and not consumed here (TCP/UDP matching no service, ICMPv6
// other than echo requests and ND, errors about the kernel's packets, other
// protocols) goes to the kernel through the exception path (KernelPath), as
// for IPv4; the rest is counted and dropped. Written by its own core only.

#include <rte_mbuf.h>

#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/ipv6_forward.hpp"
#include "dataplane/engine/kernel_path.hpp"
#include "dataplane/engine/neighbors.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class Ipv6Local {
public:
    Ipv6Local(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr, Ipv6Forward<Io>& fwd6,
              KernelPath<Io>& kernel)
        : ctx_(ctx), out_(out), nbr_(nbr), fwd6_(fwd6), kernel_(kernel) {}
    Ipv6Local(const Ipv6Local&) = delete;
    Ipv6Local& operator=(const Ipv6Local&) = delete;

    // A parsed IPv6 packet (FrameKind::kIpv6) read on `port_index`.
    void receive(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index);
    // Another core's copy of an advertisement or solicitation: learn, free.
    void learn_only(rte_mbuf* m, PacketView& v, const Snapshot& snap);

private:
    void solicitation(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index);
    void echo(rte_mbuf* m, PacketView& v, uint16_t port_index);
    // Addressed to one of our addresses, not consumed here: to the kernel,
    // or dropped (ipv6_unhandled) where the port has no kernel interface.
    void local(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // Learns the sender of an NA/NS here and hands copies to the other
    // cores. False: an invalid advertisement (the caller drops it).
    bool learn(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index);

    CoreContext& ctx_;
    Egress<Io>& out_;
    Neighbors<Io>& nbr_;
    Ipv6Forward<Io>& fwd6_;
    KernelPath<Io>& kernel_;
};

}  // namespace dvs::dataplane
