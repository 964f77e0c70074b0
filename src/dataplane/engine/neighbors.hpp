#pragma once
// Next hops of one core's engine: routes a packet, resolves the next hop's
// MAC (static neighbours, else the ARP cache with held packets, requests,
// retries and refreshes) and sends it through Egress; answers and learns
// from ARP packets (neighbor.ipp). IPv6 next hops the same way, resolved by
// Neighbor Solicitations to the solicited-node address and learned from
// advertisements and solicitations (a second table, NeighborTable6: the
// same bounds, life cycle and counters). Written by its own core only.
//
// Bounds: packets waiting for ARP are at most kMaxPending per neighbour and
// hold_budget() per core (core_context.hpp), and none are held while the
// pool is low; entries follow the life cycle in neighbor_table.hpp; ARP
// nobody asked for creates entries at most kLearnRate per second (a
// neighbour we know is always updated).

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdint>
#include <memory>

#include "dataplane/counters.hpp"
#include "dataplane/engine/core_context.hpp"
#include "dataplane/engine/egress.hpp"
#include "dataplane/exception_path.hpp"
#include "dataplane/neighbor_table.hpp"
#include "dataplane/snapshot.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

template <class Io>
class Neighbors {
public:
    // now_tsc: the engine's clock, read when a packet is sent.
    Neighbors(uint32_t id, const WorkerEnv& env, rte_mempool* pool, WorkerCounters& counters,
              Egress<Io>& out, const uint64_t& now_tsc, uint64_t tsc_hz);

    // An ARP packet: answered for our addresses and VIPs, learned from on
    // connected subnets (and handed to the other cores to learn too, unless
    // learn_only: such a copy from another core).
    void arp(rte_mbuf* m, PacketView& v, const Snapshot& snap, bool learn_only);

    // Sends an IPv4 packet towards `dst_ip` via the route table.
    [[gnu::always_inline]] void route_and_send(rte_mbuf* m, const Snapshot& snap, uint32_t dst_ip);
    // Sends to the next hop nh_ip on the port (held while it is resolved).
    void send(rte_mbuf* m, const Snapshot& snap, uint16_t port_index, uint32_t nh_ip) {
        send_in(*table_, m, snap, port_index, nh_ip);
    }
    // The same through a hop the Snapshot worked out (Snapshot::hop_to): no
    // route or static-neighbour search. Inline: the forwarding methods'
    // every packet (a hop through the neighbour cache calls send_resolved).
    [[gnu::always_inline]] void send_hop(rte_mbuf* m, const Snapshot& snap, const ServerHop& hop);
    // A sender learned from ARP: what was held for it goes now.
    void learn(uint16_t port_index, uint32_t ip, const uint8_t mac[6]) {
        learn_in(*table_, port_index, ip, mac);
    }
    // IPv6: the same over the IPv6 routes and NeighborTable6.
    void route_and_send6(rte_mbuf* m, const Snapshot& snap, const Ip6& dst);
    void send6(rte_mbuf* m, const Snapshot& snap, uint16_t port_index, const Ip6& nh_ip) {
        send_in(*table6_, m, snap, port_index, nh_ip);
    }
    // A neighbour's address from an advertisement or solicitation received
    // on `port_index` (learned only on a connected IPv6 subnet of it).
    void learn6(const Snapshot& snap, uint16_t port_index, const Ip6& ip, const uint8_t mac[6]);

    static constexpr uint64_t kLearnRate = 64;  // new entries from unsolicited ARP, per s
    static constexpr uint64_t kLearnBurst = 64;
    // Housekeeping: retry unanswered requests, give up on packets held too long.
    void expire(const Snapshot& snap);
    // Shutdown: held packets are freed (not counted).
    void release_held();

private:
    template <class Table>
    void send_in(Table& table, rte_mbuf* m, const Snapshot& snap, uint16_t port_index,
                 const typename Table::Address& nh_ip);
    // send_in without static neighbours: through the neighbour cache.
    template <class Table>
    void send_resolved(Table& table, rte_mbuf* m, const Snapshot& snap, uint16_t port_index,
                       const typename Table::Address& nh_ip);
    template <class Table>
    void learn_in(Table& table, uint16_t port_index, const typename Table::Address& ip,
                  const uint8_t mac[6]);
    template <class Table>
    void expire_in(Table& table, const Snapshot& snap);
    void send_request(const Snapshot& snap, uint16_t port_index, uint32_t target_ip);
    // A Neighbor Solicitation (to the solicited-node multicast address).
    void send_request(const Snapshot& snap, uint16_t port_index, const Ip6& target);
    // Queues m on an unresolved entry (within the bounds) and asks again
    // when the last request is a second old.
    template <class Entry>
    void hold(Entry& e, rte_mbuf* m, const Snapshot& snap);
    // Drops the entry's waiting packets (no answer) and frees the slot.
    template <class Entry>
    void forget(Entry& e);

    const uint32_t id_;
    const WorkerEnv& env_;
    rte_mempool* const pool_;
    WorkerCounters& counters_;
    Egress<Io>& out_;
    const uint64_t& now_tsc_;
    const uint64_t ms_;  // TSC ticks per millisecond
    std::unique_ptr<NeighborTable> table_;
    std::unique_ptr<NeighborTable6> table6_;
    const uint32_t max_pending_;  // packets held for ARP on this core (hold_budget)
    uint32_t pending_ = 0;        // held now, over all entries
    TokenBucket learn_limit_;     // new entries from ARP nobody asked for
};

}  // namespace dvs::dataplane
