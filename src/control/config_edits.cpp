#include "control/config_edits.hpp"

#include <algorithm>

#include "common/text_codec.hpp"
#include "control/config/yaml_loader.hpp"

namespace dvs::control::edits {

uint16_t server_port(const ServiceConfig& s, uint16_t requested) {
    return requested != 0 ? requested : s.port;
}

namespace {

// "192.0.2.10:80" or "[2001:db8::10]:80", as dvsadm writes them.
std::string endpoint_text(const IpAddress& address, uint16_t port) {
    return text::format_ip_bracketed(address) + ":" + std::to_string(port);
}

std::string key_text(const mgmt::ServiceKey& k) {
    return std::string(text::name(k.protocol)) + " " + endpoint_text(k.vip, k.port);
}

std::vector<ServiceConfig>::iterator find_service(Config& c, const mgmt::ServiceKey& k) {
    return std::find_if(c.services.begin(), c.services.end(), [&](const ServiceConfig& s) {
        return s.vip == k.vip && s.port == k.port && s.protocol == k.protocol;
    });
}

ServiceConfig& require_service(Config& c, const mgmt::ServiceKey& k) {
    const auto it = find_service(c, k);
    if (it == c.services.end()) throw mgmt::DaemonError("no service " + key_text(k));
    return *it;
}

std::vector<RealServerConfig>::iterator find_server(ServiceConfig& s, const mgmt::ServerKey& k) {
    const uint16_t port = server_port(s, k.port);
    return std::find_if(s.real_servers.begin(), s.real_servers.end(),
                        [&](const RealServerConfig& r) {
                            return r.address == k.address && server_port(s, r.port) == port;
                        });
}

// "no real server A:P in service ...", with a hint when the address is
// there on another port (issue 19: `-e -r 10.1.0.12` without its port).
[[noreturn]] void no_server(const ServiceConfig& s, const mgmt::ServiceKey& service,
                            const mgmt::ServerKey& k) {
    const uint16_t port = server_port(s, k.port);
    std::string message =
        "no real server " + endpoint_text(k.address, port) + " in service " + key_text(service);
    std::string others;
    for (const RealServerConfig& r : s.real_servers) {
        if (r.address != k.address) continue;
        others += (others.empty() ? "" : ", ") + endpoint_text(k.address, server_port(s, r.port));
    }
    if (!others.empty()) {
        message += " (it has " + others + "; give the real server's port: -r " +
                   others.substr(0, others.find(',')) + ")";
    } else if (k.port == 0) {
        message += " (-r without a port means the service's port " + std::to_string(s.port) + ")";
    }
    throw mgmt::DaemonError(message);
}

void apply_spec(ServiceConfig& s, const mgmt::ServiceSpec& spec) {
    if (spec.scheduler) s.scheduler = *spec.scheduler;
    // The table size is mh's alone; another scheduler has the default, as a
    // file that names no mh_table_size would give it.
    if (s.scheduler != "mh") s.mh_table_size = ServiceConfig{}.mh_table_size;
    if (spec.flags) {
        s.sched_fallback = s.sched_port = false;
        for (const std::string& f : *spec.flags) {
            const std::optional<text::ParsedSchedulerFlag> parsed = text::parse_scheduler_flag(f);
            if (!parsed || parsed->scheduler != s.scheduler) {
                throw mgmt::DaemonError("flag '" + f + "' does not apply to scheduler " +
                                        s.scheduler);
            }
            (parsed->flag == text::SchedulerFlag::kFallback ? s.sched_fallback : s.sched_port) =
                true;
        }
    }
    if (spec.persistence) {
        if (*spec.persistence) {
            const mgmt::Persistence& p = **spec.persistence;
            // The range is the codec's (1..128); validate names the family.
            s.persistence = PersistenceConfig{p.timeout, p.netmask,
                                              static_cast<uint8_t>(p.prefix_length.value_or(128))};
        } else {
            s.persistence.reset();
        }
    }
}

// A name for a service added at runtime: unique, readable, valid as a key.
std::string runtime_name(const Config& c, const mgmt::ServiceKey& k) {
    std::string base = std::string(text::name(k.protocol)) + "-" + text::format_ip(k.vip) + "-" +
                       std::to_string(k.port);
    std::replace(base.begin(), base.end(), '.', '_');
    std::replace(base.begin(), base.end(), ':', '_');
    std::string name = base;
    for (int n = 2; std::any_of(c.services.begin(), c.services.end(),
                                [&](const ServiceConfig& s) { return s.name == name; });
         ++n) {
        name = base + "-" + std::to_string(n);
    }
    return name;
}

// A server added at runtime is checked as the service's servers without
// overrides are (what the loader gives a server that names no check).
void inherit_checks(const ServiceConfig& s, RealServerConfig& rs) {
    rs.health_check = s.health_check;
    if (rs.health_check && rs.health_check->type == CheckType::kNone) rs.health_check.reset();
    rs.agent_check = s.agent_check;
}

}  // namespace

void apply(Config& c, const mgmt::AddServiceRequest& r) {
    if (find_service(c, r.service.key) != c.services.end()) {
        throw mgmt::DaemonError("service " + key_text(r.service.key) + " already exists");
    }
    ServiceConfig s;
    s.name = runtime_name(c, r.service.key);
    s.vip = r.service.key.vip;
    s.port = r.service.key.port;
    s.protocol = r.service.key.protocol;
    s.scheduler = "wlc";  // ipvsadm's default
    apply_spec(s, r.service);
    c.services.push_back(std::move(s));
}

void apply(Config& c, const mgmt::EditServiceRequest& r) {
    apply_spec(require_service(c, r.service.key), r.service);
}

void apply(Config& c, const mgmt::DelServiceRequest& r) {
    const auto it = find_service(c, r.service);
    if (it == c.services.end()) throw mgmt::DaemonError("no service " + key_text(r.service));
    c.services.erase(it);
}

void apply(Config& c, const mgmt::AddServerRequest& r) {
    ServiceConfig& s = require_service(c, r.service);
    if (find_server(s, r.server.key) != s.real_servers.end()) {
        throw mgmt::DaemonError("real server " + text::format_ip(r.server.key.address) +
                                " already in service " + key_text(r.service));
    }
    RealServerConfig rs;
    if (r.server.key.address.family != s.vip.family) {
        throw mgmt::DaemonError("real server " + text::format_ip(r.server.key.address) +
                                " is not of the family of service " + key_text(r.service) +
                                " (IPv4 VIPs take IPv4 real servers, IPv6 VIPs IPv6 ones)");
    }
    rs.address = r.server.key.address;
    rs.port = s.port == 0 ? 0 : server_port(s, r.server.key.port);
    rs.weight = r.server.weight.value_or(1);
    rs.forward = r.server.forward.value_or(ForwardMethod::kDr);  // ipvsadm's -g
    inherit_checks(s, rs);
    s.real_servers.push_back(rs);
}

void apply(Config& c, const mgmt::EditServerRequest& r) {
    ServiceConfig& s = require_service(c, r.service);
    const auto it = find_server(s, r.server.key);
    if (it == s.real_servers.end()) no_server(s, r.service, r.server.key);
    if (r.server.weight) it->weight = *r.server.weight;
    if (r.server.forward) it->forward = *r.server.forward;
}

void apply(Config& c, const mgmt::DelServerRequest& r) {
    ServiceConfig& s = require_service(c, r.service);
    const auto it = find_server(s, r.server);
    if (it == s.real_servers.end()) no_server(s, r.service, r.server);
    s.real_servers.erase(it);
}

void apply(Config& c, const mgmt::SetServiceOptionsRequest& r) {
    ServiceConfig& s = require_service(c, r.service);
    if (r.server) {
        const auto it = find_server(s, *r.server);
        if (it == s.real_servers.end()) no_server(s, r.service, *r.server);
        try {
            apply_server_options_text(r.options, "server options", s, *it);
        } catch (const ConfigError& e) {
            throw mgmt::DaemonError(std::string("# dvs: options of ") + key_text(r.service) +
                                    " -r " + endpoint_text(r.server->address, r.server->port) +
                                    ": " + e.what());
        }
        return;
    }
    const std::optional<HealthCheckConfig> old_check = s.health_check;
    const std::optional<AgentCheckConfig> old_agent = s.agent_check;
    try {
        apply_service_options_text(r.options, "service options", s);
    } catch (const ConfigError& e) {
        throw mgmt::DaemonError(std::string("# dvs: options of ") + key_text(r.service) + ": " +
                                e.what());
    }
    // Servers without checks of their own follow the service's.
    for (RealServerConfig& rs : s.real_servers) {
        if (!rs.health_check_override && rs.health_check == old_check) {
            rs.health_check = s.health_check;
            if (rs.health_check && rs.health_check->type == CheckType::kNone)
                rs.health_check.reset();
        }
        if (!rs.agent_check_override && rs.agent_check == old_agent) rs.agent_check = s.agent_check;
    }
}

void apply(Config& c, const mgmt::SetTimeoutsRequest& r) {
    if (r.tcp) c.timeouts.tcp = r.tcp;
    if (r.tcp_fin) c.timeouts.tcp_fin = r.tcp_fin;
    if (r.udp) c.timeouts.udp = r.udp;
}

void apply(Config& c, const mgmt::ClearRequest&) { c.services.clear(); }

}  // namespace dvs::control::edits
