#include "control/config/config_writer.hpp"

#include <cstdio>
#include <sstream>

#include "common/text_codec.hpp"

namespace dvs::control {

namespace {

// A YAML double-quoted scalar: control characters escaped too, since a
// raw newline inside quotes would be folded into a space on reading.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// Every key of a check, so the written file does not depend on defaults.
std::string health_check_yaml(const HealthCheckConfig& h) {
    std::ostringstream o;
    o << "{ type: " << to_string(h.type);
    if (h.type == CheckType::kTcp || h.type == CheckType::kHttp || h.type == CheckType::kUdp) {
        if (h.port != 0) o << ", port: " << h.port;
    }
    if (h.type == CheckType::kHttp) {
        o << ", path: " << quoted(h.path) << ", expect_status: " << h.expect_status
          << ", expect_body: " << quoted(h.expect_body);
    }
    if (h.type == CheckType::kUdp) {
        o << ", send: " << quoted(h.send) << ", expect: " << quoted(h.expect);
    }
    if (h.type == CheckType::kExec) o << ", command: " << quoted(h.command);
    o << ", interval: " << format_duration_ms(h.interval_ms)
      << ", timeout: " << format_duration_ms(h.timeout_ms) << ", rise: " << h.rise
      << ", fall: " << h.fall << ", on_failure: " << to_string(h.on_failure) << " }";
    return o.str();
}

std::string agent_check_yaml(const AgentCheckConfig& a) {
    std::ostringstream o;
    o << "{ port: " << a.port;
    o << ", send: " << quoted(a.send);
    o << ", interval: " << format_duration_ms(a.interval_ms)
      << ", timeout: " << format_duration_ms(a.timeout_ms) << " }";
    return o.str();
}

// IPv6 text is quoted: a plain scalar with ':' is risky in a flow mapping.
std::string ip(const IpAddress& a) {
    return a.is_v6() ? "\"" + text::format_ip(a) + "\"" : text::format_ip(a);
}

std::string prefix(const IpPrefix& p) {
    return p.is_v6() ? "\"" + text::format_ip_prefix(p) + "\"" : text::format_ip_prefix(p);
}

void write_ha(std::ostream& o, const HaConfig& h) {
    o << "ha:\n  interface: " << quoted(h.interface) << "\n";
    if (h.sync.peer) {
        o << "  sync: { peer: " << ip(*h.sync.peer) << ", port: " << h.sync.port
          << ", flush_interval: " << h.sync.flush_interval_ms << "ms";
        if (!h.sync.key_file.empty()) o << ", key_file: " << quoted(h.sync.key_file);
        o << " }\n";
    }
    o << "  vrrp:\n";
    for (const VrrpInstanceConfig& v : h.vrrp) {
        o << "    - { name: " << v.name << ", vrid: " << unsigned{v.vrid}
          << ", priority: " << unsigned{v.priority} << ", advert_interval: " << v.advert_interval_ms
          << "ms"
          << ", preempt: " << (v.preempt ? "true" : "false")
          << ", preempt_delay: " << v.preempt_delay_ms << "ms, addresses: [";
        for (size_t i = 0; i < v.addresses.size(); ++i) {
            o << (i ? ", " : "") << ip(v.addresses[i]);
        }
        o << "] }\n";
    }
}

void write_fleet(std::ostream& o, const FleetConfig& f) {
    o << "fleet:\n  route_table: " << f.route_table << "\n";
    if (!f.interface.empty()) o << "  interface: " << quoted(f.interface) << "\n";
    o << "  start_drained: " << (f.start_drained ? "true" : "false")
      << "\n  shutdown_grace: " << format_duration_ms(f.shutdown_grace_ms)
      << "\n  bird_socket: " << quoted(f.bird_socket) << "\n";
}

void write_timeouts(std::ostream& o, const TimeoutConfig& t) {
    o << "timeouts: { tcp: " << t.tcp << ", tcp_syn: " << t.tcp_syn << ", tcp_fin: " << t.tcp_fin
      << ", tcp_close: " << t.tcp_close << ", udp: " << t.udp << " }\n";
}

void write_services(std::ostream& o, const std::vector<ServiceConfig>& services) {
    o << "services:" << (services.empty() ? " []\n" : "\n");
    for (const ServiceConfig& s : services) {
        o << "  - name: " << s.name << "\n    vip: " << ip(s.vip) << "\n    port: " << s.port
          << "\n    protocol: " << to_string(s.protocol) << "\n    scheduler: " << s.scheduler
          << "\n";
        if (s.sched_fallback || s.sched_port) {
            using text::SchedulerFlag;
            o << "    scheduler_flags: [";
            if (s.sched_fallback)
                o << text::scheduler_flag_name(s.scheduler, SchedulerFlag::kFallback);
            if (s.sched_fallback && s.sched_port) o << ", ";
            if (s.sched_port) o << text::scheduler_flag_name(s.scheduler, SchedulerFlag::kPort);
            o << "]\n";
        }
        if (s.scheduler == "mh") o << "    mh_table_size: " << s.mh_table_size << "\n";
        if (s.persistence) {
            o << "    persistence: { timeout: " << s.persistence->timeout;
            if (s.vip.is_v6()) {
                o << ", prefix_length: " << int{s.persistence->prefix_length} << " }\n";
            } else {
                o << ", netmask: " << format_ipv4(s.persistence->netmask) << " }\n";
            }
        }
        if (s.reset_on_remove) o << "    on_remove: reset\n";
        if (!s.reject_no_server) o << "    on_no_server: drop\n";
        if (s.max_half_open) o << "    max_half_open: " << *s.max_half_open << "\n";
        if (s.continuation)
            o << "    continuation: " << (*s.continuation ? "true" : "false") << "\n";
        if (s.health_check) o << "    health_check: " << health_check_yaml(*s.health_check) << "\n";
        if (s.agent_check) o << "    agent_check: " << agent_check_yaml(*s.agent_check) << "\n";
        if (s.sorry_server) {
            o << "    sorry_server: { address: " << ip(s.sorry_server->address);
            if (s.sorry_server->port != 0) o << ", port: " << s.sorry_server->port;
            o << ", forward: " << to_string(s.sorry_server->forward) << " }\n";
        }
        o << "    real_servers:" << (s.real_servers.empty() ? " []\n" : "\n");
        for (const RealServerConfig& r : s.real_servers) {
            o << "      - { address: " << ip(r.address);
            if (r.port != 0) o << ", port: " << r.port;
            o << ", weight: " << r.weight << ", forward: " << to_string(r.forward);
            // An override is written whole: the effective check, which read
            // back over the service's gives the same again.
            if (r.health_check_override) {
                o << ",\n          health_check: "
                  << (r.health_check ? health_check_yaml(*r.health_check) : "{ type: none }");
            }
            if (r.agent_check_override && r.agent_check) {
                o << ",\n          agent_check: " << agent_check_yaml(*r.agent_check);
            }
            o << " }\n";
        }
    }
}

}  // namespace

std::string config_to_yaml(const Config& c) {
    std::ostringstream o;
    o << "# Written by dvsd (save-yaml): the running configuration, loadable as is.\n";
    o << "dataplane:\n  eal: [";
    for (size_t i = 0; i < c.dataplane.eal.size(); ++i) {
        o << (i ? ", " : "") << quoted(c.dataplane.eal[i]);
    }
    o << "]\n  workers: " << c.dataplane.workers
      << "\n  conn_capacity: " << c.dataplane.conn_capacity;
    if (c.dataplane.conn6_capacity != 0) o << "\n  conn6_capacity: " << c.dataplane.conn6_capacity;
    o << "\n  mbufs: " << c.dataplane.mbufs << "\n  idle_sleep_us: " << c.dataplane.idle_sleep_us
      << "\n";
    o << "ports:\n";
    for (const PortConfig& p : c.ports) {
        o << "  - { name: " << p.name << ", device: " << quoted(p.device) << ", addresses: [";
        for (size_t i = 0; i < p.addresses.size(); ++i)
            o << (i ? ", " : "") << prefix(p.addresses[i]);
        o << "], mtu: " << p.mtu;
        if (p.mac) o << ", mac: " << quoted(format_mac(*p.mac));
        if (!p.kernel_interface.empty()) o << ", kernel_interface: " << p.kernel_interface;
        o << " }\n";
    }
    if (!c.routes.empty()) {
        o << "routes:\n";
        for (const RouteConfig& r : c.routes) {
            o << "  - { prefix: " << prefix(r.prefix) << ", via: " << ip(r.via)
              << ", port: " << r.port << " }\n";
        }
    }
    if (!c.neighbors.empty()) {
        o << "neighbors:\n";
        for (const NeighborConfig& n : c.neighbors) {
            o << "  - { address: " << ip(n.address) << ", mac: " << quoted(format_mac(n.mac))
              << ", port: " << n.port << " }\n";
        }
    }
    write_timeouts(o, c.timeouts);
    o << "management: { socket: " << quoted(c.management.socket);
    if (!c.management.group.empty()) o << ", group: " << quoted(c.management.group);
    o << " }\n";
    const ExceptionPathConfig& e = c.exception_path;
    o << "exception_path: { enabled: " << (e.enabled ? "true" : "false")
      << ", rate_limit_pps: " << e.rate_limit_pps << ", burst: " << e.burst
      << ", install_routes: " << (e.install_routes ? "true" : "false") << " }\n";
    if (c.monitoring.enabled) {
        const MonitoringConfig& m = c.monitoring;
        o << "monitoring:\n  listen: \"" << text::format_ip_bracketed(m.address) << ":" << m.port
          << "\"\n  allow: [";
        for (size_t i = 0; i < m.allow.size(); ++i) {
            o << (i ? ", " : "") << prefix(m.allow[i]);
        }
        o << "]\n  max_connections: " << m.max_connections
          << "\n  request_timeout: " << format_duration_ms(m.request_timeout_ms) << "\n";
    }
    if (!c.restart.state_file.empty()) {
        o << "restart: { state_file: " << quoted(c.restart.state_file)
          << (c.restart.when_needed ? ", when_needed: true" : "") << " }\n";
    }
    write_services(o, c.services);
    if (c.ha.enabled) write_ha(o, c.ha);
    if (c.fleet.enabled) write_fleet(o, c.fleet);
    if (!c.runtime_overlay.empty()) o << "runtime_overlay: " << quoted(c.runtime_overlay) << "\n";
    return o.str();
}

std::string service_options_yaml(const ServiceConfig& s) {
    std::ostringstream o;
    o << "{ name: " << s.name;
    if (s.scheduler == "mh") o << ", mh_table_size: " << s.mh_table_size;
    if (s.reset_on_remove) o << ", on_remove: reset";
    if (!s.reject_no_server) o << ", on_no_server: drop";
    if (s.max_half_open) o << ", max_half_open: " << *s.max_half_open;
    if (s.continuation) o << ", continuation: " << (*s.continuation ? "true" : "false");
    if (s.health_check) o << ", health_check: " << health_check_yaml(*s.health_check);
    if (s.agent_check) o << ", agent_check: " << agent_check_yaml(*s.agent_check);
    if (s.sorry_server) {
        o << ", sorry_server: { address: " << ip(s.sorry_server->address);
        if (s.sorry_server->port != 0) o << ", port: " << s.sorry_server->port;
        o << ", forward: " << to_string(s.sorry_server->forward) << " }";
    }
    o << " }";
    return o.str();
}

std::string server_options_yaml(const RealServerConfig& r) {
    std::string out;
    if (r.health_check_override) {
        out += "health_check: " +
               (r.health_check ? health_check_yaml(*r.health_check) : "{ type: none }");
    }
    if (r.agent_check_override && r.agent_check) {
        out += (out.empty() ? "" : ", ") + std::string("agent_check: ") +
               agent_check_yaml(*r.agent_check);
    }
    return out.empty() ? out : "{ " + out + " }";
}

std::string runtime_overlay_yaml(const Config& c, const std::string& stamp) {
    std::ostringstream o;
    o << "# Written by dvsd (dvsadm save-runtime, " << stamp << "): the running services and\n"
      << "# timeouts. They replace those of " << c.source << " while this file exists;\n"
      << "# delete it (and reload) to go back to that file's.\n";
    write_timeouts(o, c.timeouts);
    write_services(o, c.services);
    return o.str();
}

}  // namespace dvs::control
