// The engine's side of the exception path: packets for our own addresses
// that the dataplane does not consume go to the kernel interface (net_tap)
// of the port they arrived on; what the kernel sends is routed like any
// packet we originate. Hot path rules apply: no locks, no allocation, no
// syscalls; every drop has a DropReason.

// KernelPath<Io> (kernel_path.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

template <class Io>
KernelPath<Io>::KernelPath(CoreContext& ctx, Egress<Io>& out, Neighbors<Io>& nbr)
    : ctx_(ctx), out_(out), nbr_(nbr) {
    bucket_.configure(ctx_.env.kernel.rate_pps, ctx_.env.kernel.burst, ctx_.tsc_hz, ctx_.start_tsc);
}

template <class Io>
bool KernelPath<Io>::to_kernel(rte_mbuf* m) {
    const PortLayout& layout = *ctx_.env.ports;
    const PortInfo& wire = layout.ports[layout.index_of_port_id[m->port]];
    if (wire.kernel_port < 0) return false;
    // The limit is taken where the decision is made, so a flood costs the
    // worker that reads it no more than a drop.
    if (!bucket_.take(ctx_.now_tsc)) {
        out_.drop(m, DropReason::kKernelRateLimited);
        return true;
    }
    const auto kernel_port = static_cast<uint16_t>(wire.kernel_port);
    EthHdr& eth = *rte_pktmbuf_mtod(m, EthHdr*);
    std::memcpy(eth.dst, layout.ports[kernel_port].kernel_mac, 6);
    std::memcpy(eth.src, wire.mac, 6);
    ctx_.counters->to_kernel.add();
    out_.transmit(kernel_port, m);  // the interface's single TX queue may be another worker's
    return true;
}

// A burst the loop read from the kernel interface `kernel_port`.
template <class Io>
void KernelPath<Io>::from_kernel(rte_mbuf** burst, uint16_t n, uint16_t kernel_port,
                                 const Snapshot& snap) {
    ctx_.counters->from_kernel.add(n);
    for (uint16_t i = 0; i < n; ++i) from_kernel(burst[i], kernel_port, snap);
}

// The kernel believes every next hop is behind the interface at the wire
// port's MAC: its ARP requests and IPv6 Neighbor Solicitations are answered
// with that MAC, whatever they ask for, and its IP packets are routed by
// the dataplane, which resolves the real neighbours itself. So the kernel
// needs no neighbour of its own and both sides always agree on where a
// packet goes.
template <class Io>
void KernelPath<Io>::from_kernel(rte_mbuf* m, uint16_t kernel_port, const Snapshot& snap) {
    if (m->nb_segs != 1) return out_.drop(m, DropReason::kMultiSegment);
    PacketView v = parse_frame(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_data_len(m));
    switch (classify_from_kernel(v)) {
        case FromKernel::kRoute:
            return nbr_.route_and_send(m, snap, v.ip->dst);
        case FromKernel::kRoute6:
            return nbr_.route_and_send6(m, snap, Ip6::from(v.ip6->dst));
        case FromKernel::kArpRequest: {
            const PortInfo& wire =
                ctx_.env.ports->ports[ctx_.env.ports->ports[kernel_port].wire_port];
            arp_reply_in_place(*v.eth, *v.arp, wire.mac);
            ctx_.counters->kernel_arp_replies.add();
            return out_.transmit(kernel_port, m);
        }
        case FromKernel::kNdSolicit:
            return answer_solicit(m, v, kernel_port);
        case FromKernel::kVrrp: {
            // VRRP on a port's tap (ha.interface): the advert leaves by the
            // wire port as the kernel made it (TTL 255, group MAC), from the
            // port's MAC. Counted by from_kernel.
            const auto wire_port = ctx_.env.ports->ports[kernel_port].wire_port;
            std::memcpy(rte_pktmbuf_mtod(m, EthHdr*)->src, ctx_.env.ports->ports[wire_port].mac, 6);
            return out_.transmit(static_cast<uint16_t>(wire_port), m);
        }
        case FromKernel::kMulticast:
            return out_.drop(m, DropReason::kKernelMulticast);
        case FromKernel::kUnsupported:
            return out_.drop(m, DropReason::kKernelUnsupported);
        case FromKernel::kMalformed:
            break;
    }
    out_.drop(m, v.drop);
}

// The advertisement has its own size (the solicitation's options go, a
// target link-layer option comes): the frame is resized, then rewritten in
// place (Ipv6Local::solicitation does the same for the wire).
template <class Io>
void KernelPath<Io>::answer_solicit(rte_mbuf* m, const PacketView& v, uint16_t kernel_port) {
    const uint32_t len = rte_pktmbuf_data_len(m);
    if (len < kNdAdvertFrameLen) {
        if (rte_pktmbuf_append(m, static_cast<uint16_t>(kNdAdvertFrameLen - len)) == nullptr) {
            return out_.drop(m, DropReason::kMbufAllocFailed);
        }
    } else if (len > kNdAdvertFrameLen) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(len - kNdAdvertFrameLen));
    }
    const PortInfo& wire = ctx_.env.ports->ports[ctx_.env.ports->ports[kernel_port].wire_port];
    nd_advert_in_place(rte_pktmbuf_mtod(m, uint8_t*), v, wire.mac);
    ctx_.counters->kernel_nd_adverts.add();
    out_.transmit(kernel_port, m);
}

}  // namespace dvs::dataplane
