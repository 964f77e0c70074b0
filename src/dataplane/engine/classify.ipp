// Classification: the staged burst pipeline (headers, buckets, entries,
// bulk lookup), parsing, and the owner core of each packet's flow.
// Part of Engine<Io> (engine.hpp); included by engine_impl.hpp.

#pragma once

namespace dvs::dataplane {

// The burst goes through in stages so that its cache misses overlap:
// all headers are fetched; then each packet is parsed (once: the view goes
// with it to the end, through the handoff rings too) and, for IPv4 TCP/UDP,
// its tuple hashed (the lookup key for inbound packets and NAT replies
// alike); then the conn-table buckets of those tuples fetched; then the
// entries those buckets point at; then every lookup back to back; and only then is each packet
// processed, in order: a packet of a known connection (inbound or NAT reply) by the established
// path (established.ipp), the rest by process(), which finds the lookup in `ctx_.hint`.
template <class Io>
void Engine<Io>::process_rx(rte_mbuf** burst, uint16_t n, const Snapshot& snap) {
    static_assert(kBurst <= 32, "one bit of `plain` per packet");
    ctx_.counters->rx.add(n);
    // Raw slots: each view is built in place by parse_frame, each lookup
    // in place for the packets that have one (no zeroing of 32 first, no
    // copy).
    union ViewSlot {
        ViewSlot() {}
        PacketView v;
    } view[kBurst];
    union LookupSlot {
        LookupSlot() {}
        CoreContext::BurstLookup l;
    } flow[kBurst];
    uint32_t plain = 0;  // bit i: packet i is IPv4 TCP/UDP with ports, flow[i] built
    bool any6 = false;
    for (uint16_t i = 0; i < n; ++i) rte_prefetch0(rte_pktmbuf_mtod(burst[i], void*));
    for (uint16_t i = 0; i < n; ++i) {
        const PacketView& v = *::new (&view[i].v) PacketView(
            parse_frame(rte_pktmbuf_mtod(burst[i], uint8_t*), rte_pktmbuf_data_len(burst[i])));
        if (v.kind == FrameKind::kIpv4 && v.has_ports) {
            CoreContext::BurstLookup& f = *::new (&flow[i].l) CoreContext::BurstLookup{
                FlowKey::of(&v.ip->src, &v.src_port, v.proto), 0, {}, 0};
            f.hash = ctx_.conns.hash_key(f.key);
            plain |= 1u << i;
        }
        any6 |= v.kind == FrameKind::kIpv6;
    }
    if (any6) prefetch_ipv6(view, n);
    // The bucket prefetches back to back, after the parses, so that their
    // misses overlap (issued from the parse loop they were slower at 1M
    // connections), then the entries.
    for (uint32_t m = plain; m != 0; m &= m - 1) {
        ctx_.conns.prefetch_bucket(flow[__builtin_ctz(m)].l.hash);
    }
    for (uint32_t m = plain; m != 0; m &= m - 1) {
        ctx_.conns.prefetch_entries(flow[__builtin_ctz(m)].l.hash);
    }
    // The lookups back to back: independent loads whose misses the CPU
    // overlaps (each just before its packet's processing was no faster).
    const uint32_t generation = ctx_.conns.generation();
    for (uint32_t m = plain; m != 0; m &= m - 1) {
        CoreContext::BurstLookup& f = flow[__builtin_ctz(m)].l;
        f.hit = ctx_.conns.lookup(f.key, f.hash);
        f.generation = generation;
    }
    for (uint16_t i = 0; i < n; ++i) {
        ctx_.burst_view = &view[i].v;
        if (plain & (1u << i)) {
            const CoreContext::BurstLookup& f = flow[i].l;
            ctx_.hint = &f;
            // A packet of a known connection: the established path, while
            // no insert or erase since the lookup can have moved it (a new
            // NAT connection parked by an earlier packet is an insert: its
            // flow's next packet takes the general path, which lets the
            // parked one leave first).
            if (f.hit.conn != nullptr && ctx_.conns.generation() == generation &&
                established(burst[i], view[i].v, f.hit, snap)) {
                continue;
            }
        } else {
            ctx_.hint = nullptr;
        }
        process(burst[i], view[i].v, snap);
    }
    ctx_.burst_view = nullptr;
    ctx_.hint = nullptr;
    // New NAT connections whose reply-key bucket was being fetched.
    if (track_.has_parked()) track_.settle(snap);
}

// IPv6 TCP/UDP of the burst: their IPv6-table buckets, then the entries the
// signatures point at, so that Ipv6Forward's lookups find them in cache (the
// IPv4 stages above are left as they were: this runs only when a burst
// carries IPv6).
template <class Io>
template <class Slot>
void Engine<Io>::prefetch_ipv6(const Slot* view, uint16_t n) {
    uint64_t hash[kBurst];
    for (uint16_t i = 0; i < n; ++i) {
        const PacketView& v = view[i].v;
        if (v.kind != FrameKind::kIpv6 || !v.has_ports) continue;
        hash[i] = ctx_.conns6.hash_key(FlowKey6{Ip6::from(v.ip6->src), Ip6::from(v.ip6->dst),
                                                v.src_port, v.dst_port, v.proto});
        ctx_.conns6.prefetch_bucket(hash[i]);
    }
    for (uint16_t i = 0; i < n; ++i) {
        const PacketView& v = view[i].v;
        if (v.kind == FrameKind::kIpv6 && v.has_ports) ctx_.conns6.prefetch_entries(hash[i]);
    }
}

// The kind was decided on the core that handed the packet over; the
// packet passed the checks before that point there (single segment, parse,
// L2 destination) and is unchanged since.
template <class Io>
void Engine<Io>::from_ring(rte_mbuf* m, const Snapshot& snap) {
    const HandoffMeta& meta = handoff_meta(m);
    if (meta.kind == HandoffKind::kTransmit) return out_.transmit(meta.port_index, m);
    PacketView v = restore_view(m);
    if (v.kind == FrameKind::kIpv6) {
        if (meta.kind == HandoffKind::kLearn) return ip6_.learn_only(m, v, snap);
        ctx_.counters->handoff_in.add();
        const Ports known{meta.src_port, meta.dst_port, v.l4 == nullptr};
        switch (meta.kind) {
            case HandoffKind::kFragment:  // from its fragment core, ports known
                return fwd6_.flow(m, v, snap, known);
            case HandoffKind::kTemplate:  // persistence: to the template core and back
                return fwd6_.templated(m, v, snap, known, -1);
            case HandoffKind::kScheduled:
                return fwd6_.templated(m, v, snap, known, static_cast<int32_t>(meta.rs_id));
            case HandoffKind::kFragmentFollow:  // on the template core, behind its first
                return out_.handoff(
                    owner_core(Ip6::from(v.ip6->src), known.src, ctx_.env.n_workers), m,
                    HandoffKind::kFragmentBack, v, &known);
            case HandoffKind::kFragmentBack:
                return fwd6_.flow(m, v, snap, Ports{known.src, known.dst, true, true});
            default:
                break;
        }
        if (v.frag6 != 0) return fragment6(m, v, snap);  // this is its fragment core
        return fwd6_.owned(m, v, snap);
    }
    if (meta.kind == HandoffKind::kLearn) return nbr_.arp(m, v, snap, true);
    ctx_.counters->handoff_in.add();
    const Ports known{meta.src_port, meta.dst_port, v.l4 == nullptr};
    switch (meta.kind) {
        case HandoffKind::kFragment:
            return dispatch(m, v, snap, known);
        case HandoffKind::kFragmentFollow:  // on the template core, behind its first
            return out_.handoff(owner_core(v.ip->src, known.src, ctx_.env.n_workers), m,
                                HandoffKind::kFragmentBack, v, &known);
        case HandoffKind::kFragmentBack: {
            const Ports back{known.src, known.dst, true, true};
            return dispatch(m, v, snap, back);
        }
        case HandoffKind::kTemplate:
        case HandoffKind::kScheduled: {
            const Service* svc = snap.find_service(v.ip->dst, known.dst, v.proto);
            if (svc == nullptr) return out_.drop(m, DropReason::kNoService);  // reloaded meanwhile
            if (meta.kind == HandoffKind::kTemplate) {
                return tmpl_.template_assign(m, v, snap, *svc, known);
            }
            return track_.inbound(m, v, snap, *svc, known, meta.rs_id);
        }
        default:  // kProcess: this core owns the flow (or its fragments, or the error)
            return process_ipv4(m, v, snap);
    }
}

template <class Io>
void Engine<Io>::process(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    if (m->nb_segs != 1) return out_.drop(m, DropReason::kMultiSegment);
    if (v.kind == FrameKind::kDropped) return out_.drop(m, v.drop);

    const uint16_t port_index = ctx_.env.ports->index_of_port_id[m->port];
    const PortInfo& port = ctx_.env.ports->ports[port_index];
    if (engine_detail::is_unicast_to_other(*v.eth, port.mac)) {
        return out_.drop(m, DropReason::kL2NotForUs);
    }
    if (v.kind == FrameKind::kArp) return nbr_.arp(m, v, snap, false);
    if (v.kind == FrameKind::kIpv6) {
        // Fragments of services' traffic are followed; those to our own
        // addresses are the local path's (Ipv6Local).
        if (v.frag6 != 0 && !snap.is_local6(v.ip6->dst)) return fragment6(m, v, snap);
        return ip6_.receive(m, v, snap, port_index);
    }
    sample_l4_checksum(port_index, port, v);
    process_ipv4(m, v, snap);
}

// A sample of what arrives on ports whose device checks no L4 checksums.
// A bad one is counted, not dropped: the real server judges it, and the
// control thread names the port in a warning (daemon_checksum_audit).
template <class Io>
void Engine<Io>::audit_l4_checksum(uint16_t port_index, const PacketView& v) {
    const L4ChecksumCheck c = check_l4_checksum(v);
    if (c == L4ChecksumCheck::kNotChecked) return;
    ctx_.counters->l4_checksum_sampled.add();
    if (c == L4ChecksumCheck::kBad) {
        ctx_.counters->l4_checksum_bad.add();
        ctx_.counters->l4_checksum_bad_by_port[port_index].add();
    }
}

template <class Io>
void Engine<Io>::process_ipv4(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    const bool is_fragment = be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask);
    if (is_fragment) {
        return frags_.fragment(m, v, [&](rte_mbuf* f, PacketView& fv, const Ports& ports) {
            dispatch(f, fv, snap, ports);
        });
    }
    if (v.proto == kIpProtoIcmp) {
        if (icmp_is_error(v)) {
            // An error may quote a connection made earlier in this burst:
            // that one's packet leaves first (ConnTracker::settle).
            if (track_.has_parked()) track_.settle(snap);
            return icmp_.icmp_error(m, v, snap);
        }
        if (snap.is_local(v.ip->dst) || snap.is_vip(v.ip->dst)) return icmp_.local(m, v, snap);
        return out_.drop(m, DropReason::kIcmpUnhandled);
    }
    if (!v.has_ports) {
        // A VRRP advert from the wire: to the exception path, where
        // ha.interface may be this port's tap (without one: no_service).
        if (is_vrrp_advert(v) && kernel_.to_kernel(m)) return;  // counted to_kernel
        if (snap.is_local(v.ip->dst)) return icmp_.local(m, v, snap);
        return out_.drop(m, DropReason::kNoService);
    }
    dispatch(m, v, snap, Ports{v.src_port, v.dst_port, false});
}

// An IPv6 fragment of a service's or a reply's datagram: to its fragment
// core (Fragments), then on to its flow's owner (Ipv6Forward::fragment).
template <class Io>
void Engine<Io>::fragment6(rte_mbuf* m, PacketView& v, const Snapshot& snap) {
    frags_.fragment(m, v, [&](rte_mbuf* f, PacketView& fv, const Ports& ports) {
        fwd6_.fragment(f, fv, snap, ports);
    });
}

// Sends the packet to the core that owns its flow, or handles it here.
template <class Io>
void Engine<Io>::dispatch(rte_mbuf* m, PacketView& v, const Snapshot& snap, const Ports& ports) {
    const bool is_fragment = be16(v.ip->frag_off) & (kIpFlagMoreFragments | kIpFragOffsetMask);
    const HandoffKind kind = is_fragment ? HandoffKind::kFragment : HandoffKind::kProcess;
    const uint32_t dst = v.ip->dst;
    if (const Service* svc = snap.find_service(dst, ports.dst, v.proto)) {
        if (!snap.ha.standby.empty() && snap.ha.is_standby(dst)) {
            return out_.drop(m, DropReason::kHaBackup);  // the VRRP master forwards it
        }
        const uint32_t owner = owner_core(v.ip->src, ports.src, ctx_.env.n_workers);
        if (owner != ctx_.id) return out_.handoff(owner, m, kind, v, &ports);
        return track_.inbound(m, v, snap, *svc, ports);
    }
    if (snap.is_local(dst)) return icmp_.local(m, v, snap);
    // Not for a VIP: a reply from a real server, owned by the client's core.
    const uint32_t owner = owner_core(dst, ports.dst, ctx_.env.n_workers);
    if (owner != ctx_.id) return out_.handoff(owner, m, kind, v, &ports);
    track_.reply(m, v, snap, ports);
}

}  // namespace dvs::dataplane
