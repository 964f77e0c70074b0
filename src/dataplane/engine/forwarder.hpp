#pragma once
// Towards a connection's real server: the forwarding methods NAT (nat.ipp),
// DR (dr.ipp) and TUN with path MTU (tun.ipp), for one core's engine.
// Written by its own core only; every packet given to it is sent, held for
// a neighbour or dropped (counted).

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/conn_table.hpp"
#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/engine/neighbors.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class Forwarder {
public:
    Forwarder(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr)
        : ctx_(ctx), out_(out), nbr_(nbr) {
        error_limit_.configure(kIcmpErrorRate, kIcmpErrorBurst, ctx.tsc_hz, ctx.now_tsc);
    }
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    // By the connection's method (copied from its real server): one switch,
    // and each arm (NAT, DR, TUN but for its too-big case) runs straight
    // from the rewrite to the TX buffer with no call between, as VPP's
    // lb_node_fn specialises by method. Inline: the established paths run
    // it for every packet.
    [[gnu::always_inline]] void forward(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                        const Conn& c);
    // An ICMP "destination unreachable" with `code` to the packet's source,
    // quoting it; from `src`, or (0) from our address on the way back.
    // Within the core's error rate (over it: icmp_errors_limited).
    void send_unreachable(const PacketView& v, const Snapshot& snap, uint8_t code, uint32_t src,
                          uint16_t mtu = 0);

private:
    [[gnu::always_inline]] void forward_nat(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                            const Conn& c);
    [[gnu::always_inline]] void forward_dr(rte_mbuf* m, const Snapshot& snap, const Conn& c);
    [[gnu::always_inline]] void forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                            const Conn& c);
    void tun_too_big(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c,
                     const ServerHop& hop);
    void tun_fragment(rte_mbuf* m, const Ipv4Hdr& outer, const PacketView& v, const Snapshot& snap,
                      const ServerHop& hop);

    CoreContext& ctx_;
    Egress<Io>& out_;
    Neighbors<Io>& nbr_;
    TokenBucket error_limit_;  // the ICMP errors we originate (kIcmpErrorRate)
};

}  // namespace dvs::dataplane
