#pragma once
// The way out of one core's engine: TX through the injected port I/O (Io,
// see engine.hpp), and the handoff buffers towards other cores' rings.
// Written by its own core only; every packet given to it is sent, handed
// over or dropped (counted).

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/counters.hpp"
#include "dataplane/handoff.hpp"
#include "dataplane/port.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

struct WorkerEnv;

// The ports of a packet's flow: from its own L4 header, or, for a later
// fragment, from the first fragment via the fragment core.
struct FlowPorts {
    uint16_t src = 0;
    uint16_t dst = 0;
    bool later_fragment = false;  // no L4 header in this packet
    bool followed = false;        // a later fragment back from the template core
};

template <class Io>
class Egress {
public:
    static constexpr uint16_t kBurst = 32;

    // Control path: Io::init may throw.
    Egress(uint32_t id, const WorkerEnv& env, WorkerCounters& counters);
    Egress(const Egress&) = delete;
    Egress& operator=(const Egress&) = delete;

    // On this core's TX queue of the port, or to the core that owns the
    // port's only TX queue. Inline: every packet sent leaves through here.
    [[gnu::always_inline]] void transmit(uint16_t port_index, rte_mbuf* m) {
        const int32_t q = tx_queue_[port_index];
        if (q < 0) return transmit_by_owner(port_index, m);
        if (const uint16_t sent = io_.send(port_index, static_cast<uint16_t>(q), m)) {
            counters_.tx.add(sent);
        }
    }
    // A parsed packet to the core `to`, which resumes at `kind` with the
    // view restored (parse once).
    void handoff(uint32_t to, rte_mbuf* m, HandoffKind kind, const PacketView& v,
                 const FlowPorts* ports = nullptr, uint32_t rs_id = 0);
    void flush_handoffs();
    void flush_tx();
    void drop(rte_mbuf* m, DropReason r) {
        counters_.drop(r);
        rte_pktmbuf_free(m);
    }
    Io& io() { return io_; }

private:
    void transmit_by_owner(uint16_t port_index, rte_mbuf* m);
    void enqueue(uint32_t to, rte_mbuf* m);

    const uint32_t id_;
    const WorkerEnv& env_;
    WorkerCounters& counters_;
    Io io_;
    // This core's TX queue of each port (PortInfo::tx_queue[id_]), copied
    // here so a send reads one array: ports do not change after start-up.
    int32_t tx_queue_[kMaxPorts];
    rte_mbuf* handoff_buf_[kMaxWorkers][kBurst];
    uint16_t handoff_count_[kMaxWorkers] = {};
};

}  // namespace dvs::dataplane
