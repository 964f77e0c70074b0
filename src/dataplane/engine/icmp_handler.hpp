#pragma once
// ICMP and traffic for the balancer's own addresses, for one core
// (icmp.ipp): errors about tracked connections (both ways, NAT rewritten),
// echo, and the rest for the kernel. Written by its own core only.

#include <rte_mbuf.h>

#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/forwarder.hpp"
#include "dataplane/engine/kernel_path.hpp"
#include "dataplane/engine/neighbors.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class IcmpHandler {
public:
    IcmpHandler(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr, Forwarder<Io>& fwd,
                KernelPath<Io>& kernel)
        : ctx_(ctx), out_(out), nbr_(nbr), fwd_(fwd), kernel_(kernel) {}
    IcmpHandler(const IcmpHandler&) = delete;
    IcmpHandler& operator=(const IcmpHandler&) = delete;

    // An ICMP error, possibly about one of our connections.
    void icmp_error(rte_mbuf* m, PacketView& v, const Snapshot& snap);
    // Traffic addressed to the balancer itself.
    void local(rte_mbuf* m, PacketView& v, const Snapshot& snap);

private:
    CoreContext& ctx_;
    Egress<Io>& out_;
    Neighbors<Io>& nbr_;
    Forwarder<Io>& fwd_;
    KernelPath<Io>& kernel_;
};

}  // namespace dvs::dataplane
