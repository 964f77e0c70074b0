// YAML -> Config, once: each section's reader checks its own keys, types
// and value ranges (what only the text can tell: an unknown key, a typo in an
// address, a flag naming another scheduler) and records where every key was
// written. Relations between fields and sections are validate()'s
// (validate.cpp), which works from the Config and those positions alone.

#include "control/config/yaml_loader.hpp"

#include <grp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>
#include <string_view>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"
#include "control/config/validate.hpp"
#include "control/config/yaml_errors.hpp"
#include "control/config/yaml_limits.hpp"
#include "control/config/yaml_reader.hpp"

namespace dvs::control {

namespace {

using text::format_duration_ms;
using text::format_ipv4;

// ---------------------------------------------------------------------------
// Schema pass: one function per section. Each one checks its own keys and
// value ranges; relations between fields and sections are validate()'s.

DataplaneConfig read_dataplane(const Reader& r) {
    DataplaneConfig d;
    r.check_keys({"eal", "workers", "conn_capacity", "conn6_capacity", "mbufs", "idle_sleep_us"});
    if (auto eal = r.optional("eal")) {
        for (const Reader& arg : eal->items()) d.eal.push_back(arg.string());
    }
    if (auto v = r.optional("workers")) d.workers = v->integer(1, 64);
    if (auto v = r.optional("conn_capacity")) d.conn_capacity = v->integer(1024, 268435456);
    if (auto v = r.optional("conn6_capacity")) d.conn6_capacity = v->integer(1024, 268435456);
    if (auto v = r.optional("mbufs")) d.mbufs = v->integer(1023, 4194303);
    if (auto v = r.optional("idle_sleep_us")) d.idle_sleep_us = v->integer(0, 100000);
    return d;
}

PortConfig read_port(const Reader& r) {
    PortConfig p;
    r.check_keys({"name", "device", "addresses", "mtu", "mac", "kernel_interface"});
    p.name = r.required("name").name();
    p.device = r.required("device").string();
    const Reader addresses = r.required("addresses");
    for (const Reader& a : addresses.items()) p.addresses.push_back(a.ip_prefix());
    if (p.addresses.empty()) addresses.fail("at least one address is required");
    if (auto v = r.optional("mtu")) p.mtu = static_cast<uint16_t>(v->integer(576, 9000));
    if (auto v = r.optional("mac")) {
        p.mac = v->mac();
        if ((*p.mac)[0] & 1) v->fail("a port MAC must be unicast (first octet even)");
    }
    if (auto v = r.optional("kernel_interface")) {
        p.kernel_interface = v->string();
        if (const std::string problem = interface_name_problem(p.kernel_interface);
            !problem.empty()) {
            v->fail("'" + p.kernel_interface + "' " + problem);
        }
    }
    return p;
}

ExceptionPathConfig read_exception_path(const Reader& r) {
    ExceptionPathConfig e;
    r.check_keys({"enabled", "rate_limit_pps", "burst", "install_routes"});
    if (auto v = r.optional("enabled")) e.enabled = v->boolean();
    if (auto v = r.optional("rate_limit_pps")) e.rate_limit_pps = v->integer(0, 10000000);
    if (auto v = r.optional("burst")) e.burst = v->integer(1, 65536);
    if (auto v = r.optional("install_routes")) e.install_routes = v->boolean();
    return e;
}

VrrpInstanceConfig read_vrrp_instance(const Reader& r) {
    VrrpInstanceConfig v;
    r.check_keys(
        {"name", "vrid", "priority", "advert_interval", "preempt", "preempt_delay", "addresses"});
    v.name = r.required("name").name();
    v.vrid = static_cast<uint8_t>(r.required("vrid").integer(1, 255));
    if (auto x = r.optional("priority")) v.priority = static_cast<uint8_t>(x->integer(1, 255));
    // 12 bits of centiseconds on the wire (RFC 5798 5.2.7).
    if (auto x = r.optional("advert_interval")) {
        v.advert_interval_ms = x->duration_ms(10, 40950);
        if (v.advert_interval_ms % 10 != 0) {
            x->fail("advert_interval must be a multiple of 10ms (centiseconds on the wire)");
        }
    }
    if (auto x = r.optional("preempt")) v.preempt = x->boolean();
    if (auto x = r.optional("preempt_delay")) v.preempt_delay_ms = x->duration_ms(0, 3600000);
    const Reader addresses = r.required("addresses");
    for (const Reader& a : addresses.items()) {
        const IpAddress ip = a.ip();
        if (!v.addresses.empty() && ip.family != v.family()) {
            const bool v6 = ip.is_v6();
            a.fail(std::string("an IPv") + (v6 ? "6" : "4") +
                   " address in an instance whose first " + "address is IPv" + (v6 ? "4" : "6") +
                   ": a VRRP instance has one address family (RFC 5798); list the IPv" +
                   (v6 ? "6" : "4") + " addresses in an instance of their own (it may use vrid " +
                   std::to_string(v.vrid) + " too)");
        }
        v.addresses.push_back(ip);
    }
    if (v.addresses.empty()) addresses.fail("at least one address is required");
    return v;
}

// A host a UDP stream can be sent to: not 0.0.0.0 or ::, not multicast
// (224.0.0.0/4, ff00::/8), not broadcast (IPv4's class E included).
bool is_unicast(const IpAddress& a) {
    if (a.is_unspecified()) return false;
    if (a.is_v4()) return a.to_v4() < 0xe0000000u;
    return a.bytes[0] != 0xff;
}

HaConfig read_ha(const Reader& r) {
    HaConfig h;
    h.enabled = true;
    r.check_keys({"interface", "sync", "vrrp"});
    const Reader iface = r.required("interface");
    h.interface = iface.string();
    if (const std::string problem = interface_name_problem(h.interface); !problem.empty()) {
        iface.fail("'" + h.interface + "' " + problem);
    }
    if (auto s = r.optional("sync")) {
        s->check_keys({"peer", "port", "flush_interval", "key_file"});
        const Reader peer = s->required("peer");
        h.sync.peer = peer.ip();
        if (!is_unicast(*h.sync.peer)) peer.fail("the sync peer must be a unicast address");
        if (auto x = s->optional("port")) h.sync.port = static_cast<uint16_t>(x->integer(1, 65535));
        if (auto x = s->optional("flush_interval"))
            h.sync.flush_interval_ms = x->duration_ms(1, 1000);
        if (auto x = s->optional("key_file")) {
            h.sync.key_file = x->string();
            if (h.sync.key_file.front() != '/') x->fail("the key file must be an absolute path");
        }
    }
    const Reader vrrp = r.required("vrrp");
    for (const Reader& item : vrrp.items()) h.vrrp.push_back(read_vrrp_instance(item));
    if (h.vrrp.empty()) vrrp.fail("at least one VRRP instance is required");
    return h;
}

FleetConfig read_fleet(const Reader& r) {
    FleetConfig f;
    f.enabled = true;
    r.check_keys({"route_table", "interface", "start_drained", "shutdown_grace", "bird_socket"});
    // 253..255 are the kernel's default, main and local tables.
    f.route_table = static_cast<uint32_t>(r.required("route_table").integer(1, 252));
    if (auto v = r.optional("interface")) {
        f.interface = v->string();
        if (const std::string problem = interface_name_problem(f.interface); !problem.empty()) {
            v->fail("'" + f.interface + "' " + problem);
        }
    }
    if (auto v = r.optional("start_drained")) f.start_drained = v->boolean();
    if (auto v = r.optional("shutdown_grace")) f.shutdown_grace_ms = v->duration_ms(0, 3600000);
    if (auto v = r.optional("bird_socket")) {
        f.bird_socket = v->text();  // "": do not ask BIRD (dvsadm fleet says so)
        if (!f.bird_socket.empty() && f.bird_socket.front() != '/') {
            v->fail("the BIRD control socket must be an absolute path");
        }
    }
    return f;
}

RouteConfig read_route(const Reader& r) {
    RouteConfig route;
    r.check_keys({"prefix", "via", "port"});
    const Reader prefix = r.required("prefix");
    route.prefix = prefix.ip_prefix();
    // A route with host bits set is almost always a typo for another prefix.
    if (route.prefix.network() != route.prefix.address) {
        const IpPrefix network{route.prefix.network(), route.prefix.length};
        prefix.fail("host bits are set in " + prefix.node().Scalar() + " (did you mean " +
                    text::format_ip_prefix(network) + "?)");
    }
    const Reader via = r.required("via");
    route.via = via.ip();
    if (route.via.family != route.prefix.address.family) {
        via.fail("gateway " + text::format_ip(route.via) + " is not of the prefix's family");
    }
    route.port = r.required("port").name();
    return route;
}

NeighborConfig read_neighbor(const Reader& r) {
    NeighborConfig n;
    r.check_keys({"address", "mac", "port"});
    n.address = r.required("address").ip();
    n.mac = r.required("mac").mac();
    n.port = r.required("port").name();
    return n;
}

TimeoutConfig read_timeouts(const Reader& r) {
    TimeoutConfig t;
    r.check_keys({"tcp", "tcp_syn", "tcp_fin", "tcp_close", "udp"});
    constexpr uint32_t kMaxSeconds = 2592000;  // 30 days, as ipvsadm allows
    if (auto v = r.optional("tcp")) t.tcp = v->integer(1, kMaxSeconds);
    if (auto v = r.optional("tcp_syn")) t.tcp_syn = v->integer(1, kMaxSeconds);
    if (auto v = r.optional("tcp_fin")) t.tcp_fin = v->integer(1, kMaxSeconds);
    if (auto v = r.optional("tcp_close")) t.tcp_close = v->integer(1, kMaxSeconds);
    if (auto v = r.optional("udp")) t.udp = v->integer(1, kMaxSeconds);
    return t;
}

ManagementConfig read_management(const Reader& r) {
    ManagementConfig m;
    r.check_keys({"socket", "group"});
    if (auto v = r.optional("socket")) {
        m.socket = v->string();
        // sockaddr_un.sun_path holds 108 bytes including the terminating NUL;
        // failing here beats a bind() error after the dataplane is up.
        if (m.socket.size() > 107) v->fail("socket path is longer than 107 bytes");
    }
    if (auto v = r.optional("group")) {
        // A name or a numeric gid; unknown names fail here, not at bind time.
        m.group = v->string();
        if (!m.group.empty() && m.group.find_first_not_of("0123456789") == std::string::npos) {
            m.gid = static_cast<uint32_t>(v->integer(0, 4294967294));
        } else {
            const ::group* g = ::getgrnam(m.group.c_str());
            if (g == nullptr) v->fail("no group '" + m.group + "' on this system");
            m.gid = static_cast<uint32_t>(g->gr_gid);
        }
    }
    return m;
}

RestartConfig read_restart(const Reader& r) {
    RestartConfig c;
    r.check_keys({"state_file", "when_needed"});
    if (auto v = r.optional("state_file")) {
        c.state_file = v->string();
        if (c.state_file.empty() || c.state_file.front() != '/') {
            v->fail("the state file must be an absolute path");
        }
    }
    if (auto v = r.optional("when_needed")) {
        c.when_needed = v->boolean();
        if (c.when_needed && c.state_file.empty()) {
            v->fail("a controlled restart keeps connections in restart.state_file: set it too");
        }
    }
    return c;
}

// listen: ADDRESS:PORT, an IPv6 address in brackets ([::1]:9110, as in a
// URL: unbracketed, 2001:db8::1:9110 is itself an address); allow: client
// prefixes of either family (10.0.0.0/8, 2001:db8::/32).
MonitoringConfig read_monitoring(const Reader& r) {
    MonitoringConfig m;
    m.enabled = true;
    r.check_keys({"listen", "allow", "max_connections", "request_timeout"});
    const Reader listen = r.required("listen");
    const std::string text = listen.string();
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) listen.fail("expected ADDRESS:PORT, got '" + text + "'");
    if (text.front() != '[' && text::parse_ip(text)) {
        listen.fail("expected ADDRESS:PORT with an IPv6 address in brackets ([::1]:9110), got '" +
                    text + "'");
    }
    std::string host = text.substr(0, colon);
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    const std::optional<IpAddress> address = text::parse_ip(host);
    const std::string port = text.substr(colon + 1);
    if (!address) listen.fail("'" + host + "' is not an IP address");
    if (address->is_v6() && !bracketed) {
        listen.fail("an IPv6 address takes brackets: [" + host + "]:" + port);
    }
    if (address->is_v4() && bracketed) listen.fail("'[" + host + "]': brackets are for IPv6");
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
        std::stoul(port) > 65535) {
        listen.fail("'" + port + "' is not a port (1..65535)");
    }
    m.address = *address;
    m.port = static_cast<uint16_t>(std::stoul(port));
    if (auto s = r.optional("allow")) {
        for (const Reader& a : s->items()) m.allow.push_back(a.ip_prefix());
    }
    if (auto v = r.optional("max_connections")) m.max_connections = v->integer(1, 65536);
    if (auto v = r.optional("request_timeout")) m.request_timeout_ms = v->duration_ms(100, 600000);
    return m;
}

// An enum's name, read through its one table in common/text_codec;
// `expected` lists the names for the message.
template <typename E>
E read_enum(const Reader& r, std::optional<E> (*parse)(std::string_view), const char* expected) {
    std::optional<E> value;
    if (r.node().IsScalar()) value = parse(r.node().Scalar());
    if (!value) r.fail(std::string("expected ") + expected + ", got " + describe(r.node()));
    return *value;
}

Protocol read_protocol(const Reader& r) { return read_enum(r, text::parse_protocol, "tcp or udp"); }

ForwardMethod read_forward(const Reader& r) {
    return read_enum(r, text::parse_forward_method, "nat, dr or tun");
}

// ---------------------------------------------------------------------------
// Health checks. A real server's health_check / agent_check is read on top
// of the service's (`base`): every key it gives overrides, the rest is
// inherited. A different type inherits only the timing keys, since the
// other keys belong to the old type.

CheckType read_check_type(const Reader& r) {
    return read_enum(r, text::parse_check_type, "tcp, http, udp, ping, exec or none");
}

constexpr uint32_t kMinIntervalMs = 100;
constexpr uint32_t kMaxIntervalMs = 3600 * 1000;
constexpr uint32_t kMinTimeoutMs = 10;

HealthCheckConfig read_health_check(const Reader& r, const std::optional<HealthCheckConfig>& base) {
    r.check_keys({"type", "port", "path", "expect_status", "expect_body", "send", "expect",
                  "command", "interval", "timeout", "rise", "fall", "on_failure"});
    HealthCheckConfig h = base.value_or(HealthCheckConfig{});
    const Reader type = base ? r.optional("type").value_or(r) : r.required("type");
    if (auto v = r.optional("type")) {
        const CheckType t = read_check_type(*v);
        if (base && t != base->type) {
            HealthCheckConfig fresh;
            fresh.interval_ms = h.interval_ms;
            fresh.timeout_ms = h.timeout_ms;
            fresh.rise = h.rise;
            fresh.fall = h.fall;
            fresh.on_failure = h.on_failure;
            h = fresh;
        }
        h.type = t;
    }
    // A key of another check type is a mistake, not something to ignore.
    auto only = [&](const char* key, std::initializer_list<CheckType> types,
                    const char* names) -> std::optional<Reader> {
        std::optional<Reader> v = r.optional(key);
        if (v && std::find(types.begin(), types.end(), h.type) == types.end()) {
            v->fail(std::string("applies to type ") + names + " only, not " +
                    std::string(text::name(h.type)));
        }
        return v;
    };
    const auto l4 = {CheckType::kTcp, CheckType::kHttp, CheckType::kUdp};
    if (auto v = only("port", l4, "tcp, http, udp"))
        h.port = static_cast<uint16_t>(v->integer(1, 65535));
    if (auto v = only("path", {CheckType::kHttp}, "http")) {
        h.path = v->string();
        if (h.path[0] != '/' || h.path.find_first_of(" \r\n") != std::string::npos) {
            v->fail("expected an absolute path without spaces, like /health, got " +
                    describe(v->node()));
        }
    }
    if (auto v = only("expect_status", {CheckType::kHttp}, "http")) {
        h.expect_status = static_cast<uint16_t>(v->integer(100, 599));
    }
    if (auto v = only("expect_body", {CheckType::kHttp}, "http")) h.expect_body = v->text();
    if (auto v = only("send", {CheckType::kUdp}, "udp")) h.send = v->text();
    if (auto v = only("expect", {CheckType::kUdp}, "udp")) h.expect = v->text();
    if (auto v = only("command", {CheckType::kExec}, "exec")) h.command = v->string();
    if (auto v = r.optional("interval"))
        h.interval_ms = v->duration_ms(kMinIntervalMs, kMaxIntervalMs);
    if (auto v = r.optional("timeout"))
        h.timeout_ms = v->duration_ms(kMinTimeoutMs, kMaxIntervalMs);
    if (auto v = r.optional("rise")) h.rise = v->integer(1, 100);
    if (auto v = r.optional("fall")) h.fall = v->integer(1, 100);
    if (auto v = r.optional("on_failure")) {
        h.on_failure = read_enum(*v, text::parse_failure_action, "inhibit or remove");
    }
    if (h.type == CheckType::kUdp && h.send.empty()) {
        type.fail("a udp check needs 'send' (the datagram to send)");
    }
    if (h.type == CheckType::kExec && h.command.empty()) {
        type.fail("an exec check needs 'command'");
    }
    // One probe at a time per server: a timeout longer than the interval
    // would make them overlap.
    if (h.timeout_ms > h.interval_ms) {
        r.optional("timeout").value_or(r).fail("timeout " + format_duration_ms(h.timeout_ms) +
                                               " is longer than interval " +
                                               format_duration_ms(h.interval_ms));
    }
    return h;
}

AgentCheckConfig read_agent_check(const Reader& r, const std::optional<AgentCheckConfig>& base) {
    r.check_keys({"port", "send", "interval", "timeout"});
    AgentCheckConfig a = base.value_or(AgentCheckConfig{});
    if (auto v = base ? r.optional("port") : std::optional<Reader>(r.required("port"))) {
        a.port = static_cast<uint16_t>(v->integer(1, 65535));
    }
    if (auto v = r.optional("send")) a.send = v->text();
    if (auto v = r.optional("interval"))
        a.interval_ms = v->duration_ms(kMinIntervalMs, kMaxIntervalMs);
    if (auto v = r.optional("timeout"))
        a.timeout_ms = v->duration_ms(kMinTimeoutMs, kMaxIntervalMs);
    if (a.timeout_ms > a.interval_ms) {
        r.optional("timeout").value_or(r).fail("timeout " + format_duration_ms(a.timeout_ms) +
                                               " is longer than interval " +
                                               format_duration_ms(a.interval_ms));
    }
    return a;
}

SorryServerConfig read_sorry_server(const Reader& r, const ServiceConfig& service) {
    SorryServerConfig s;
    r.check_keys({"address", "port", "forward"});
    const Reader address = r.required("address");
    s.address = address.ip();
    // It stands in for the real servers, so it is of their family.
    if (s.address.family != service.vip.family) {
        address.fail("sorry server " + text::format_ip(s.address) +
                     " is not of the VIP's family (" + text::format_ip(service.vip) + ")");
    }
    s.port = service.port;
    if (auto v = r.optional("port")) s.port = static_cast<uint16_t>(v->integer(1, 65535));
    if (auto v = r.optional("forward")) s.forward = read_forward(*v);
    return s;
}

RealServerConfig read_real_server(const Reader& r, const ServiceConfig& service) {
    const uint16_t service_port = service.port;
    RealServerConfig rs;
    r.check_keys({"address", "port", "weight", "forward", "health_check", "agent_check"});
    const Reader address = r.required("address");
    rs.address = address.ip();
    // A service's family is its VIP's; NAT46/64 is not what a real server is for.
    if (rs.address.family != service.vip.family) {
        address.fail("real server " + text::format_ip(rs.address) +
                     " is not of the VIP's family (" + text::format_ip(service.vip) + ")");
    }
    rs.port = service_port;
    if (auto v = r.optional("port")) rs.port = static_cast<uint16_t>(v->integer(1, 65535));
    if (auto v = r.optional("weight")) rs.weight = v->integer(0, 65535);
    if (auto v = r.optional("forward")) rs.forward = read_forward(*v);
    rs.health_check = service.health_check;
    if (auto v = r.optional("health_check")) {
        rs.health_check = read_health_check(*v, service.health_check);
        rs.health_check_override = true;
    }
    if (rs.health_check && rs.health_check->type == CheckType::kNone) rs.health_check.reset();
    rs.agent_check = service.agent_check;
    if (auto v = r.optional("agent_check")) {
        rs.agent_check = read_agent_check(*v, service.agent_check);
        rs.agent_check_override = true;
    }
    return rs;
}

bool is_prime(uint32_t n) {
    if (n < 2) return false;
    for (uint32_t d = 2; d * d <= n; ++d) {
        if (n % d == 0) return false;
    }
    return true;
}

// ipvsadm -M is a netmask for an IPv4 service and a prefix length for an
// IPv6 one; here each has its own key, and the other family's is an error.
PersistenceConfig read_persistence(const Reader& r, AddressFamily family) {
    PersistenceConfig p;
    r.check_keys({"timeout", "netmask", "prefix_length"});
    if (auto v = r.optional("timeout")) p.timeout = v->integer(1, 2592000);
    if (auto v = r.optional("prefix_length")) {
        if (family != AddressFamily::kIpv6) {
            v->fail("prefix_length is for IPv6 services; an IPv4 service takes netmask");
        }
        p.prefix_length = static_cast<uint8_t>(v->integer(1, 128));
    }
    if (auto v = r.optional("netmask")) {
        if (family == AddressFamily::kIpv6) {
            v->fail("netmask is for IPv4 services; an IPv6 service takes prefix_length (1..128)");
        }
        p.netmask = v->ipv4();
        // A mask is ones then zeros; anything else is a typo.
        if (!text::is_contiguous_netmask(p.netmask)) {
            v->fail("netmask " + format_ipv4(p.netmask) + " is not contiguous");
        }
    }
    return p;
}

// ipvsadm -b flags; each belongs to one scheduler.
void read_scheduler_flags(const Reader& r, ServiceConfig& s) {
    for (const Reader& item : r.items()) {
        const std::string flag = item.string();
        const std::optional<text::ParsedSchedulerFlag> parsed = text::parse_scheduler_flag(flag);
        if (!parsed) {
            item.fail("unknown scheduler flag '" + flag +
                      "' (expected sh-fallback, sh-port, mh-fallback or mh-port)");
        }
        if (parsed->scheduler != s.scheduler) {
            item.fail("flag '" + flag + "' belongs to scheduler " + std::string(parsed->scheduler) +
                      ", not " + s.scheduler);
        }
        (parsed->flag == text::SchedulerFlag::kFallback ? s.sched_fallback : s.sched_port) = true;
    }
}

// The keys of a service that ipvsadm's rules cannot say (dvsadm -S writes
// them as a "# dvs:" line, -R gives them back through here too).
void read_service_options(const Reader& r, ServiceConfig& s) {
    if (auto v = r.optional("mh_table_size")) {
        s.mh_table_size = v->integer(251, 1048573);
        if (!is_prime(s.mh_table_size)) {
            v->fail("mh_table_size must be a prime (e.g. 65537 or 131071), got " +
                    std::to_string(s.mh_table_size));
        }
        if (s.scheduler != "mh") v->fail("mh_table_size applies to scheduler mh only");
    }
    if (auto v = r.optional("on_remove")) {
        const std::string what = v->string();
        if (what != "drain" && what != "reset") {
            v->fail("expected drain or reset, got '" + what + "'");
        }
        s.reset_on_remove = what == "reset";
    }
    if (auto v = r.optional("on_no_server")) {
        const std::string what = v->string();
        if (what != "reject" && what != "drop") {
            v->fail("expected reject or drop, got '" + what + "'");
        }
        s.reject_no_server = what == "reject";
    }
    if (auto v = r.optional("max_half_open")) {
        s.max_half_open = static_cast<uint32_t>(v->integer(0, 268435456));
    }
    if (auto v = r.optional("continuation")) {
        s.continuation = v->boolean();
        // Another box picks the same server only by the same Maglev table.
        if (*s.continuation && s.scheduler != "mh") {
            v->fail(
                "continuation applies to scheduler mh only (every box must pick the same "
                "server), not " +
                s.scheduler);
        }
        if (*s.continuation && s.persistence) {
            v->fail("continuation cannot be combined with persistence (templates are per box)");
        }
    }
    if (auto v = r.optional("health_check")) s.health_check = read_health_check(*v, std::nullopt);
    if (auto v = r.optional("agent_check")) s.agent_check = read_agent_check(*v, std::nullopt);
    if (auto v = r.optional("sorry_server")) s.sorry_server = read_sorry_server(*v, s);
}

ServiceConfig read_service(const Reader& r) {
    ServiceConfig s;
    r.check_keys({"name", "vip", "port", "protocol", "scheduler", "scheduler_flags",
                  "mh_table_size", "persistence", "on_remove", "on_no_server", "max_half_open",
                  "continuation", "health_check", "agent_check", "sorry_server", "real_servers"});
    s.name = r.required("name").name();
    s.vip = r.required("vip").ip();
    s.port = static_cast<uint16_t>(r.required("port").integer(0, 65535));
    s.protocol = read_protocol(r.required("protocol"));
    if (auto v = r.optional("scheduler")) s.scheduler = v->string();
    if (auto v = r.optional("scheduler_flags")) read_scheduler_flags(*v, s);
    if (auto v = r.optional("persistence")) s.persistence = read_persistence(*v, s.vip.family);
    read_service_options(r, s);
    // A service may have no real servers yet: it exists, and drops traffic.
    if (auto list = r.optional("real_servers")) {
        for (const Reader& item : list->items())
            s.real_servers.push_back(read_real_server(item, s));
    }
    return s;
}

// A top-level section; an empty value ("services:" with every entry
// commented out) means the same as leaving the section out.
std::optional<Reader> section(const Reader& root, const char* key) {
    std::optional<Reader> s = root.optional(key);
    if (s && s->is_null()) return std::nullopt;
    return s;
}

template <typename T, typename ReadItem>
std::vector<T> read_list(const Reader& root, const char* key, ReadItem read_item) {
    std::vector<T> out;
    if (auto s = section(root, key)) {
        for (const Reader& item : s->items()) out.push_back(read_item(item));
    }
    return out;
}

Config read_config(const Reader& root, SourceMap& positions) {
    // An empty file is an empty mapping, so its message is about what is
    // missing (ports) rather than about YAML types.
    if (!root.node().IsMap() && !root.is_null()) {
        root.fail("expected a mapping with the sections dataplane, ports, services, ..., got " +
                  describe(root.node()));
    }
    if (root.node().IsMap()) {
        root.check_keys({"dataplane", "ports", "routes", "neighbors", "timeouts", "management",
                         "exception_path", "monitoring", "restart", "services", "ha", "fleet",
                         "runtime_overlay"});
    }
    Config c;
    c.source = positions.origin();
    if (auto s = section(root, "dataplane")) c.dataplane = read_dataplane(*s);
    c.ports = read_list<PortConfig>(root, "ports", read_port);
    if (c.ports.empty()) {
        // Point at the empty list if there is one, else at the file itself.
        if (const std::optional<Reader> ports = root.optional("ports")) {
            ports->fail("at least one port is required");
        }
        Reader(root.node(), positions, "ports", root.node().Mark())
            .fail("at least one port is required");
    }
    c.routes = read_list<RouteConfig>(root, "routes", read_route);
    c.neighbors = read_list<NeighborConfig>(root, "neighbors", read_neighbor);
    if (auto s = section(root, "timeouts")) c.timeouts = read_timeouts(*s);
    if (auto s = section(root, "management")) c.management = read_management(*s);
    if (auto s = section(root, "exception_path")) c.exception_path = read_exception_path(*s);
    if (auto s = section(root, "monitoring")) c.monitoring = read_monitoring(*s);
    if (auto s = section(root, "restart")) c.restart = read_restart(*s);
    c.services = read_list<ServiceConfig>(root, "services", read_service);
    if (auto s = section(root, "ha")) c.ha = read_ha(*s);
    if (auto s = section(root, "fleet")) c.fleet = read_fleet(*s);
    if (auto v = root.optional("runtime_overlay")) {
        c.runtime_overlay = v->string();
        if (c.runtime_overlay.empty() || c.runtime_overlay.front() != '/') {
            v->fail("the runtime overlay must be an absolute path");
        }
    }
    return c;
}

// The first document; check_structure (yaml_limits.hpp) has refused a
// second one, and every size limit, without building a tree.
YAML::Node load_single_document(const std::string& text, const std::string& source) {
    check_text(text, source);
    check_structure(text, source);
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        const YamlErrorText x = explain_yaml_error(text, e.mark.line, e.mark.column, e.msg);
        throw ConfigError(source + ":" + std::to_string(x.line) + ":" + std::to_string(x.column) +
                          ": invalid YAML: " + x.message);
    }
}

}  // namespace

void apply_service_options_text(const std::string& text, const std::string& source,
                                ServiceConfig& service) {
    const YAML::Node document = load_single_document(text, source);
    SourceMap positions(source);
    const Reader root(document, positions, "", document.Mark());
    if (!root.node().IsMap()) root.fail("expected a mapping of service keys");
    root.check_keys({"name", "mh_table_size", "on_remove", "on_no_server", "max_half_open",
                     "continuation", "health_check", "agent_check", "sorry_server"});
    if (auto v = root.optional("name")) service.name = v->name();
    read_service_options(root, service);
}

void apply_server_options_text(const std::string& text, const std::string& source,
                               const ServiceConfig& service, RealServerConfig& rs) {
    const YAML::Node document = load_single_document(text, source);
    SourceMap positions(source);
    const Reader r(document, positions, "", document.Mark());
    if (!r.node().IsMap()) r.fail("expected a mapping of a real server's checks");
    r.check_keys({"health_check", "agent_check"});
    if (auto v = r.optional("health_check")) {
        rs.health_check = read_health_check(*v, service.health_check);
        rs.health_check_override = true;
        if (rs.health_check && rs.health_check->type == CheckType::kNone) rs.health_check.reset();
    }
    if (auto v = r.optional("agent_check")) {
        rs.agent_check = read_agent_check(*v, service.agent_check);
        rs.agent_check_override = true;
    }
}

void apply_overlay_text(const std::string& text, const std::string& source, Config& config) {
    const YAML::Node document = load_single_document(text, source);
    SourceMap positions(source);
    const Reader root(document, positions, "", document.Mark());
    if (!root.node().IsMap()) root.fail("expected a mapping with timeouts and services");
    root.check_keys({"timeouts", "services"});
    if (auto s = section(root, "timeouts")) config.timeouts = read_timeouts(*s);
    config.services = read_list<ServiceConfig>(root, "services", read_service);
    config.overlay_loaded = true;
}

ParsedConfig parse_config_text(const std::string& text, const std::string& source) {
    const YAML::Node document = load_single_document(text, source);
    ParsedConfig parsed{Config{}, SourceMap(source)};
    const Reader root(document, parsed.positions, "", document.Mark());
    parsed.config = read_config(root, parsed.positions);
    return parsed;
}

}  // namespace dvs::control
