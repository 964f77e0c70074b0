#include "control/config_writer.hpp"

#include <sstream>

namespace dvs::control {

namespace {

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string prefix(const Ipv4Prefix& p) {
    return format_ipv4(p.address) + "/" + std::to_string(p.length);
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
      << "\n  conn_capacity: " << c.dataplane.conn_capacity
      << "\n  mbufs: " << c.dataplane.mbufs
      << "\n  idle_sleep_us: " << c.dataplane.idle_sleep_us << "\n";
    o << "ports:\n";
    for (const PortConfig& p : c.ports) {
        o << "  - { name: " << p.name << ", device: " << quoted(p.device) << ", addresses: [";
        for (size_t i = 0; i < p.addresses.size(); ++i) o << (i ? ", " : "") << prefix(p.addresses[i]);
        o << "], mtu: " << p.mtu;
        if (p.mac) o << ", mac: " << quoted(format_mac(*p.mac));
        if (!p.kernel_interface.empty()) o << ", kernel_interface: " << p.kernel_interface;
        o << " }\n";
    }
    if (!c.routes.empty()) {
        o << "routes:\n";
        for (const RouteConfig& r : c.routes) {
            o << "  - { prefix: " << prefix(r.prefix) << ", via: " << format_ipv4(r.via)
              << ", port: " << r.port << " }\n";
        }
    }
    if (!c.neighbors.empty()) {
        o << "neighbors:\n";
        for (const NeighborConfig& n : c.neighbors) {
            o << "  - { address: " << format_ipv4(n.address) << ", mac: " << quoted(format_mac(n.mac))
              << ", port: " << n.port << " }\n";
        }
    }
    const TimeoutConfig& t = c.timeouts;
    o << "timeouts: { tcp: " << t.tcp << ", tcp_syn: " << t.tcp_syn << ", tcp_fin: " << t.tcp_fin
      << ", tcp_close: " << t.tcp_close << ", udp: " << t.udp << " }\n";
    o << "management: { socket: " << quoted(c.management.socket) << " }\n";
    const ExceptionPathConfig& e = c.exception_path;
    o << "exception_path: { enabled: " << (e.enabled ? "true" : "false")
      << ", rate_limit_pps: " << e.rate_limit_pps << ", burst: " << e.burst
      << ", install_routes: " << (e.install_routes ? "true" : "false") << " }\n";
    o << "services:" << (c.services.empty() ? " []\n" : "\n");
    for (const ServiceConfig& s : c.services) {
        o << "  - name: " << s.name << "\n    vip: " << format_ipv4(s.vip) << "\n    port: " << s.port
          << "\n    protocol: " << to_string(s.protocol) << "\n    scheduler: " << s.scheduler << "\n";
        if (s.sched_fallback || s.sched_port) {
            const std::string owner = s.scheduler;
            o << "    scheduler_flags: [";
            bool first = true;
            if (s.sched_fallback) {
                o << owner << "-fallback";
                first = false;
            }
            if (s.sched_port) o << (first ? "" : ", ") << owner << "-port";
            o << "]\n";
        }
        if (s.scheduler == "mh") o << "    mh_table_size: " << s.mh_table_size << "\n";
        if (s.persistence) {
            o << "    persistence: { timeout: " << s.persistence->timeout
              << ", netmask: " << format_ipv4(s.persistence->netmask) << " }\n";
        }
        o << "    real_servers:" << (s.real_servers.empty() ? " []\n" : "\n");
        for (const RealServerConfig& r : s.real_servers) {
            o << "      - { address: " << format_ipv4(r.address);
            if (r.port != 0) o << ", port: " << r.port;
            o << ", weight: " << r.weight << ", forward: " << to_string(r.forward) << " }\n";
        }
    }
    return o.str();
}

}  // namespace dvs::control
