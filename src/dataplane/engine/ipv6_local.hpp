#pragma once
// IPv6 addressed to the balancer itself, for one core (ipv6_local.ipp):
// Neighbor Discovery for our addresses (solicited advertisements) and
// ICMPv6 echo. Answers go back to the sender's MAC on the port they came
// in on: no IPv6 route or neighbour is needed for them. Everything else
// IPv6 is counted and dropped until IPv6 forwarding lands (issue 15).
// Written by its own core only; handled where it is read (no handoff).

#include <rte_mbuf.h>

#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class Ipv6Local {
public:
    Ipv6Local(CoreContext& ctx, Egress<Io>& out) : ctx_(ctx), out_(out) {}
    Ipv6Local(const Ipv6Local&) = delete;
    Ipv6Local& operator=(const Ipv6Local&) = delete;

    // A parsed IPv6 packet (FrameKind::kIpv6) read on `port_index`.
    void receive(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index);

private:
    void solicitation(rte_mbuf* m, PacketView& v, const Snapshot& snap, uint16_t port_index);
    void echo(rte_mbuf* m, PacketView& v, uint16_t port_index);

    CoreContext& ctx_;
    Egress<Io>& out_;
};

}  // namespace dvs::dataplane
