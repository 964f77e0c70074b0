#pragma once
// Passing packets between worker cores.
//
// One single-producer/single-consumer rte_ring per ordered pair of workers
// (rings[from][to]), so enqueue and dequeue need no lock. A packet on a ring
// carries what the receiver should do with it, and its parsed view (parse
// once: the receiver restores the view, it does not parse again), in an mbuf
// dynamic field. Written by the sending core before the enqueue, read by
// the receiving core after the dequeue.

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include <cstdint>

#include "dataplane/port.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

enum class HandoffKind : uint8_t {
    kProcess = 0,    // run the full pipeline: this core owns the flow
    kTransmit = 1,   // already rewritten: send on `port_index` (this core owns its TX queue)
    kLearn = 2,      // a copy of an ARP packet: learn the neighbour, nothing else
    kFragment = 3,   // an IP fragment whose ports the fragment core knows (src_port/dst_port)
    kTemplate = 4,   // a new connection of a persistent service: pick via the template here
    kScheduled = 5,  // back from the template core: create the connection to rs_id
    // A later fragment that reached its owner before the connection its first
    // fragment is having made on the template core: it follows the first
    // there (kFragmentFollow) and comes back behind it (kFragmentBack).
    kFragmentFollow = 6,
    kFragmentBack = 7,
};

struct HandoffMeta {
    HandoffKind kind;
    uint8_t pad;
    uint16_t port_index;
    uint16_t src_port;  // ports of the flow, network byte order (all but kTransmit/kLearn)
    uint16_t dst_port;
    uint32_t rs_id;    // kScheduled: the real server the template chose
    CompactView view;  // the packet's parsed view (all but kTransmit)
};
static_assert(sizeof(HandoffMeta) <= 20, "the mbuf dynfield area is small: keep this compact");

// Registered once at start-up; the field offset is then fixed.
int register_handoff_field();
extern int g_handoff_field_offset;

inline HandoffMeta& handoff_meta(rte_mbuf* m) {
    return *RTE_MBUF_DYNFIELD(m, g_handoff_field_offset, HandoffMeta*);
}

// The view parse_frame gave for m, kept in m's meta (stash_view) and given
// back later without parsing (restore_view): on the core m was handed to,
// or on this one (a held fragment).
inline void stash_view(rte_mbuf* m, const PacketView& v) { handoff_meta(m).view = compact_view(v); }
// An IPv6 view is parsed again: its L4 offset may pass what CompactView
// holds (extension headers), and IPv6 crosses cores only for its services.
inline PacketView restore_view(rte_mbuf* m) {
    if (handoff_meta(m).view.kind == FrameKind::kIpv6) {
        return parse_frame(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_data_len(m));
    }
    return restore_view(rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_data_len(m),
                        handoff_meta(m).view);
}

// Small messages between workers, carried as 64-bit values in a ring's
// pointer slots (no mbuf): today only "a connection placed by template
// (service, masked client, real server) is gone".
struct TemplateRelease {
    uint16_t service_id;  // < 2^14 (kMaxServices)
    uint32_t rs_id;       // < 2^17 (kMaxRealServers)
    uint32_t client;      // masked client address, network byte order

    uint64_t encode() const {
        return uint64_t{client} << 32 | uint64_t{rs_id & 0x1ffff} << 14 | (service_id & 0x3fff);
    }
    static TemplateRelease decode(uint64_t v) {
        return {static_cast<uint16_t>(v & 0x3fff), static_cast<uint32_t>((v >> 14) & 0x1ffff),
                static_cast<uint32_t>(v >> 32)};
    }
};
static_assert(kMaxServices <= (1u << 14) && kMaxRealServers <= (1u << 17));

// The same message for an IPv6 template: a 128-bit masked client does not
// fit a pointer slot, so these travel by value in rings of their own
// (rte_ring_*_elem, 24-byte elements), copied in and out: no allocation,
// and the IPv4 ring stays as it was.
struct TemplateRelease6 {
    Ip6 client;  // masked client address
    uint32_t rs_id;
    uint16_t service_id;
    uint16_t pad = 0;
};
static_assert(sizeof(TemplateRelease6) == 24, "ring element size (a multiple of 4)");

struct HandoffRings {
    rte_ring* ring[kMaxWorkers][kMaxWorkers] = {};  // [from][to] packets; null on the diagonal
    rte_ring* msg[kMaxWorkers][kMaxWorkers] = {};   // [from][to] TemplateRelease values
    rte_ring* msg6[kMaxWorkers][kMaxWorkers] = {};  // [from][to] TemplateRelease6 elements
};

// Throws std::runtime_error on failure (control path).
HandoffRings create_handoff_rings(uint32_t workers, unsigned ring_size);
void free_handoff_rings(HandoffRings& rings, uint32_t workers);

}  // namespace dvs::dataplane
