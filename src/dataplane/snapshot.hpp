#pragma once
// The immutable configuration the workers read.
//
// Built by the control thread (control/snapshot_builder.cpp), published
// through an atomic pointer and freed only after every worker has passed a
// quiescent state (rte_rcu_qsbr; see snapshot_publisher.hpp). Workers never
// write a Snapshot, with one documented exception: each worker owns one
// scheduler instance per service (schedulers[worker]) and is its only user.
// Addresses and ports are in network byte order.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/conn.hpp"
#include "sched/scheduler.hpp"

namespace dvs::dataplane {

// Ids index per-core counter arrays, so they bound memory: about 8 MiB of
// counters per worker at these sizes. Real server ids fit 17 bits and
// service ids 14 (see TemplateRelease).
inline constexpr uint32_t kMaxServices = 16384;
inline constexpr uint32_t kMaxRealServers = 131072;
// Conn packs the ids to these widths (conn.hpp).
static_assert(kMaxRealServers <= 1u << kConnRsIdBits);
static_assert(kMaxServices <= 1u << 16);
inline constexpr uint32_t kMaxPorts = 16;

// Where packets to a real server go, worked out by Snapshot::finalize:
// routes and static neighbours do not change within a Snapshot, so the
// forwarding methods search neither per packet.
struct ServerHop {
    bool routed = false;           // false: no route to the server (packets drop no_route)
    uint16_t port = 0;             // index into the port list
    uint32_t ip = 0;               // neighbour: NAT, TUN the route's next hop; DR the server itself
    uint32_t src = 0;              // our address facing it (TUN's outer source)
    int32_t static_neighbor = -1;  // index into Snapshot::static_neighbors; -1: resolve (ARP)
};

struct RealServer {
    uint32_t id = 0;       // index into Snapshot::real_servers and per-core counters
    bool present = false;  // false: an id not in use (removed, or never used)
    uint32_t ip = 0;
    uint16_t port = 0;
    uint32_t weight = 1;
    uint8_t method = 0;  // control::ForwardMethod value
    Ip6 ip6;             // an IPv6 service's server (ip is then 0)
    ServerHop hop;       // IPv4 servers: set by Snapshot::finalize
};

struct Service {
    uint16_t id = 0;       // index into Snapshot::services and per-core counters
    bool present = false;  // false: an id not in use
    std::string name;
    uint32_t vip = 0;
    bool v6 = false;  // an IPv6 service: vip6 is its VIP (vip is 0), its servers are IPv6
    Ip6 vip6;
    uint16_t port = 0;
    uint8_t proto = 0;
    std::vector<uint32_t> pool;  // real server ids, in scheduler pool order
    bool persistent = false;
    uint32_t persistence_timeout = 0;   // seconds
    uint32_t persistence_mask = 0;      // network byte order: client address granularity
    uint8_t persistence_prefix6 = 128;  // IPv6 services: the client prefix a template keys on
    // Connections whose real server left the service are reset at their
    // next packet (on_remove: reset) instead of draining.
    bool reset_on_remove = false;
    // A new connection with no usable server gets a TCP reset or an ICMP
    // port unreachable (on_no_server: reject) instead of silence.
    bool reject_no_server = true;
    // Maglev continuation (mh services only): a TCP segment that is not a
    // SYN and finds no connection is scheduled and continues (counted
    // continued_no_state) instead of being dropped as tcp_no_conn.
    bool continuation = false;
    // Half-open (SYN_RECV) connections each worker may hold; 0: no limit.
    uint32_t half_open_limit = 0;
    // One per worker. Shared with the previous Snapshot when the service's
    // scheduling did not change, so a reload keeps rr/wrr positions (each
    // instance is still used by its one worker only).
    std::vector<std::shared_ptr<sched::Scheduler>> schedulers;
    std::string scheduler_signature;  // what the instances were built from
};

struct Route {
    uint32_t prefix = 0;
    uint32_t mask = 0;  // network byte order, like prefix
    uint8_t length = 0;
    uint16_t port = 0;  // index into the port list
    uint32_t via = 0;   // 0: directly connected
    uint32_t src = 0;   // our address on the next hop's subnet (set by finalize)
    // Through a gateway (via): the hop to it, its static neighbour found
    // once (set by finalize; not routed until then, and for connected routes).
    ServerHop hop;
};

struct NextHop {
    uint16_t port = 0;
    uint32_t ip = 0;   // neighbour to resolve: the gateway or the destination itself
    uint32_t src = 0;  // our address facing that neighbour: source of what we originate
};

// IPv6 routing, apart from IPv4's (the same longest-prefix rules).
struct Route6 {
    Ip6 prefix;  // host bits cleared
    uint8_t length = 0;
    uint16_t port = 0;
    Ip6 via;  // unspecified: directly connected
    Ip6 src;  // our address on the next hop's subnet (set by finalize)
};

struct NextHop6 {
    uint16_t port = 0;
    Ip6 ip;   // neighbour to resolve
    Ip6 src;  // our address facing it
};

// The first `length` bits of a and b are equal.
bool prefix6_matches(const Ip6& a, const Ip6& b, uint8_t length);

struct LocalAddress {
    uint32_t ip = 0;
    uint16_t port = 0;
};

// An IPv6 address of ours (network byte order), kept apart from the IPv4
// ones so IPv4 lookups stay 32-bit compares.
struct LocalAddress6 {
    std::array<uint8_t, 16> ip{};
    uint16_t port = 0;
};

struct StaticNeighbor {
    uint32_t ip = 0;
    uint16_t port = 0;
    uint8_t mac[6] = {};
};

struct StaticNeighbor6 {
    Ip6 ip;
    uint16_t port = 0;
    uint8_t mac[6] = {};
};

// High availability (control/ha_manager.cpp): what this box does while a VRRP
// instance is BACKUP, and the gratuitous ARPs (IPv6: unsolicited Neighbor
// Advertisements) it sends on becoming MASTER.
struct GratuitousArp {
    uint32_t ip = 0;
    uint16_t port = 0;
};

struct UnsolicitedNa {
    Ip6 ip;
    uint16_t port = 0;
};

struct HaView {
    // Addresses of instances that are not MASTER here: no ARP answers, no
    // echo replies, and no forwarding for VIPs among them (drop `ha_backup`).
    std::vector<uint32_t> standby;
    // The same for IPv6 addresses: no ND answers, echo replies or forwarding.
    std::vector<Ip6> standby6;
    // Bumped when worker 0 should send `garp` and `na` (a transition to
    // MASTER, a split brain healing). Workers remember the last generation
    // they served.
    uint64_t garp_generation = 0;
    std::vector<GratuitousArp> garp;
    std::vector<UnsolicitedNa> na;
    // Workers stream their connection changes to the control thread, which
    // sends them to the peer: set while this box is MASTER of an instance.
    bool sync_emit = false;

    bool is_standby(uint32_t ip) const {
        for (uint32_t s : standby) {
            if (s == ip) return true;
        }
        return false;
    }
    bool is_standby6(const uint8_t* ip) const {
        for (const Ip6& s : standby6) {
            if (std::memcmp(s.b, ip, 16) == 0) return true;
        }
        return false;
    }
};

struct Snapshot {
    uint64_t version = 0;
    std::vector<Service> services;         // indexed by id; see Service::present
    std::vector<RealServer> real_servers;  // indexed by id; see RealServer::present
    std::vector<Route> routes;             // longest prefix first
    std::vector<LocalAddress> local_addresses;
    std::vector<LocalAddress6> local_addresses6;
    std::vector<StaticNeighbor> static_neighbors;
    std::vector<uint32_t> vips;
    std::vector<Route6> routes6;  // longest prefix first
    std::vector<StaticNeighbor6> static_neighbors6;
    std::vector<Ip6> vips6;
    StateTimeouts timeouts;
    HaView ha;

    // Call after filling the vectors; builds the lookup index and each
    // route's source address.
    void finalize();

    // Exact VIP:port first, then the VIP's port-0 service (any port).
    // Inline: every packet asks (once per packet, replies included).
    const Service* find_service(uint32_t vip, uint16_t port, uint8_t proto) const {
        if (const Service* exact = find_exact_service(vip, port, proto)) return exact;
        return port != 0 ? find_exact_service(vip, 0, proto) : nullptr;
    }
    // Exactly VIP:port (no port-0 fallback): the service configured as such.
    const Service* find_exact_service(uint32_t vip, uint16_t port, uint8_t proto) const {
        const uint64_t key = service_key(vip, port, proto);
        for (uint32_t h = service_slot(key);; h = (h + 1) & service_index_mask_) {
            const ServiceSlot& slot = service_index_[h];
            if (slot.key == key) return &services[slot.service];
            if (slot.key == 0) return nullptr;
        }
    }
    bool is_vip(uint32_t ip) const;
    // Inline: every NAT reply asks (a short scan: a box has a few addresses).
    [[gnu::always_inline]] bool is_local(uint32_t ip) const {
        for (const LocalAddress& a : local_addresses) {
            if (a.ip == ip) return true;
        }
        return false;
    }
    // One of our IPv6 addresses on `port` (ND answers only on the port
    // that owns the address); is_local6 on any port.
    bool is_local6(const uint8_t* ip, uint16_t port) const;
    bool is_local6(const uint8_t* ip) const;
    std::optional<NextHop> route(uint32_t dst) const;
    // The route dst takes (longest prefix first), or null. Inline: every
    // NAT reply asks (Neighbors::route_and_send).
    const Route* route_to(uint32_t dst) const {
        for (const Route& r : routes) {
            if ((dst & r.mask) == r.prefix) return &r;
        }
        return nullptr;
    }
    const StaticNeighbor* static_neighbor(uint16_t port, uint32_t ip) const;
    // Where a connection's packets to real server `ip` (id rs_id, method
    // as the connection has it) go: the hop finalize worked out, while the
    // id still names that server with that method, else resolved now (a
    // reload changed or removed the server since the connection was made).
    [[gnu::always_inline]] ServerHop hop_to(uint32_t rs_id, uint32_t ip, uint8_t method) const {
        if (rs_id < real_servers.size()) {
            const RealServer& rs = real_servers[rs_id];
            if (rs.present && rs.ip == ip && rs.method == method) return rs.hop;
        }
        return resolve_hop(ip, method);
    }
    ServerHop resolve_hop(uint32_t ip, uint8_t method) const;
    ServerHop hop_via(uint16_t port, uint32_t ip, uint32_t src) const;

    // IPv6: the same questions over the IPv6 halves.
    const Service* find_service6(const Ip6& vip, uint16_t port, uint8_t proto) const;
    bool is_vip6(const uint8_t* ip) const;
    std::optional<NextHop6> route6(const Ip6& dst) const;
    const StaticNeighbor6* static_neighbor6(uint16_t port, const Ip6& ip) const;

private:
    // The IPv4 service index: open addressing (linear probing, at most a
    // quarter full) over flat 16-byte slots whose key is VIP, port and
    // protocol packed in one word, so a lookup is a multiply, a shift and
    // one compare per probe, with no hash rounds and no Service touched
    // until it matches. key 0 marks an empty slot (no key is 0: bit 0 is set).
    struct ServiceSlot {
        uint64_t key = 0;
        uint32_t service = 0;  // index into services
    };
    static uint64_t service_key(uint32_t vip, uint16_t port, uint8_t proto) {
        return (uint64_t{vip} << 32) | (uint32_t{port} << 16) | (uint32_t{proto} << 8) | 1u;
    }
    uint32_t service_slot(uint64_t key) const {
        // Fibonacci hashing: the top bits of key * 2^64/phi, which every
        // bit of the key reaches (VIPs that differ in one octet spread).
        return static_cast<uint32_t>((key * 0x9e3779b97f4a7c15ull) >> service_index_shift_);
    }
    std::vector<ServiceSlot> service_index_ = std::vector<ServiceSlot>(2);  // empty until finalize
    uint32_t service_index_mask_ = 1;                                       // slots - 1
    uint32_t service_index_shift_ = 63;                                     // 64 - log2(slots)
    uint32_t service_mask_ = 0;
    std::vector<int32_t>
        service6_slots_;  // IPv6 services by vip6.fold(), open addressing; -1 empty
    static uint32_t service_hash(uint32_t vip, uint16_t port, uint8_t proto);
    void finalize6();
    void finalize_hops();
};

}  // namespace dvs::dataplane
