// Cross-field and cross-section checks over a whole Config. The loader has
// already checked each field on its own, or the Config was made by a runtime
// change from values the management protocol checked; what is left are the
// relations. Messages name the key path; the SourceMap adds the position.

#include "control/config/validate.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <string_view>
#include <tuple>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"
#include "control/config/key_file.hpp"
#include "sched/registry.hpp"

namespace dvs::control {

namespace {

using text::format_ip;
using text::format_ipv4;

std::string at(const char* list, std::size_t index) {
    return std::string(list) + "[" + std::to_string(index) + "]";
}

std::string format_addresses(const PortConfig& port) {
    std::string out;
    for (const IpPrefix& a : port.addresses) {
        out += (out.empty() ? "" : ", ") + text::format_ip_prefix(a);
    }
    return out;
}

bool in_connected_subnet(const PortConfig& port, const IpAddress& ip) {
    return std::ranges::any_of(port.addresses, [&ip](const IpPrefix& a) { return a.contains(ip); });
}

bool on_any_port(const Config& c, const IpAddress& ip) {
    return std::ranges::any_of(c.ports,
                               [&ip](const PortConfig& p) { return in_connected_subnet(p, ip); });
}

bool on_any_port(const Config& c, uint32_t ip) { return on_any_port(c, IpAddress::v4(ip)); }

bool routable(const Config& c, const IpAddress& ip) {
    return on_any_port(c, ip) || std::ranges::any_of(c.routes, [&ip](const RouteConfig& r) {
               return r.prefix.contains(ip);
           });
}

bool routable(const Config& c, uint32_t ip) { return routable(c, IpAddress::v4(ip)); }

// A reference to a port by name: fails at `path` unless it names a defined port.
const PortConfig& referenced_port(const Config& c, const std::string& name, const SourceMap& where,
                                  const std::string& path) {
    for (const PortConfig& p : c.ports) {
        if (p.name == name) return p;
    }
    std::string defined;
    for (const PortConfig& p : c.ports) defined += (defined.empty() ? "" : ", ") + p.name;
    where.fail(path, "unknown port '" + name + "' (defined ports: " + defined + ")");
}

void check_ports(const Config& c, const SourceMap& where) {
    std::map<std::string, std::size_t> names;
    std::map<std::string, std::size_t> devices;
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const PortConfig& port = c.ports[i];
        if (auto [it, fresh] = names.emplace(port.name, i); !fresh) {
            where.fail(at("ports", i) + ".name", "duplicate port name '" + port.name +
                                                     "' (first used by ports[" +
                                                     std::to_string(it->second) + "])");
        }
        if (auto [it, fresh] = devices.emplace(port.device, i); !fresh) {
            where.fail(at("ports", i) + ".device", "device '" + port.device +
                                                       "' is already used by port '" +
                                                       c.ports[it->second].name + "'");
        }
    }
}

// The kernel interfaces must have valid, distinct names; checked when the
// exception path is on (a default name may be too long only then).
void check_kernel_interfaces(const Config& c, const SourceMap& where) {
    if (!c.exception_path.enabled) return;
    std::map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const PortConfig& port = c.ports[i];
        const std::string name = kernel_interface_name(port);
        const std::string key =
            at("ports", i) + (port.kernel_interface.empty() ? ".name" : ".kernel_interface");
        if (port.kernel_interface.empty()) {
            if (const std::string problem = interface_name_problem(name); !problem.empty()) {
                where.fail(key, "the default kernel interface name '" + name + "' " + problem +
                                    "; set kernel_interface");
            }
        }
        if (auto [it, fresh] = names.emplace(name, i); !fresh) {
            where.fail(key, "kernel interface '" + name + "' is already used by port '" +
                                c.ports[it->second].name + "'");
        }
    }
}

// `ip` must be on a connected subnet of the port `path`.port names: a
// gateway must be resolvable by ARP there, or the route can never forward
// anything; a static neighbour is only consulted for on-link next hops.
void check_on_link(const Config& c, const std::string& port_name, const IpAddress& ip,
                   const SourceMap& where, const std::string& path, const char* key,
                   const char* what) {
    const PortConfig& port = referenced_port(c, port_name, where, path + ".port");
    if (!in_connected_subnet(port, ip)) {
        where.fail(path + "." + key, std::string(what) + " " + format_ip(ip) +
                                         " is not in a connected subnet of port '" + port.name +
                                         "' (" + format_addresses(port) + ")");
    }
}

void check_routes_and_neighbors(const Config& c, const SourceMap& where) {
    for (std::size_t i = 0; i < c.routes.size(); ++i) {
        const RouteConfig& r = c.routes[i];
        check_on_link(c, r.port, r.via, where, at("routes", i), "via", "gateway");
    }
    for (std::size_t i = 0; i < c.neighbors.size(); ++i) {
        const NeighborConfig& n = c.neighbors[i];
        check_on_link(c, n.port, n.address, where, at("neighbors", i), "address", "neighbor");
    }
}

// Available names come from the scheduler registry, so a new scheduler
// needs no change here. LVS names we do not implement yet get a kinder
// message than a plain typo does.
void check_scheduler(const ServiceConfig& s, const SourceMap& where, const std::string& path) {
    if (sched::is_available(s.scheduler)) return;
    constexpr std::string_view kLvsNames[] = {"rr", "wrr", "lc", "wlc", "sed",  "nq",
                                              "sh", "dh",  "mh", "fo",  "lblc", "lblcr"};
    std::string available;
    for (std::string_view a : sched::available_schedulers()) {
        available += (available.empty() ? "" : ", ") + std::string(a);
    }
    const bool lvs = std::ranges::find(kLvsNames, s.scheduler) != std::end(kLvsNames);
    where.fail(path + ".scheduler", (lvs ? "scheduler '" + s.scheduler + "' is not implemented yet"
                                         : "unknown scheduler '" + s.scheduler + "'") +
                                        " (available: " + available + ")");
}

// Settings of one service that only make sense together.
void check_service_settings(const ServiceConfig& s, const SourceMap& where,
                            const std::string& path) {
    check_scheduler(s, where, path);
    // The loader ties each written flag to its scheduler; a runtime change
    // of scheduler may leave the flags of the old one behind.
    if ((s.sched_fallback || s.sched_port) && s.scheduler != "sh" && s.scheduler != "mh") {
        const std::string flag = s.scheduler + (s.sched_fallback ? "-fallback" : "-port");
        where.fail(path + ".scheduler_flags",
                   "unknown scheduler flag '" + flag +
                       "' (expected sh-fallback, sh-port, mh-fallback or mh-port)");
    }
    if (s.protocol != Protocol::kTcp && s.max_half_open.value_or(0) != 0) {
        where.fail(path + ".max_half_open", "max_half_open applies to tcp services only");
    }
    if (s.port != 0) return;
    // ipvsadm refuses a zero-port service that is not persistent: without a
    // template nothing keeps a client's ports together, which is its point.
    if (!s.persistence) {
        where.fail(path + ".port",
                   "port 0 (every port of the VIP) needs persistence, as in ipvsadm");
    }
    if (s.sorry_server && s.sorry_server->port != 0) {
        where.fail(path + ".sorry_server.port",
                   "a port-0 service keeps the client's destination port");
    }
    for (std::size_t j = 0; j < s.real_servers.size(); ++j) {
        if (s.real_servers[j].port == 0) continue;
        where.fail(path + "." + at("real_servers", j) + ".port",
                   "a port-0 service keeps the client's destination port: leave out the real "
                   "server's port");
    }
}

// DR and TUN deliver the client's packet unchanged, so the server sees the
// VIP's port; DR only rewrites the Ethernet header, so the server must sit
// on a segment the balancer is directly attached to.
void check_real_servers(const Config& c, const ServiceConfig& s, const SourceMap& where,
                        const std::string& service) {
    std::map<std::pair<IpAddress, uint16_t>, std::size_t> seen;
    for (std::size_t j = 0; j < s.real_servers.size(); ++j) {
        const RealServerConfig& rs = s.real_servers[j];
        const std::string path = service + "." + at("real_servers", j);
        const std::string endpoint =
            text::format_ip_bracketed(rs.address) + ":" + std::to_string(rs.port);
        // The loader checks this for the file; a runtime change may not have.
        if (rs.address.family != s.vip.family) {
            where.fail(path + ".address", "real server " + format_ip(rs.address) +
                                              " is not of the VIP's family (" + format_ip(s.vip) +
                                              ")");
        }
        if (auto [it, fresh] = seen.emplace(std::pair{rs.address, rs.port}, j); !fresh) {
            where.fail(path, "duplicate real server " + endpoint + " (same as real_servers[" +
                                 std::to_string(it->second) + "])");
        }
        if (rs.forward != ForwardMethod::kNat && rs.port != s.port) {
            where.fail(path + ".port", "forward: " + std::string(text::name(rs.forward)) +
                                           " cannot change the port: the real server receives "
                                           "the packet unchanged, so its port must be the "
                                           "service port " +
                                           std::to_string(s.port));
        }
        if (rs.forward == ForwardMethod::kDr && !on_any_port(c, rs.address)) {
            where.fail(path + ".address",
                       "real server " + format_ip(rs.address) +
                           " uses forward: dr but is not in a connected subnet of any port (DR "
                           "needs the real server on a directly attached segment)");
        }
        if (!routable(c, rs.address)) {
            where.fail(path + ".address",
                       "real server " + format_ip(rs.address) +
                           " is not routable (not in a port's subnet and no route covers it)");
        }
    }
}

void check_sorry_server(const Config& c, const ServiceConfig& s, const SourceMap& where,
                        const std::string& path) {
    const SorryServerConfig& sorry = *s.sorry_server;
    // The loader checks this for the file; a runtime change may not have.
    if (sorry.address.family != s.vip.family) {
        where.fail(path + ".address", "sorry server " + format_ip(sorry.address) +
                                          " is not of the VIP's family (" + format_ip(s.vip) + ")");
    }
    if (sorry.forward != ForwardMethod::kNat && sorry.port != s.port) {
        where.fail(path + ".port", "forward: " + std::string(text::name(sorry.forward)) +
                                       " cannot change the port: it must be the service port " +
                                       std::to_string(s.port));
    }
    if (sorry.forward == ForwardMethod::kDr && !on_any_port(c, sorry.address)) {
        where.fail(path + ".address", "sorry server " + format_ip(sorry.address) +
                                          " uses forward: dr but is not in a connected subnet "
                                          "of any port");
    }
    if (!routable(c, sorry.address)) {
        where.fail(path + ".address", "sorry server " + format_ip(sorry.address) +
                                          " is not routable (not in a port's subnet and no "
                                          "route covers it)");
    }
    // It is scheduled only when no real server is: being both makes no sense,
    // and it would share the real server's id and counters.
    for (const RealServerConfig& rs : s.real_servers) {
        if (rs.address == sorry.address && rs.port == sorry.port) {
            where.fail(path, "sorry server " + text::format_ip_bracketed(sorry.address) + ":" +
                                 std::to_string(sorry.port) +
                                 " is also a real server of the service");
        }
    }
}

// The loader ties each granularity key to its family; a runtime change
// (dvsadm -M) may not have.
void check_persistence_family(const ServiceConfig& s, const SourceMap& where,
                              const std::string& path) {
    if (!s.persistence) return;
    if (s.vip.is_v6() && s.persistence->netmask != 0xffffffff) {
        where.fail(path + ".persistence.netmask",
                   "netmask is for IPv4 services; an IPv6 service takes prefix_length (1..128)");
    }
    if (s.vip.is_v4() && s.persistence->prefix_length != 128) {
        where.fail(path + ".persistence.prefix_length",
                   "prefix_length is for IPv6 services; an IPv4 service takes netmask");
    }
    if (s.persistence->prefix_length < 1 || s.persistence->prefix_length > 128) {
        where.fail(path + ".persistence.prefix_length",
                   "prefix_length " + std::to_string(s.persistence->prefix_length) +
                       " is out of range (1..128)");
    }
}

void check_services(const Config& c, const SourceMap& where) {
    std::map<std::string, std::size_t> names;
    std::map<std::tuple<IpAddress, uint16_t, Protocol>, std::size_t> endpoints;
    for (std::size_t i = 0; i < c.services.size(); ++i) {
        const ServiceConfig& s = c.services[i];
        const std::string path = at("services", i);
        check_service_settings(s, where, path);
        if (auto [it, fresh] = names.emplace(s.name, i); !fresh) {
            where.fail(path + ".name", "duplicate service name '" + s.name +
                                           "' (first used by services[" +
                                           std::to_string(it->second) + "])");
        }
        if (auto [it, fresh] = endpoints.emplace(std::tuple{s.vip, s.port, s.protocol}, i);
            !fresh) {
            where.fail(path,
                       "duplicate service " + text::format_ip_bracketed(s.vip) + ":" +
                           std::to_string(s.port) + "/" + std::string(text::name(s.protocol)) +
                           " (already defined by service '" + c.services[it->second].name + "')");
        }
        // The balancer answers for its own addresses itself (ARP, SSH,
        // health checks); a VIP there would steal that traffic.
        for (const PortConfig& port : c.ports) {
            for (const IpPrefix& a : port.addresses) {
                if (a.address == s.vip) {
                    where.fail(path + ".vip", "VIP " + format_ip(s.vip) +
                                                  " is an address of port '" + port.name + "'");
                }
            }
        }
        check_real_servers(c, s, where, path);
        check_persistence_family(s, where, path);
        if (s.sorry_server) check_sorry_server(c, s, where, path + ".sorry_server");
        if (s.scheduler == "mh" && s.real_servers.size() > s.mh_table_size) {
            where.fail(path, "mh_table_size " + std::to_string(s.mh_table_size) +
                                 " is smaller than the number of real servers (" +
                                 std::to_string(s.real_servers.size()) + ")");
        }
    }
}

// A VRRP address is one this box takes over or gives up: a port's floating
// address (not its first one of that family, the source of everything dvsd
// sends on that subnet, so it must stay) or a service VIP.
void check_vrrp_address(const Config& c, const IpAddress& ip, const SourceMap& where,
                        const std::string& path) {
    bool known =
        std::ranges::any_of(c.services, [&ip](const ServiceConfig& s) { return s.vip == ip; });
    for (const PortConfig& port : c.ports) {
        bool first_of_family = true;  // the port's first address of ip's family
        for (const IpPrefix& pa : port.addresses) {
            if (pa.address.family != ip.family) continue;
            if (pa.address == ip) {
                if (first_of_family) {
                    where.fail(path, format_ip(ip) + " is the first " +
                                         (ip.is_v6() ? "IPv6 " : "") + "address of port '" +
                                         port.name +
                                         "', the box's own: list it after a fixed address of the "
                                         "port (the source of what dvsd sends)");
                }
                known = true;
            }
            first_of_family = false;
        }
    }
    if (!known) {
        where.fail(path, format_ip(ip) + " is neither an address of a port nor a service VIP");
    }
}

// Each address belongs to one instance; names are unique, and VRIDs within
// a family (an IPv4 and an IPv6 instance are separate virtual routers, RFC
// 5798 5.1, and may share one).
void check_ha(const Config& c, const SourceMap& where) {
    if (!c.ha.enabled) return;
    if (!c.ha.sync.key_file.empty()) {
        const KeyFile key = read_key_file(c.ha.sync.key_file);
        if (!key.problem.empty()) where.fail("ha.sync.key_file", key.problem);
    }
    std::map<std::string, std::size_t> names;
    std::map<std::pair<AddressFamily, uint8_t>, std::size_t> vrids;
    std::map<IpAddress, std::size_t> owner;
    for (std::size_t i = 0; i < c.ha.vrrp.size(); ++i) {
        const VrrpInstanceConfig& v = c.ha.vrrp[i];
        const std::string path = "ha." + at("vrrp", i);
        if (auto [it, fresh] = names.emplace(v.name, i); !fresh) {
            where.fail(path + ".name", "duplicate VRRP instance name '" + v.name + "'");
        }
        if (auto [it, fresh] = vrids.emplace(std::pair{v.family(), v.vrid}, i); !fresh) {
            where.fail(path + ".vrid", "vrid " + std::to_string(v.vrid) + " is already used by " +
                                           (v.family() == AddressFamily::kIpv6 ? "IPv6" : "IPv4") +
                                           " instance '" + c.ha.vrrp[it->second].name + "'");
        }
        for (std::size_t a = 0; a < v.addresses.size(); ++a) {
            const IpAddress& ip = v.addresses[a];
            const std::string address = path + "." + at("addresses", a);
            if (auto [it, fresh] = owner.emplace(ip, i); !fresh) {
                where.fail(address, format_ip(ip) + " already belongs to instance '" +
                                        c.ha.vrrp[it->second].name + "'");
            }
            check_vrrp_address(c, ip, where, address);
        }
        // On a port's exception-path interface an IPv6 instance sends from
        // the interface's link-local address, which only a port with an
        // IPv6 address gives it (the tap's IPv6 is off otherwise).
        if (v.family() == AddressFamily::kIpv6 && c.exception_path.enabled) {
            for (const PortConfig& port : c.ports) {
                if (kernel_interface_name(port) != c.ha.interface) continue;
                const bool v6 = std::ranges::any_of(
                    port.addresses, [](const IpPrefix& p) { return p.address.is_v6(); });
                if (v6) continue;
                where.fail(path, "IPv6 instance '" + v.name + "' on ha.interface " +
                                     c.ha.interface + ", port '" + port.name +
                                     "''s exception-path interface, but the port has no IPv6 "
                                     "address (without one its interface has no IPv6 and no "
                                     "link-local address to send adverts from)");
            }
        }
    }
}

// The listener is the control thread's, on a kernel address: a VIP (or a
// VRRP address, which floats to the peer) belongs to the dataplane, whose
// traffic never reaches the kernel's socket, and a VIP that later moves
// would take the metrics with it.
void check_monitoring(const Config& c, const SourceMap& where) {
    if (!c.monitoring.enabled) return;
    const IpAddress& ip = c.monitoring.address;
    for (std::size_t i = 0; i < c.services.size(); ++i) {
        if (c.services[i].vip == ip) {
            where.fail("monitoring.listen", text::format_ip(ip) + " is the VIP of service '" +
                                                c.services[i].name +
                                                "': listen on a management address");
        }
    }
    for (const VrrpInstanceConfig& v : c.ha.vrrp) {
        if (std::ranges::find(v.addresses, ip) != v.addresses.end()) {
            where.fail("monitoring.listen", text::format_ip(ip) +
                                                " is an address of VRRP instance '" + v.name +
                                                "': listen on a management address");
        }
    }
}

// The VIP routes need an interface: the exception path's, unless named.
void check_fleet(const Config& c, const SourceMap& where) {
    if (!c.fleet.enabled) return;
    if (c.fleet.interface.empty() && !c.exception_path.enabled) {
        where.fail("fleet",
                   "needs exception_path (BIRD talks BGP through it and the VIP routes "
                   "point at its interface) or fleet.interface");
    }
}

}  // namespace

std::string interface_name_problem(const std::string& name) {
    if (name.empty() || name.size() > 15) {
        return "is not 1..15 characters long (a Linux interface name)";
    }
    if (name == "." || name == "..") return "is not a valid interface name";
    for (char c : name) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!word) return "may contain only letters, digits, '-', '_' and '.'";
    }
    return {};
}

// The state file's directory must be there when dvsd saves into it (at
// SIGTERM, too late to say so).
void check_restart(const Config& c, const SourceMap& where) {
    if (c.restart.state_file.empty()) return;
    const std::filesystem::path dir = std::filesystem::path(c.restart.state_file).parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        where.fail("restart.state_file", "directory " + dir.string() + " does not exist");
    }
}

void validate(const Config& config, const SourceMap& positions) {
    check_ports(config, positions);
    check_kernel_interfaces(config, positions);
    check_routes_and_neighbors(config, positions);
    check_services(config, positions);
    check_ha(config, positions);
    check_fleet(config, positions);
    check_monitoring(config, positions);
    check_restart(config, positions);
}

}  // namespace dvs::control
