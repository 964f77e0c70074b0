#pragma once
// Passing packets between worker cores.
//
// One single-producer/single-consumer rte_ring per ordered pair of workers
// (rings[from][to]), so enqueue and dequeue need no lock. A packet on a ring
// carries what the receiver should do with it in an mbuf dynamic field.

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include <cstdint>

#include "dataplane/port.hpp"

namespace dvs::dataplane {

enum class HandoffKind : uint8_t {
    kProcess = 0,   // run the full pipeline: this core owns the flow
    kTransmit = 1,  // already rewritten: send on `port_index` (this core owns its TX queue)
    kLearn = 2,     // a copy of an ARP packet: learn the neighbour, nothing else
    kFragment = 3,  // an IP fragment whose ports the fragment core knows (src_port/dst_port)
};

struct HandoffMeta {
    HandoffKind kind;
    uint8_t pad;
    uint16_t port_index;
    uint16_t src_port;  // kFragment: ports of the datagram, network byte order
    uint16_t dst_port;
};

// Registered once at start-up; the field offset is then fixed.
int register_handoff_field();
extern int g_handoff_field_offset;

inline HandoffMeta& handoff_meta(rte_mbuf* m) {
    return *RTE_MBUF_DYNFIELD(m, g_handoff_field_offset, HandoffMeta*);
}

struct HandoffRings {
    rte_ring* ring[kMaxWorkers][kMaxWorkers] = {};  // [from][to]; null on the diagonal
};

// Throws std::runtime_error on failure (control path).
HandoffRings create_handoff_rings(uint32_t workers, unsigned ring_size);
void free_handoff_rings(HandoffRings& rings, uint32_t workers);

}  // namespace dvs::dataplane
