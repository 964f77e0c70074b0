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
    service_slots_.assign(slots, -1);
    service_mask_ = slots - 1;
    for (size_t i = 0; i < services.size(); ++i) {
        const Service& s = services[i];
        if (!s.present) continue;
        uint32_t h = service_hash(s.vip, s.port, s.proto) & service_mask_;
        while (service_slots_[h] != -1) h = (h + 1) & service_mask_;
        service_slots_[h] = static_cast<int32_t>(i);
    }
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
}

const Service* Snapshot::find_service(uint32_t vip, uint16_t port, uint8_t proto) const {
    if (const Service* exact = find_exact_service(vip, port, proto)) return exact;
    return port != 0 ? find_exact_service(vip, 0, proto) : nullptr;
}

const Service* Snapshot::find_exact_service(uint32_t vip, uint16_t port, uint8_t proto) const {
    uint32_t h = service_hash(vip, port, proto) & service_mask_;
    for (;;) {
        const int32_t i = service_slots_[h];
        if (i < 0) return nullptr;
        const Service& s = services[i];
        if (s.vip == vip && s.port == port && s.proto == proto) return &s;
        h = (h + 1) & service_mask_;
    }
}

bool Snapshot::is_vip(uint32_t ip) const {
    return std::find(vips.begin(), vips.end(), ip) != vips.end();
}

bool Snapshot::is_local(uint32_t ip) const {
    return std::any_of(local_addresses.begin(), local_addresses.end(),
                       [ip](const LocalAddress& a) { return a.ip == ip; });
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
    for (const Route& r : routes) {
        if ((dst & r.mask) == r.prefix) return NextHop{r.port, r.via ? r.via : dst, r.src};
    }
    return std::nullopt;
}

const StaticNeighbor* Snapshot::static_neighbor(uint16_t port, uint32_t ip) const {
    for (const StaticNeighbor& n : static_neighbors) {
        if (n.ip == ip && n.port == port) return &n;
    }
    return nullptr;
}

}  // namespace dvs::dataplane
