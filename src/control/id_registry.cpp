#include "control/id_registry.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace dvs::control {

IdRegistry::IdRegistry(uint32_t max_services, uint32_t max_real_servers)
    : max_services_(max_services), max_real_servers_(max_real_servers) {}

IdAssignment IdRegistry::assign(const Config& config,
                                const std::function<bool(uint32_t)>& rs_idle) {
    IdAssignment out;
    std::map<ServiceKey, uint16_t> services;
    std::map<ServerKey, uint32_t> servers;

    auto new_service_id = [&]() -> uint16_t {
        if (next_service_ < max_services_) return static_cast<uint16_t>(next_service_++);
        // Service ids only label counters and templates; reuse the oldest freed.
        if (!free_services_.empty()) {
            const uint16_t id = free_services_.front();
            free_services_.erase(free_services_.begin());
            return id;
        }
        throw ConfigError(config.source + ": services: more than " + std::to_string(max_services_) +
                          " services");
    };
    auto new_server_id = [&]() -> uint32_t {
        if (next_server_ < max_real_servers_) return next_server_++;
        for (auto it = free_servers_.begin(); it != free_servers_.end(); ++it) {
            if (rs_idle(*it)) {
                const uint32_t id = *it;
                free_servers_.erase(it);
                return id;
            }
        }
        throw ConfigError(config.source + ": more than " + std::to_string(max_real_servers_) +
                          " real servers (counting removed ones still draining)");
    };

    // Give back the ids of what the new config no longer has first, so they
    // can serve the new entries (servers only once idle).
    std::set<ServiceKey> wanted_services;
    std::set<std::tuple<ServiceKey, IpAddress, uint16_t>> wanted_servers;
    for (const ServiceConfig& s : config.services) {
        const ServiceKey key{s.vip, s.port, s.protocol};
        wanted_services.insert(key);
        for (const RealServerConfig& r : s.real_servers)
            wanted_servers.insert({key, r.address, r.port});
        if (s.sorry_server)
            wanted_servers.insert({key, s.sorry_server->address, s.sorry_server->port});
    }
    std::map<uint16_t, ServiceKey> service_of;
    for (const auto& [key, id] : services_) service_of[id] = key;
    for (auto it = services_.begin(); it != services_.end();) {
        if (wanted_services.count(it->first)) {
            ++it;
            continue;
        }
        free_services_.push_back(it->second);
        it = services_.erase(it);
    }
    for (auto it = servers_.begin(); it != servers_.end();) {
        const auto& [sid, address, port] = it->first;
        const auto owner = service_of.find(sid);
        if (owner != service_of.end() && wanted_servers.count({owner->second, address, port})) {
            ++it;
            continue;
        }
        free_servers_.push_back(it->second);
        it = servers_.erase(it);
    }

    for (const ServiceConfig& s : config.services) {
        const ServiceKey key{s.vip, s.port, s.protocol};
        const auto old = services_.find(key);
        const uint16_t sid = old != services_.end() ? old->second : new_service_id();
        services[key] = sid;
        out.service.push_back(sid);
        std::vector<uint32_t> ids;
        for (const RealServerConfig& r : s.real_servers) {
            const ServerKey rkey{sid, r.address, r.port};
            const auto found = servers_.find(rkey);
            const uint32_t rid = found != servers_.end() ? found->second : new_server_id();
            servers[rkey] = rid;
            ids.push_back(rid);
        }
        out.real_server.push_back(std::move(ids));
        uint32_t sorry = kNoSorryServer;
        if (s.sorry_server) {
            const ServerKey rkey{sid, s.sorry_server->address, s.sorry_server->port};
            const auto found = servers_.find(rkey);
            sorry = found != servers_.end() ? found->second : new_server_id();
            servers[rkey] = sorry;
        }
        out.sorry_server.push_back(sorry);
    }
    services_ = std::move(services);
    servers_ = std::move(servers);
    return out;
}

}  // namespace dvs::control
