// TUN: IP-in-IP to the real server, within the egress MTU (PMTU discovery
// for DF packets, fragmentation of the outer packet otherwise).
// Forwarder<Io> (forwarder.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// TUN: the unchanged IP packet inside an outer IPv4 header to the real
// server, routed like anything else. It must fit the egress MTU; a packet
// that does not leaves for tun_too_big, out of line, so that the common case
// runs inline from the established path like NAT and DR.
template <class Io>
inline void Forwarder<Io>::forward_tun(rte_mbuf* m, PacketView& v, const Snapshot& snap,
                                       const Conn& c) {
    const ServerHop hop = snap.hop_to(c.rs_id, c.rs_ip, c.method);
    if (!hop.routed) return out_.drop(m, DropReason::kNoRoute);
    const uint16_t inner_len = v.l3_len;
    if (inner_len + sizeof(Ipv4Hdr) > ctx_.env.ports->ports[hop.port].mtu) {
        return tun_too_big(m, v, snap, c, hop);
    }
    // Ethernet padding must not become part of the tunnelled packet.
    const uint32_t frame_len = sizeof(EthHdr) + inner_len;
    if (rte_pktmbuf_data_len(m) > frame_len) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - frame_len));
    }
    auto* front = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, sizeof(Ipv4Hdr)));
    if (front == nullptr) return out_.drop(m, DropReason::kMbufAllocFailed);  // no headroom
    // The outer header goes where the Ethernet header was; the inner IP
    // header behind it (v.ip) stays where it is.
    std::memmove(front, front + sizeof(Ipv4Hdr), sizeof(EthHdr));
    auto* outer = reinterpret_cast<Ipv4Hdr*>(front + sizeof(EthHdr));
    tun_write_outer(*outer, *v.ip, inner_len, hop.src, c.rs_ip, ctx_.next_ip_id++);
    nbr_.send_hop(m, snap, hop);
}

// Too big for the egress MTU once encapsulated: with DF the client is told
// the size that fits, without DF the outer packet is split.
template <class Io>
void Forwarder<Io>::tun_too_big(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Conn& c,
                                const ServerHop& hop) {
    const uint16_t mtu = ctx_.env.ports->ports[hop.port].mtu;
    if (be16(v.ip->frag_off) & kIpFlagDontFragment) {
        send_unreachable(v, snap, kIcmpCodeFragNeeded, 0,
                         static_cast<uint16_t>(mtu - sizeof(Ipv4Hdr)));
        return out_.drop(m, DropReason::kFragNeeded);
    }
    Ipv4Hdr outer;
    tun_write_outer(outer, *v.ip, v.l3_len, hop.src, c.rs_ip, ctx_.next_ip_id++);
    tun_fragment(m, outer, v, snap, hop);
}

// Splits an encapsulated packet that does not fit the MTU into fragments,
// each in a new mbuf; the original is freed. Rare path: copies are fine.
// A fragment is at most what one mbuf holds: a port MTU above that (jumbo,
// up to 9000, with 2 KiB mbufs) gives smaller fragments, never a failed
// append. The offset is 32-bit so that it cannot wrap before the end.
template <class Io>
void Forwarder<Io>::tun_fragment(rte_mbuf* m, const Ipv4Hdr& outer, const PacketView& v,
                                 const Snapshot& snap, const ServerHop& hop) {
    const auto* inner = reinterpret_cast<const uint8_t*>(v.ip);
    uint16_t mtu = ctx_.env.ports->ports[hop.port].mtu;
    for (uint32_t off = 0; off < v.l3_len; off += fragment_payload(mtu)) {
        rte_mbuf* f = rte_pktmbuf_alloc(ctx_.pool);
        if (f == nullptr) {
            ctx_.counters->drop(DropReason::kMbufAllocFailed);
            break;
        }
        const uint16_t room = static_cast<uint16_t>(rte_pktmbuf_tailroom(f) - sizeof(EthHdr));
        if (room < mtu) mtu = room;  // the same for every fragment: the offsets stay aligned
        auto* frame = reinterpret_cast<uint8_t*>(
            rte_pktmbuf_append(f, static_cast<uint16_t>(sizeof(EthHdr) + mtu)));
        if (frame == nullptr) {
            rte_pktmbuf_free(f);
            ctx_.counters->drop(DropReason::kMbufAllocFailed);
            break;
        }
        const uint16_t len = write_fragment(frame + sizeof(EthHdr), outer, inner, v.l3_len,
                                            static_cast<uint16_t>(off), mtu);
        rte_pktmbuf_trim(f, static_cast<uint16_t>(mtu - len));
        f->port = m->port;
        nbr_.send_hop(f, snap, hop);
    }
    rte_pktmbuf_free(m);
}

// ICMP "fragmentation needed" (TUN, too big with DF) or "port unreachable"
// (no usable server) to the client, quoting the packet as received.
template <class Io>
void Forwarder<Io>::send_unreachable(const PacketView& v, const Snapshot& snap, uint8_t code,
                                     uint32_t src, uint16_t mtu) {
    const auto back = snap.route(v.ip->src);
    if (!back) return;
    if (!error_limit_.take(ctx_.now_tsc)) {
        ctx_.counters->icmp_errors_limited.add();
        return;
    }
    rte_mbuf* r = rte_pktmbuf_alloc(ctx_.pool);
    if (r == nullptr) {
        ctx_.counters->drop(DropReason::kMbufAllocFailed);
        return;
    }
    const uint16_t room = sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(IcmpHdr) + kIcmpQuoteMax;
    auto* frame = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(r, room));
    const uint16_t len = icmp_write_unreachable(
        frame + sizeof(EthHdr), reinterpret_cast<const uint8_t*>(v.ip), v.l3_len,
        src != 0 ? src : back->src, v.ip->src, code, ctx_.next_ip_id++, mtu);
    rte_pktmbuf_trim(r, static_cast<uint16_t>(room - sizeof(EthHdr) - len));
    nbr_.send(r, snap, back->port, back->ip);
}

}  // namespace dvs::dataplane
