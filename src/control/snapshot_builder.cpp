#include "control/snapshot_builder.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "control/config/yaml_limits.hpp"
#include "control/health/agent_check.hpp"
#include "sched/hash.hpp"
#include "sched/registry.hpp"

namespace dvs::control {

// The loader refuses these counts before it builds a tree; the builder
// checks them again.
static_assert(kYamlLimits.max_services == dataplane::kMaxServices);
static_assert(kYamlLimits.max_real_servers == dataplane::kMaxRealServers);

namespace {

static_assert(dataplane::kMethodNat == static_cast<uint8_t>(ForwardMethod::kNat) &&
              dataplane::kMethodDr == static_cast<uint8_t>(ForwardMethod::kDr) &&
              dataplane::kMethodTun == static_cast<uint8_t>(ForwardMethod::kTun));

uint32_t net32(uint32_t host) { return htonl(host); }
uint16_t net16(uint16_t host) { return htons(host); }

dataplane::Ip6 ip6(const IpAddress& a) { return dataplane::Ip6::from(a.bytes.data()); }

// A real server's stable identity for the hashing schedulers (mh keeps a
// server's slots while it stays): address and port. IPv4 keeps the form it
// always had; IPv6 mixes the 128 bits down to 64.
uint64_t backend_key(const IpAddress& a, uint16_t port) {
    if (a.is_v4()) return (uint64_t{a.to_v4()} << 16 | port) + 1;
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; ++i) hi = hi << 8 | a.bytes[i];
    for (int i = 8; i < 16; ++i) lo = lo << 8 | a.bytes[i];
    return sched::detail::mix64(hi ^ sched::detail::mix64(lo ^ port)) | 1;
}

uint16_t port_index(const Config& c, const std::string& name) {
    for (size_t i = 0; i < c.ports.size(); ++i) {
        if (c.ports[i].name == name) return static_cast<uint16_t>(i);
    }
    throw ConfigError(c.source + ": unknown port '" + name + "'");  // validated earlier
}

}  // namespace

std::unique_ptr<dataplane::Snapshot> build_snapshot(const Config& config, uint32_t workers,
                                                    uint64_t version, const IdAssignment* ids,
                                                    const dataplane::Snapshot* previous,
                                                    const HealthOverlay* health) {
    auto snap = std::make_unique<dataplane::Snapshot>();
    snap->version = version;

    if (config.services.size() > dataplane::kMaxServices) {
        throw ConfigError(config.source + ": services: at most " +
                          std::to_string(dataplane::kMaxServices) + " services are supported");
    }
    if (config.ports.size() > dataplane::kMaxPorts) {
        throw ConfigError(config.source + ": ports: at most " +
                          std::to_string(dataplane::kMaxPorts) + " ports are supported");
    }
    if (config.exception_path.enabled && 2 * config.ports.size() > dataplane::kMaxPorts) {
        throw ConfigError(config.source +
                          ": exception_path: each port needs a kernel interface "
                          "port too; at most " +
                          std::to_string(dataplane::kMaxPorts / 2) +
                          " ports are supported with the exception path");
    }

    for (size_t p = 0; p < config.ports.size(); ++p) {
        for (const IpPrefix& ip : config.ports[p].addresses) {
            if (ip.is_v6()) {
                snap->local_addresses6.push_back({ip.address.bytes, static_cast<uint16_t>(p)});
                dataplane::Route6 connected;
                connected.prefix = ip6(ip.network());
                connected.length = ip.length;
                connected.port = static_cast<uint16_t>(p);
                snap->routes6.push_back(connected);
                continue;
            }
            const Ipv4Prefix a = ip.to_v4();
            snap->local_addresses.push_back({net32(a.address), static_cast<uint16_t>(p)});
            // Connected subnet of this address.
            dataplane::Route connected;
            connected.prefix = net32(a.address & a.mask());
            connected.mask = net32(a.mask());
            connected.length = a.length;
            connected.port = static_cast<uint16_t>(p);
            snap->routes.push_back(connected);
        }
    }
    for (const RouteConfig& route : config.routes) {
        if (route.prefix.is_v6()) {
            dataplane::Route6 r;
            r.prefix = ip6(route.prefix.network());
            r.length = route.prefix.length;
            r.port = port_index(config, route.port);
            r.via = ip6(route.via);
            snap->routes6.push_back(r);
            continue;
        }
        const Ipv4Prefix p4 = route.prefix.to_v4();
        dataplane::Route r;
        r.prefix = net32(p4.address & p4.mask());
        r.mask = net32(p4.mask());
        r.length = p4.length;
        r.port = port_index(config, route.port);
        r.via = net32(route.via.to_v4());
        snap->routes.push_back(r);
    }
    for (const NeighborConfig& n : config.neighbors) {
        if (n.address.is_v6()) {
            dataplane::StaticNeighbor6 sn;
            sn.ip = ip6(n.address);
            sn.port = port_index(config, n.port);
            std::copy(n.mac.begin(), n.mac.end(), sn.mac);
            snap->static_neighbors6.push_back(sn);
            continue;
        }
        dataplane::StaticNeighbor sn;
        sn.ip = net32(n.address.to_v4());
        sn.port = port_index(config, n.port);
        std::copy(n.mac.begin(), n.mac.end(), sn.mac);
        snap->static_neighbors.push_back(sn);
    }

    const TimeoutConfig& t = config.timeouts;
    auto& by_state = snap->timeouts.by_state;
    by_state[static_cast<int>(dataplane::ConnState::kUdp)] = t.udp;
    by_state[static_cast<int>(dataplane::ConnState::kTcpSynRecv)] = t.tcp_syn;
    by_state[static_cast<int>(dataplane::ConnState::kTcpEstablished)] = t.tcp;
    by_state[static_cast<int>(dataplane::ConnState::kTcpFinWait)] = t.tcp_fin;
    by_state[static_cast<int>(dataplane::ConnState::kTcpClose)] = t.tcp_close;

    // Ids: stable ones from the registry, or positions (tests, benchmarks).
    IdAssignment positional;
    if (ids == nullptr) {
        uint32_t next_rs = 0;
        for (const ServiceConfig& sc : config.services) {
            positional.service.push_back(static_cast<uint16_t>(positional.service.size()));
            std::vector<uint32_t> rs_ids;
            for (size_t i = 0; i < sc.real_servers.size(); ++i) rs_ids.push_back(next_rs++);
            positional.real_server.push_back(std::move(rs_ids));
            positional.sorry_server.push_back(sc.sorry_server ? next_rs++ : kNoSorryServer);
        }
        ids = &positional;
    }
    uint32_t max_service = 0, max_rs = 0;
    for (size_t s = 0; s < config.services.size(); ++s) {
        max_service = std::max<uint32_t>(max_service, ids->service[s] + 1u);
        for (uint32_t r : ids->real_server[s]) max_rs = std::max(max_rs, r + 1);
        if (s < ids->sorry_server.size() && ids->sorry_server[s] != kNoSorryServer) {
            max_rs = std::max(max_rs, ids->sorry_server[s] + 1);
        }
    }
    if (max_rs > dataplane::kMaxRealServers) {
        throw ConfigError(config.source + ": at most " +
                          std::to_string(dataplane::kMaxRealServers) +
                          " real servers are supported in all");
    }
    snap->services.resize(max_service);
    snap->real_servers.resize(max_rs);

    for (size_t s = 0; s < config.services.size(); ++s) {
        const ServiceConfig& sc = config.services[s];
        dataplane::Service& svc = snap->services[ids->service[s]];
        svc.id = ids->service[s];
        svc.present = true;
        svc.name = sc.name;
        // A service's family is its VIP's; validate() holds its servers to it.
        svc.v6 = sc.vip.is_v6();
        if (svc.v6) {
            svc.vip6 = ip6(sc.vip);
        } else {
            svc.vip = net32(sc.vip.to_v4());
        }
        svc.port = net16(sc.port);
        svc.proto = static_cast<uint8_t>(sc.protocol);
        svc.reset_on_remove = sc.reset_on_remove;
        svc.reject_no_server = sc.reject_no_server;
        svc.continuation = continuation_on(config, sc) && sc.scheduler == "mh";
        // Each worker holds its share (rounded up, at least 1) of the limit;
        // a TCP service that does not write one gets the default bound.
        if (sc.protocol != Protocol::kTcp || sc.max_half_open == 0u) {
            svc.half_open_limit = 0;
        } else if (sc.max_half_open) {
            svc.half_open_limit =
                std::max<uint32_t>(1, (*sc.max_half_open + workers - 1) / workers);
        } else {
            svc.half_open_limit = default_half_open_per_worker(config.dataplane);
        }
        if (sc.persistence) {
            svc.persistent = true;
            svc.persistence_timeout = sc.persistence->timeout;
            svc.persistence_mask = net32(sc.persistence->netmask);
            svc.persistence_prefix6 = sc.persistence->prefix_length;
        }
        std::vector<sched::Backend> pool;
        std::string signature = sc.scheduler + "/" + std::to_string(sc.sched_fallback) +
                                std::to_string(sc.sched_port) + "/" +
                                std::to_string(sc.mh_table_size);
        bool any_healthy = false;
        for (size_t r = 0; r < sc.real_servers.size(); ++r) {
            const RealServerConfig& rc = sc.real_servers[r];
            dataplane::RealServer& rs = snap->real_servers[ids->real_server[s][r]];
            rs.id = ids->real_server[s][r];
            rs.present = true;
            if (rc.address.is_v6()) {
                rs.ip6 = ip6(rc.address);
            } else {
                rs.ip = net32(rc.address.to_v4());
            }
            rs.port = net16(rc.port);
            rs.method = static_cast<uint8_t>(rc.forward);
            uint32_t weight = rc.weight;
            const ServerVerdict* verdict = health ? health->find(s, r) : nullptr;
            if (verdict != nullptr && verdict->failed) {
                weight = 0;
                if (verdict->on_failure == FailureAction::kRemove) {
                    rs.weight = 0;
                    continue;  // present (its connections drain), but not scheduled
                }
            } else {
                any_healthy = true;
                if (verdict != nullptr) {
                    weight = verdict->drain ? 0 : scaled_weight(weight, verdict->percent);
                }
            }
            rs.weight = weight;
            svc.pool.push_back(rs.id);
            // A stable identity (address and port) so hashing schedulers
            // map keys the same way across rebuilds.
            pool.push_back({weight, backend_key(rc.address, rc.port)});
            signature += "/" + std::to_string(rs.id) + ":" + std::to_string(weight);
        }
        const uint32_t sorry_id =
            s < ids->sorry_server.size() ? ids->sorry_server[s] : kNoSorryServer;
        if (sc.sorry_server && sorry_id != kNoSorryServer) {
            const SorryServerConfig& so = *sc.sorry_server;
            dataplane::RealServer& rs = snap->real_servers[sorry_id];
            rs.id = sorry_id;
            rs.present = true;
            if (so.address.is_v6()) {
                rs.ip6 = ip6(so.address);
            } else {
                rs.ip = net32(so.address.to_v4());
            }
            rs.port = net16(so.port);
            rs.method = static_cast<uint8_t>(so.forward);
            rs.weight = 1;
            // Nobody healthy: the sorry server alone takes new connections
            // (established ones to the others keep forwarding).
            if (!any_healthy) {
                svc.pool.assign(1, sorry_id);
                pool.assign(1, {1, backend_key(so.address, so.port)});
                signature += "/sorry:" + std::to_string(sorry_id);
            }
        }
        svc.scheduler_signature = signature;
        // Unchanged scheduling keeps its instances (and so rr/wrr position).
        if (previous != nullptr && svc.id < previous->services.size()) {
            const dataplane::Service& old = previous->services[svc.id];
            if (old.present && old.scheduler_signature == signature &&
                old.schedulers.size() == workers) {
                svc.schedulers = old.schedulers;
            }
        }
        sched::SchedulerOptions options;
        options.fallback = sc.sched_fallback;
        options.hash_port = sc.sched_port;
        options.mh_table_size = sc.mh_table_size;
        for (uint32_t w = static_cast<uint32_t>(svc.schedulers.size()); w < workers; ++w) {
            std::unique_ptr<sched::Scheduler> sched;
            try {
                sched = sched::make_scheduler(sc.scheduler, pool, options);
            } catch (const std::invalid_argument& e) {
                throw ConfigError(config.source + ": services[" + std::to_string(s) +
                                  "]: scheduler " + sc.scheduler + ": " + e.what());
            }
            if (!sched) {
                throw ConfigError(config.source + ": services[" + std::to_string(s) +
                                  "].scheduler: '" + sc.scheduler + "' is not available");
            }
            svc.schedulers.push_back(std::move(sched));
        }
        if (svc.v6) {
            if (std::find(snap->vips6.begin(), snap->vips6.end(), svc.vip6) == snap->vips6.end()) {
                snap->vips6.push_back(svc.vip6);
            }
        } else if (std::find(snap->vips.begin(), snap->vips.end(), svc.vip) == snap->vips.end()) {
            snap->vips.push_back(svc.vip);
        }
    }
    snap->finalize();
    return snap;
}

}  // namespace dvs::control
