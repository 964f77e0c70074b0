#include "dataplane/snapshot.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "dataplane/flow_hash.hpp"

namespace dvs::dataplane {

uint32_t Snapshot::service_hash(uint32_t vip, uint16_t port, uint8_t proto) {
    return static_cast<uint32_t>(mix64((uint64_t{vip} << 24) ^ (uint64_t{port} << 8) ^ proto));
}

void Snapshot::finalize() {
    const uint32_t slots = std::bit_ceil(std::max<uint32_t>(8, uint32_t(services.size()) * 4));
    service_index_.assign(slots, ServiceSlot{});
    service_index_mask_ = slots - 1;
    service_index_shift_ = 64 - static_cast<uint32_t>(std::countr_zero(slots));
    service_mask_ = slots - 1;
    service6_slots_.assign(slots, -1);
    for (size_t i = 0; i < services.size(); ++i) {
        const Service& s = services[i];
        if (!s.present) continue;
        if (s.v6) {
            uint32_t h = service_hash(s.vip6.fold(), s.port, s.proto) & service_mask_;
            while (service6_slots_[h] != -1) h = (h + 1) & service_mask_;
            service6_slots_[h] = static_cast<int32_t>(i);
            continue;
        }
        const uint64_t key = service_key(s.vip, s.port, s.proto);
        uint32_t h = service_slot(key);
        while (service_index_[h].key != 0) h = (h + 1) & service_index_mask_;
        service_index_[h] = {key, static_cast<uint32_t>(i)};
    }
    finalize6();
    std::stable_sort(routes.begin(), routes.end(),
                     [](const Route& a, const Route& b) { return a.length > b.length; });
    // Source for what we originate (TUN outer headers, ICMP errors, ARP):
    // the local address on the subnet of the neighbour we hand it to.
    for (Route& r : routes) {
        const uint32_t neighbour = r.via ? r.via : r.prefix;
        r.src = 0;
        for (const LocalAddress& la : local_addresses) {
            if (la.port != r.port) continue;
            if (r.src == 0) r.src = la.ip;  // fallback: the port's first address
            const auto connected = std::find_if(routes.begin(), routes.end(), [&](const Route& c) {
                return c.via == 0 && c.port == la.port && (la.ip & c.mask) == c.prefix &&
                       (neighbour & c.mask) == c.prefix;
            });
            if (connected != routes.end()) {
                r.src = la.ip;
                break;
            }
        }
    }
    finalize_hops();
}

// What Forwarder did per packet (route, then the static neighbour of the
// next hop), once per server: NAT and TUN go to the route's next hop, DR to
// the server itself on the route's port (its segment is directly attached).
// The same for a route through a gateway, whose packets (NAT replies to
// clients) all go to that gateway.
void Snapshot::finalize_hops() {
    for (RealServer& rs : real_servers) {
        rs.hop = rs.present && rs.ip != 0 ? resolve_hop(rs.ip, rs.method) : ServerHop{};
    }
    for (Route& r : routes) r.hop = r.via != 0 ? hop_via(r.port, r.via, r.src) : ServerHop{};
}

ServerHop Snapshot::resolve_hop(uint32_t ip, uint8_t method) const {
    const auto nh = route(ip);
    if (!nh) return ServerHop{};
    return hop_via(nh->port, method == kMethodDr ? ip : nh->ip, nh->src);
}

// A hop to neighbour `ip` on `port`, with its static neighbour if it has one.
ServerHop Snapshot::hop_via(uint16_t port, uint32_t ip, uint32_t src) const {
    ServerHop hop{true, port, ip, src};
    if (const StaticNeighbor* sn = static_neighbor(port, ip)) {
        hop.static_neighbor = static_cast<int32_t>(sn - static_neighbors.data());
    }
    return hop;
}

void Snapshot::finalize6() {
    std::stable_sort(routes6.begin(), routes6.end(),
                     [](const Route6& a, const Route6& b) { return a.length > b.length; });
    // As for IPv4: our address on the subnet of the neighbour, else the
    // port's first IPv6 address.
    for (Route6& r : routes6) {
        const Ip6 neighbour = r.via.is_unspecified() ? r.prefix : r.via;
        r.src = Ip6{};
        for (const LocalAddress6& la : local_addresses6) {
            if (la.port != r.port) continue;
            const Ip6 ours = Ip6::from(la.ip.data());
            if (r.src.is_unspecified()) r.src = ours;
            const bool connected =
                std::any_of(routes6.begin(), routes6.end(), [&](const Route6& c) {
                    return c.via.is_unspecified() && c.port == la.port &&
                           prefix6_matches(ours, c.prefix, c.length) &&
                           prefix6_matches(neighbour, c.prefix, c.length);
                });
            if (connected) {
                r.src = ours;
                break;
            }
        }
    }
}

bool prefix6_matches(const Ip6& a, const Ip6& b, uint8_t length) {
    const unsigned whole = length / 8;
    if (std::memcmp(a.b, b.b, whole) != 0) return false;
    const unsigned rest = length % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a.b[whole] & mask) == (b.b[whole] & mask);
}

const Service* Snapshot::find_service6(const Ip6& vip, uint16_t port, uint8_t proto) const {
    for (const uint16_t p : {port, uint16_t{0}}) {
        uint32_t h = service_hash(vip.fold(), p, proto) & service_mask_;
        for (;;) {
            const int32_t i = service6_slots_[h];
            if (i < 0) break;
            const Service& s = services[i];
            if (s.vip6 == vip && s.port == p && s.proto == proto) return &s;
            h = (h + 1) & service_mask_;
        }
        if (port == 0) break;
    }
    return nullptr;
}

bool Snapshot::is_vip6(const uint8_t* ip) const {
    return std::any_of(vips6.begin(), vips6.end(),
                       [ip](const Ip6& v) { return std::memcmp(v.b, ip, 16) == 0; });
}

std::optional<NextHop6> Snapshot::route6(const Ip6& dst) const {
    for (const Route6& r : routes6) {
        if (prefix6_matches(dst, r.prefix, r.length)) {
            return NextHop6{r.port, r.via.is_unspecified() ? dst : r.via, r.src};
        }
    }
    return std::nullopt;
}

const StaticNeighbor6* Snapshot::static_neighbor6(uint16_t port, const Ip6& ip) const {
    for (const StaticNeighbor6& n : static_neighbors6) {
        if (n.ip == ip && n.port == port) return &n;
    }
    return nullptr;
}

bool Snapshot::is_vip(uint32_t ip) const {
    return std::find(vips.begin(), vips.end(), ip) != vips.end();
}

bool Snapshot::is_local6(const uint8_t* ip, uint16_t port) const {
    return std::any_of(local_addresses6.begin(), local_addresses6.end(),
                       [ip, port](const LocalAddress6& a) {
                           return a.port == port && std::memcmp(a.ip.data(), ip, 16) == 0;
                       });
}

bool Snapshot::is_local6(const uint8_t* ip) const {
    return std::any_of(
        local_addresses6.begin(), local_addresses6.end(),
        [ip](const LocalAddress6& a) { return std::memcmp(a.ip.data(), ip, 16) == 0; });
}

// Linear longest-prefix match: routing tables here are a handful of entries.
std::optional<NextHop> Snapshot::route(uint32_t dst) const {
    const Route* r = route_to(dst);
    if (r == nullptr) return std::nullopt;
    return NextHop{r->port, r->via ? r->via : dst, r->src};
}

const StaticNeighbor* Snapshot::static_neighbor(uint16_t port, uint32_t ip) const {
    for (const StaticNeighbor& n : static_neighbors) {
        if (n.ip == ip && n.port == port) return &n;
    }
    return nullptr;
}

}  // namespace dvs::dataplane
