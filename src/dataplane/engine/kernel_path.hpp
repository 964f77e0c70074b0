#pragma once
// The engine's side of the exception path for one core (kernel.ipp):
// packets for our own addresses that the dataplane does not consume go to
// the kernel interface (net_tap) of the port they arrived on, within a rate
// limit; what the kernel sends is routed like any packet we originate.
// Written by its own core only.

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/neighbors.hpp"
#include "dataplane/exception_path.hpp"
#include "dataplane/snapshot.hpp"

namespace dvs::dataplane {

template <class Io>
class KernelPath {
public:
    KernelPath(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr);
    KernelPath(const KernelPath&) = delete;
    KernelPath& operator=(const KernelPath&) = delete;

    // Passes a packet for our own addresses to the kernel interface of the
    // port it arrived on; false (packet untouched) when that port has none.
    bool to_kernel(rte_mbuf* m);
    // A burst the kernel sent on the exception interface `kernel_port`.
    void from_kernel(rte_mbuf** burst, uint16_t n, uint16_t kernel_port, const Snapshot& snap);

private:
    void from_kernel(rte_mbuf* m, uint16_t kernel_port, const Snapshot& snap);
    // The kernel's Neighbor Solicitation, answered with the wire port's MAC.
    void answer_solicit(rte_mbuf* m, const PacketView& v, uint16_t kernel_port);

    CoreContext& ctx_;
    Egress<Io>& out_;
    Neighbors<Io>& nbr_;
    TokenBucket bucket_;  // the rate limit (ctx_.env.kernel)
};

}  // namespace dvs::dataplane
