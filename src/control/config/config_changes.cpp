#include "control/config/config_changes.hpp"

#include <algorithm>
#include <optional>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"
#include "control/config/config_diff.hpp"

namespace dvs::control {

namespace {

const char* protocol_flag(Protocol p) {
    switch (p) {
        case Protocol::kUdp:
            return "-u";
        default:
            return "-t";
    }
}

std::string service_text(const ServiceConfig& s) {
    return std::string(protocol_flag(s.protocol)) + " " + text::format_ip(s.vip) + ":" +
           std::to_string(s.port) + " (" + s.name + ")";
}

uint16_t rs_port(const ServiceConfig& s, const RealServerConfig& r) {
    return r.port != 0 ? r.port : s.port;
}

std::string server_text(const ServiceConfig& s, const RealServerConfig& r) {
    return "-r " + text::format_ip(r.address) + ":" + std::to_string(rs_port(s, r));
}

std::string persistence_text(const std::optional<PersistenceConfig>& p) {
    if (!p) return "none";
    std::string out = std::to_string(p->timeout) + "s";
    if (p->netmask != 0xffffffff) out += " netmask " + format_ipv4(p->netmask);
    if (p->prefix_length != 128) out += " prefix_length " + std::to_string(p->prefix_length);
    return out;
}

std::string flags_text(const ServiceConfig& s) {
    std::string out;
    if (s.sched_fallback) out += s.scheduler + "-fallback";
    if (s.sched_port) out += (out.empty() ? "" : ",") + s.scheduler + "-port";
    return out.empty() ? "none" : out;
}

const ServiceConfig* find_service(const Config& c, const ServiceConfig& like) {
    for (const ServiceConfig& s : c.services) {
        if (s.vip == like.vip && s.port == like.port && s.protocol == like.protocol) return &s;
    }
    return nullptr;
}

const RealServerConfig* find_server(const ServiceConfig& s, const ServiceConfig& like_service,
                                    const RealServerConfig& like) {
    for (const RealServerConfig& r : s.real_servers) {
        if (r.address == like.address && rs_port(s, r) == rs_port(like_service, like)) return &r;
    }
    return nullptr;
}

// "what before -> after" when they differ.
void field(std::vector<std::string>& parts, const char* what, const std::string& before,
           const std::string& after) {
    if (before != after) parts.push_back(std::string(what) + " " + before + " -> " + after);
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

void service_changes(const ServiceConfig& b, const ServiceConfig& a,
                     std::vector<std::string>& out) {
    std::vector<std::string> parts;
    field(parts, "name", b.name, a.name);
    field(parts, "scheduler", b.scheduler, a.scheduler);
    field(parts, "flags", flags_text(b), flags_text(a));
    field(parts, "persistence", persistence_text(b.persistence), persistence_text(a.persistence));
    if (b.health_check != a.health_check) parts.push_back("health_check changed");
    if (b.agent_check != a.agent_check) parts.push_back("agent_check changed");
    if (b.sorry_server != a.sorry_server) parts.push_back("sorry_server changed");
    if (b.reset_on_remove != a.reset_on_remove || b.reject_no_server != a.reject_no_server ||
        b.max_half_open != a.max_half_open || b.mh_table_size != a.mh_table_size) {
        parts.push_back("other service keys changed");
    }
    if (!parts.empty()) out.push_back("-E " + service_text(a) + ": " + joined(parts));
    for (const RealServerConfig& r : a.real_servers) {
        const RealServerConfig* old = find_server(b, a, r);
        if (old == nullptr) {
            out.push_back("-a " + service_text(a) + " " + server_text(a, r) + " " +
                          std::string(text::ipvsadm_switch(r.forward)) + " -w " +
                          std::to_string(r.weight));
            continue;
        }
        std::vector<std::string> rs;
        field(rs, "weight", std::to_string(old->weight), std::to_string(r.weight));
        field(rs, "forward", to_string(old->forward), to_string(r.forward));
        if (old->health_check != r.health_check || old->agent_check != r.agent_check) {
            rs.push_back("checks changed");
        }
        if (!rs.empty()) {
            out.push_back("-e " + service_text(a) + " " + server_text(a, r) + ": " + joined(rs));
        }
    }
    for (const RealServerConfig& r : b.real_servers) {
        if (find_server(a, b, r) == nullptr) {
            out.push_back("-d " + service_text(a) + " " + server_text(b, r));
        }
    }
}

// "services[12]" at `at` -> 12, advancing `at` past it; nullopt otherwise.
std::optional<size_t> index_after(const std::string& text, const std::string& key, size_t& at) {
    if (text.compare(at, key.size() + 1, key + "[") != 0) return std::nullopt;
    const size_t close = text.find(']', at);
    if (close == std::string::npos) return std::nullopt;
    size_t n = 0;
    for (size_t i = at + key.size() + 1; i < close; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        n = n * 10 + static_cast<size_t>(text[i] - '0');
    }
    at = close + 1;
    return n;
}

}  // namespace

std::string in_dvsadm_terms(const Config& config, const std::string& message) {
    std::string rest = message;
    // Drop "ORIGIN[:LINE:COL]: ".
    if (rest.rfind(config.source, 0) == 0 && !config.source.empty()) {
        size_t at = config.source.size();
        while (at < rest.size() && (rest[at] == ':' || (rest[at] >= '0' && rest[at] <= '9'))) ++at;
        while (at < rest.size() && rest[at] == ' ') ++at;
        rest = rest.substr(at);
    }
    size_t at = 0;
    const std::optional<size_t> si = index_after(rest, "services", at);
    if (!si || *si >= config.services.size()) return rest;
    const ServiceConfig& s = config.services[*si];
    std::string out = service_text(s);
    if (at < rest.size() && rest[at] == '.') {
        size_t after = at + 1;
        if (const auto ri = index_after(rest, "real_servers", after);
            ri && *ri < s.real_servers.size()) {
            out += " " + server_text(s, s.real_servers[*ri]);
            at = after;
        }
    }
    if (at < rest.size() && rest[at] == '.') ++at;
    if (at < rest.size() && rest[at] == ':') return out + rest.substr(at);
    return out + ": " + rest.substr(at);
}

std::vector<std::string> describe_changes(const Config& before, const Config& after) {
    std::vector<std::string> out;
    for (const std::string& key : restart_only_changes(before, after)) {
        out.push_back(key + ": changed (needs a restart)");
    }
    for (const PortAddressChange& c : port_address_changes(before, after)) {
        for (const IpPrefix& p : c.added) {
            out.push_back("port " + c.name + ": address " + text::format_ip_prefix(p) + " added");
        }
        for (const IpPrefix& p : c.removed) {
            out.push_back("port " + c.name + ": address " + text::format_ip_prefix(p) + " removed");
        }
    }
    if (before.routes != after.routes) out.push_back("routes: changed");
    if (before.neighbors != after.neighbors) out.push_back("neighbors: changed");
    if (before.restart != after.restart) out.push_back("restart: changed");
    std::vector<std::string> t;
    field(t, "tcp", std::to_string(before.timeouts.tcp), std::to_string(after.timeouts.tcp));
    field(t, "tcp_syn", std::to_string(before.timeouts.tcp_syn),
          std::to_string(after.timeouts.tcp_syn));
    field(t, "tcp_fin", std::to_string(before.timeouts.tcp_fin),
          std::to_string(after.timeouts.tcp_fin));
    field(t, "tcp_close", std::to_string(before.timeouts.tcp_close),
          std::to_string(after.timeouts.tcp_close));
    field(t, "udp", std::to_string(before.timeouts.udp), std::to_string(after.timeouts.udp));
    if (!t.empty()) out.push_back("--set: " + joined(t));
    for (const ServiceConfig& s : after.services) {
        const ServiceConfig* old = find_service(before, s);
        if (old == nullptr) {
            std::string line = "-A " + service_text(s) + " -s " + s.scheduler;
            if (s.persistence) line += " -p " + std::to_string(s.persistence->timeout);
            out.push_back(line);
            for (const RealServerConfig& r : s.real_servers) {
                out.push_back("-a " + service_text(s) + " " + server_text(s, r) + " " +
                              std::string(text::ipvsadm_switch(r.forward)) + " -w " +
                              std::to_string(r.weight));
            }
            continue;
        }
        service_changes(*old, s, out);
    }
    for (const ServiceConfig& s : before.services) {
        if (find_service(after, s) == nullptr) out.push_back("-D " + service_text(s));
    }
    return out;
}

}  // namespace dvs::control
