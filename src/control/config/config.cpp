// YAML configuration loader: a schema pass that turns nodes into a Config,
// then a cross-check pass over the whole Config. Both stop at the first
// problem and report it as "FILE:LINE:COLUMN: KEY.PATH: problem", because an
// operator reloading a live balancer needs to find the offending line fast.

#include "control/config/config.hpp"

#include "common/text_codec.hpp"

#include "sched/registry.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <grp.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>
#include <tuple>

namespace dvs::control {

namespace {

std::string join(std::initializer_list<const char*> names) {
    std::string out;
    for (const char* name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

// What the operator wrote, for "got ..." in messages.
std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Scalar:
            return "'" + node.Scalar() + "'";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            break;
    }
    return "nothing";
}

// ---------------------------------------------------------------------------
// Reader: a YAML node plus where it is (file, key path, line/column), so that
// every check can fail with a complete message without threading context by
// hand. Readers are cheap values; the nodes they hold are shared handles.

class Reader {
public:
    Reader(const YAML::Node& node, const std::string& file, std::string path, YAML::Mark mark)
        : node_(node), file_(&file), path_(std::move(path)), mark_(mark) {}

    const YAML::Node& node() const { return node_; }
    bool is_null() const { return node_.IsNull(); }

    [[noreturn]] void fail(const std::string& problem) const {
        // yaml-cpp marks are 0-based; an empty document has no mark at all.
        const int line = mark_.is_null() ? 1 : mark_.line + 1;
        const int column = mark_.is_null() ? 1 : mark_.column + 1;
        std::string message =
            *file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
        if (!path_.empty()) message += path_ + ": ";
        throw ConfigError(message + problem);
    }

    // -- mappings -----------------------------------------------------------

    // Rejects anything that is not a mapping, keys that are not plain
    // strings, unknown keys (a typo would otherwise silently mean "default")
    // and repeated keys (yaml-cpp keeps both but lookups see only the first).
    void check_keys(std::initializer_list<const char*> allowed) const {
        if (!node_.IsMap()) fail("expected a mapping, got " + describe(node_));
        std::set<std::string> seen;
        for (auto it = node_.begin(); it != node_.end(); ++it) {
            // A copy, not a reference: yaml-cpp's iterator hands out a
            // temporary pair, so a reference to its `first` dangles once
            // this statement ends (ASan: stack-use-after-scope, found by
            // fuzz_config). A Node is a cheap handle.
            const YAML::Node key = it->first;
            if (!key.IsScalar()) {
                Reader(key, *file_, path_, key.Mark())
                    .fail("expected a string key, got " + describe(key));
            }
            const std::string& name = key.Scalar();
            bool known = false;
            for (const char* candidate : allowed) known = known || name == candidate;
            if (!known) {
                Reader(key, *file_, path_, key.Mark())
                    .fail("unknown key '" + name + "' (expected one of: " + join(allowed) + ")");
            }
            if (!seen.insert(name).second) {
                Reader(key, *file_, child_path(name), key.Mark()).fail("duplicate key");
            }
        }
    }

    // Only after check_keys(): the mapping is known to have unique string keys.
    std::optional<Reader> optional(const char* key) const {
        for (auto it = node_.begin(); it != node_.end(); ++it) {
            if (it->first.Scalar() != key) continue;
            // An empty value ("key:" with nothing after it) is marked at the
            // next token, often on the next line; point at the key instead.
            const YAML::Mark mark = it->second.IsNull() ? it->first.Mark() : it->second.Mark();
            return Reader(it->second, *file_, child_path(key), mark);
        }
        return std::nullopt;
    }

    Reader required(const char* key) const {
        if (auto child = optional(key)) return *child;
        fail(std::string("missing required key '") + key + "'");
    }

    // -- sequences ----------------------------------------------------------

    // An empty value counts as an empty list, so a section whose entries are
    // all commented out stays valid.
    std::vector<Reader> items() const {
        std::vector<Reader> out;
        if (node_.IsNull()) return out;
        if (!node_.IsSequence()) fail("expected a list, got " + describe(node_));
        std::size_t index = 0;
        for (auto it = node_.begin(); it != node_.end(); ++it, ++index) {
            const YAML::Mark mark = it->IsNull() ? mark_ : it->Mark();
            out.emplace_back(*it, *file_, path_ + "[" + std::to_string(index) + "]", mark);
        }
        return out;
    }

    // -- scalars ------------------------------------------------------------

    std::string string() const {
        if (!node_.IsScalar() || node_.Scalar().empty())
            fail("expected a string, got " + describe(node_));
        return node_.Scalar();
    }

    // Names are typed into dvsadm and shown in stats, so keep them to one
    // shell-friendly word.
    std::string name() const {
        const std::string expected = "expected a name (letters, digits, '-', '_', '.'; at most 63)";
        if (!node_.IsScalar()) fail(expected + ", got " + describe(node_));
        const std::string& text = node_.Scalar();
        bool ok = !text.empty() && text.size() <= 63;
        for (char c : text) {
            const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
            ok = ok && word;
        }
        if (!ok) fail(expected + ", got " + describe(node_));
        return text;
    }

    // Plain decimal digits only: no sign, no 0x, no YAML 1.1 "1_000".
    uint32_t integer(uint32_t lo, uint32_t hi) const {
        const std::string expected =
            "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi);
        if (!node_.IsScalar()) fail(expected + ", got " + describe(node_));
        const std::string& text = node_.Scalar();
        uint64_t value = 0;
        const char* end = text.data() + text.size();
        const bool digits_only = !text.empty() && text.size() <= 10 &&
                                 text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits_only || std::from_chars(text.data(), end, value).ptr != end || value < lo ||
            value > hi) {
            fail(expected + ", got " + describe(node_));
        }
        return static_cast<uint32_t>(value);
    }

    // "2s", "500ms", or plain digits meaning seconds (like every other
    // duration in the file). Health checks want sub-second values, hence ms.
    uint32_t duration_ms(uint32_t lo_ms, uint32_t hi_ms) const {
        const std::string expected = "expected a duration like 2s or 500ms, " +
                                     format_duration_ms(lo_ms) + ".." + format_duration_ms(hi_ms);
        if (!node_.IsScalar()) fail(expected + ", got " + describe(node_));
        std::string_view text = node_.Scalar();
        uint64_t scale = 1000;
        if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
            scale = 1;
            text.remove_suffix(2);
        } else if (text.size() > 1 && text.back() == 's') {
            text.remove_suffix(1);
        }
        uint64_t value = 0;
        const bool digits_only = !text.empty() && text.size() <= 9 &&
                                 text.find_first_not_of("0123456789") == std::string_view::npos;
        if (!digits_only) fail(expected + ", got " + describe(node_));
        std::from_chars(text.data(), text.data() + text.size(), value);
        value *= scale;
        if (value < lo_ms || value > hi_ms) fail(expected + ", got " + describe(node_));
        return static_cast<uint32_t>(value);
    }

    // Any scalar, empty allowed (a UDP payload or a body substring).
    std::string text() const {
        if (!node_.IsScalar()) fail("expected a string, got " + describe(node_));
        return node_.Scalar();
    }

    // YAML 1.2 core booleans only: true or false (no yes/no/on/off).
    bool boolean() const {
        if (node_.IsScalar() && node_.Scalar() == "true") return true;
        if (node_.IsScalar() && node_.Scalar() == "false") return false;
        fail("expected true or false, got " + describe(node_));
    }

    uint32_t ipv4() const;
    Ipv4Prefix prefix() const;
    MacAddress mac() const;

private:
    std::string child_path(const std::string& key) const {
        return path_.empty() ? key : path_ + "." + key;
    }

    YAML::Node node_;
    const std::string* file_;
    std::string path_;
    YAML::Mark mark_;
};

using text::parse_ipv4;

uint32_t Reader::ipv4() const {
    std::optional<uint32_t> address;
    if (node_.IsScalar()) address = parse_ipv4(node_.Scalar());
    if (!address) fail("expected an IPv4 address like 10.0.0.1, got " + describe(node_));
    return *address;
}

Ipv4Prefix Reader::prefix() const {
    std::optional<Ipv4Prefix> prefix;
    if (node_.IsScalar()) {
        const std::string& text = node_.Scalar();
        prefix = text::parse_ipv4_prefix(text);
        // Say which half is wrong: an address without a length, or a bad length.
        if (!prefix && text.find('/') != std::string::npos &&
            parse_ipv4(std::string_view(text).substr(0, text.find('/')))) {
            fail("expected a prefix length 0..32, got " + describe(node_));
        }
    }
    if (!prefix) fail("expected an IPv4 prefix like 10.0.0.1/24, got " + describe(node_));
    return *prefix;
}

MacAddress Reader::mac() const {
    std::optional<MacAddress> mac;
    if (node_.IsScalar()) mac = text::parse_mac(node_.Scalar());
    if (!mac) fail("expected a MAC address like 02:00:00:00:00:01, got " + describe(node_));
    return *mac;
}

// Linux interface names: 1..15 bytes (IFNAMSIZ - 1), no '/', ':' or space,
// not "." or "..". Kept to the name() alphabet so they are safe in commands.
std::string interface_name_problem(const std::string& name) {
    if (name.empty() || name.size() > 15) return "is not 1..15 characters long (a Linux interface name)";
    if (name == "." || name == "..") return "is not a valid interface name";
    for (char c : name) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!word) return "may contain only letters, digits, '-', '_' and '.'";
    }
    return {};
}

// ---------------------------------------------------------------------------
// Schema pass: one function per section. Each one checks its own keys and
// value ranges; relations between sections wait for the cross-checks.

DataplaneConfig read_dataplane(const Reader& r) {
    DataplaneConfig d;
    r.check_keys({"eal", "workers", "conn_capacity", "mbufs", "idle_sleep_us"});
    if (auto eal = r.optional("eal")) {
        for (const Reader& arg : eal->items()) d.eal.push_back(arg.string());
    }
    if (auto v = r.optional("workers")) d.workers = v->integer(1, 64);
    if (auto v = r.optional("conn_capacity")) d.conn_capacity = v->integer(1024, 268435456);
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
    for (const Reader& a : addresses.items()) p.addresses.push_back(a.prefix());
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
    r.check_keys({"name", "vrid", "priority", "advert_interval", "preempt", "preempt_delay",
                  "addresses"});
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
    for (const Reader& a : addresses.items()) v.addresses.push_back(a.ipv4());
    if (v.addresses.empty()) addresses.fail("at least one address is required");
    return v;
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
        s->check_keys({"peer", "port", "flush_interval"});
        const Reader peer = s->required("peer");
        h.sync.peer = peer.ipv4();
        if (h.sync.peer == 0 || h.sync.peer >= 0xe0000000u) {
            peer.fail("the sync peer must be a unicast address");
        }
        if (auto x = s->optional("port")) h.sync.port = static_cast<uint16_t>(x->integer(1, 65535));
        if (auto x = s->optional("flush_interval")) h.sync.flush_interval_ms = x->duration_ms(1, 1000);
    }
    const Reader vrrp = r.required("vrrp");
    for (const Reader& item : vrrp.items()) h.vrrp.push_back(read_vrrp_instance(item));
    if (h.vrrp.empty()) vrrp.fail("at least one VRRP instance is required");
    return h;
}

RouteConfig read_route(const Reader& r) {
    RouteConfig route;
    r.check_keys({"prefix", "via", "port"});
    const Reader prefix = r.required("prefix");
    route.prefix = prefix.prefix();
    // A route with host bits set is almost always a typo for another prefix.
    if ((route.prefix.address & ~route.prefix.mask()) != 0) {
        const Ipv4Prefix network{route.prefix.address & route.prefix.mask(), route.prefix.length};
        prefix.fail("host bits are set in " + prefix.node().Scalar() + " (did you mean " +
                    format_ipv4(network.address) + "/" + std::to_string(network.length) + "?)");
    }
    route.via = r.required("via").ipv4();
    route.port = r.required("port").name();
    return route;
}

NeighborConfig read_neighbor(const Reader& r) {
    NeighborConfig n;
    r.check_keys({"address", "mac", "port"});
    n.address = r.required("address").ipv4();
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

Protocol read_protocol(const Reader& r) {
    if (r.node().IsScalar() && r.node().Scalar() == "tcp") return Protocol::kTcp;
    if (r.node().IsScalar() && r.node().Scalar() == "udp") return Protocol::kUdp;
    r.fail("expected tcp or udp, got " + describe(r.node()));
}

ForwardMethod read_forward(const Reader& r) {
    if (r.node().IsScalar()) {
        const std::string& text = r.node().Scalar();
        if (text == "nat") return ForwardMethod::kNat;
        if (text == "dr") return ForwardMethod::kDr;
        if (text == "tun") return ForwardMethod::kTun;
    }
    r.fail("expected nat, dr or tun, got " + describe(r.node()));
}

// Available names come from the scheduler registry, so a new scheduler
// needs no change here. LVS names we do not implement yet get a kinder
// message than a plain typo does.
std::string read_scheduler(const Reader& r) {
    constexpr std::string_view kLvsNames[] = {"rr", "wrr", "lc", "wlc", "sed",  "nq",
                                              "sh", "dh",  "mh", "fo",  "lblc", "lblcr"};
    std::string available;
    for (std::string_view a : sched::available_schedulers()) {
        available += (available.empty() ? "" : ", ") + std::string(a);
    }
    std::string name = r.string();
    if (sched::is_available(name)) return name;
    for (std::string_view lvs : kLvsNames) {
        if (name == lvs) {
            r.fail("scheduler '" + name + "' is not implemented yet (available: " + available + ")");
        }
    }
    r.fail("unknown scheduler '" + name + "' (available: " + available + ")");
}

// ---------------------------------------------------------------------------
// Health checks. A real server's health_check / agent_check is read on top
// of the service's (`base`): every key it gives overrides, the rest is
// inherited. A different type inherits only the timing keys, since the
// other keys belong to the old type.

CheckType read_check_type(const Reader& r) {
    if (r.node().IsScalar()) {
        const std::string& t = r.node().Scalar();
        if (t == "tcp") return CheckType::kTcp;
        if (t == "http") return CheckType::kHttp;
        if (t == "udp") return CheckType::kUdp;
        if (t == "ping") return CheckType::kPing;
        if (t == "exec") return CheckType::kExec;
        if (t == "none") return CheckType::kNone;
    }
    r.fail("expected tcp, http, udp, ping, exec or none, got " + describe(r.node()));
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
            v->fail(std::string("applies to type ") + names + " only, not " + to_string(h.type));
        }
        return v;
    };
    const auto l4 = {CheckType::kTcp, CheckType::kHttp, CheckType::kUdp};
    if (auto v = only("port", l4, "tcp, http, udp")) h.port = static_cast<uint16_t>(v->integer(1, 65535));
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
    if (auto v = r.optional("interval")) h.interval_ms = v->duration_ms(kMinIntervalMs, kMaxIntervalMs);
    if (auto v = r.optional("timeout")) h.timeout_ms = v->duration_ms(kMinTimeoutMs, kMaxIntervalMs);
    if (auto v = r.optional("rise")) h.rise = v->integer(1, 100);
    if (auto v = r.optional("fall")) h.fall = v->integer(1, 100);
    if (auto v = r.optional("on_failure")) {
        const std::string a = v->node().IsScalar() ? v->node().Scalar() : "";
        if (a == "inhibit") {
            h.on_failure = FailureAction::kInhibit;
        } else if (a == "remove") {
            h.on_failure = FailureAction::kRemove;
        } else {
            v->fail("expected inhibit or remove, got " + describe(v->node()));
        }
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
    if (auto v = r.optional("interval")) a.interval_ms = v->duration_ms(kMinIntervalMs, kMaxIntervalMs);
    if (auto v = r.optional("timeout")) a.timeout_ms = v->duration_ms(kMinTimeoutMs, kMaxIntervalMs);
    if (a.timeout_ms > a.interval_ms) {
        r.optional("timeout").value_or(r).fail("timeout " + format_duration_ms(a.timeout_ms) +
                                               " is longer than interval " +
                                               format_duration_ms(a.interval_ms));
    }
    return a;
}

SorryServerConfig read_sorry_server(const Reader& r, uint16_t service_port) {
    SorryServerConfig s;
    r.check_keys({"address", "port", "forward"});
    s.address = r.required("address").ipv4();
    s.port = service_port;
    if (auto v = r.optional("port")) {
        s.port = static_cast<uint16_t>(v->integer(1, 65535));
        if (service_port == 0) v->fail("a port-0 service keeps the client's destination port");
    }
    if (auto v = r.optional("forward")) s.forward = read_forward(*v);
    return s;
}

RealServerConfig read_real_server(const Reader& r, const ServiceConfig& service) {
    const uint16_t service_port = service.port;
    RealServerConfig rs;
    r.check_keys({"address", "port", "weight", "forward", "health_check", "agent_check"});
    rs.address = r.required("address").ipv4();
    rs.port = service_port;
    if (auto v = r.optional("port")) {
        rs.port = static_cast<uint16_t>(v->integer(1, 65535));
        if (service_port == 0) {
            v->fail("a port-0 service keeps the client's destination port: leave out the real "
                    "server's port");
        }
    }
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

PersistenceConfig read_persistence(const Reader& r) {
    PersistenceConfig p;
    r.check_keys({"timeout", "netmask"});
    if (auto v = r.optional("timeout")) p.timeout = v->integer(1, 2592000);
    if (auto v = r.optional("netmask")) {
        p.netmask = v->ipv4();
        // A mask is ones then zeros; anything else is a typo.
        if (p.netmask != 0 && (~p.netmask & (~p.netmask + 1)) != 0) {
            v->fail("netmask " + format_ipv4(p.netmask) + " is not contiguous");
        }
    }
    return p;
}

// ipvsadm -b flags; each belongs to one scheduler.
void read_scheduler_flags(const Reader& r, ServiceConfig& s) {
    for (const Reader& item : r.items()) {
        const std::string flag = item.string();
        const std::string owner = flag.substr(0, flag.find('-'));
        const std::string what = flag.find('-') == std::string::npos ? "" : flag.substr(3);
        if ((owner != "sh" && owner != "mh") || (what != "fallback" && what != "port")) {
            item.fail("unknown scheduler flag '" + flag +
                      "' (expected sh-fallback, sh-port, mh-fallback or mh-port)");
        }
        if (owner != s.scheduler) {
            item.fail("flag '" + flag + "' belongs to scheduler " + owner + ", not " + s.scheduler);
        }
        (what == "fallback" ? s.sched_fallback : s.sched_port) = true;
    }
}

ServiceConfig read_service(const Reader& r) {
    ServiceConfig s;
    r.check_keys({"name", "vip", "port", "protocol", "scheduler", "scheduler_flags",
                  "mh_table_size", "persistence", "on_remove", "max_half_open", "health_check", "agent_check",
                  "sorry_server", "real_servers"});
    s.name = r.required("name").name();
    s.vip = r.required("vip").ipv4();
    const Reader port = r.required("port");
    s.port = static_cast<uint16_t>(port.integer(0, 65535));
    s.protocol = read_protocol(r.required("protocol"));
    if (auto v = r.optional("scheduler")) s.scheduler = read_scheduler(*v);
    if (auto v = r.optional("scheduler_flags")) read_scheduler_flags(*v, s);
    if (auto v = r.optional("mh_table_size")) {
        s.mh_table_size = v->integer(251, 1048573);
        if (!is_prime(s.mh_table_size)) {
            v->fail("mh_table_size must be a prime (e.g. 65537 or 131071), got " +
                    std::to_string(s.mh_table_size));
        }
        if (s.scheduler != "mh") v->fail("mh_table_size applies to scheduler mh only");
    }
    if (auto v = r.optional("persistence")) s.persistence = read_persistence(*v);
    if (auto v = r.optional("on_remove")) {
        const std::string what = v->string();
        if (what != "drain" && what != "reset") {
            v->fail("expected drain or reset, got '" + what + "'");
        }
        s.reset_on_remove = what == "reset";
    }
    if (auto v = r.optional("max_half_open")) {
        s.max_half_open = v->integer(0, 268435456);
        if (s.protocol != Protocol::kTcp && s.max_half_open != 0) {
            v->fail("max_half_open applies to tcp services only");
        }
    }
    // ipvsadm refuses a zero-port service that is not persistent: without a
    // template nothing keeps a client's ports together, which is its point.
    if (s.port == 0 && !s.persistence) {
        port.fail("port 0 (every port of the VIP) needs persistence, as in ipvsadm");
    }
    if (auto v = r.optional("health_check")) s.health_check = read_health_check(*v, std::nullopt);
    if (auto v = r.optional("agent_check")) s.agent_check = read_agent_check(*v, std::nullopt);
    if (auto v = r.optional("sorry_server")) s.sorry_server = read_sorry_server(*v, s.port);
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

Config read_config(const Reader& root, const std::string& source) {
    // An empty file is an empty mapping, so its message is about what is
    // missing (ports) rather than about YAML types.
    if (!root.node().IsMap() && !root.is_null()) {
        root.fail("expected a mapping with the sections dataplane, ports, services, ..., got " +
                  describe(root.node()));
    }
    if (root.node().IsMap()) {
        root.check_keys(
            {"dataplane", "ports", "routes", "neighbors", "timeouts", "management",
             "exception_path", "services", "ha"});
    }
    Config c;
    c.source = source;
    if (auto s = section(root, "dataplane")) c.dataplane = read_dataplane(*s);
    c.ports = read_list<PortConfig>(root, "ports", read_port);
    if (c.ports.empty()) {
        // Point at the empty list if there is one, else at the file itself.
        if (const std::optional<Reader> ports = root.optional("ports")) {
            ports->fail("at least one port is required");
        }
        Reader(root.node(), source, "ports", root.node().Mark())
            .fail("at least one port is required");
    }
    c.routes = read_list<RouteConfig>(root, "routes", read_route);
    c.neighbors = read_list<NeighborConfig>(root, "neighbors", read_neighbor);
    if (auto s = section(root, "timeouts")) c.timeouts = read_timeouts(*s);
    if (auto s = section(root, "management")) c.management = read_management(*s);
    if (auto s = section(root, "exception_path")) c.exception_path = read_exception_path(*s);
    c.services = read_list<ServiceConfig>(root, "services", read_service);
    if (auto s = section(root, "ha")) c.ha = read_ha(*s);
    return c;
}

// ---------------------------------------------------------------------------
// Cross-checks: relations between entries. The schema pass has succeeded, so
// every node fetched here exists and has the expected shape; the Readers are
// only needed for the position of the message.

std::vector<Reader> section_items(const Reader& root, const char* key) {
    if (auto s = section(root, key)) return s->items();
    return {};
}

std::string format_prefix(const Ipv4Prefix& p) {
    return format_ipv4(p.address) + "/" + std::to_string(p.length);
}

std::string format_addresses(const PortConfig& port) {
    std::string out;
    for (const Ipv4Prefix& a : port.addresses) out += (out.empty() ? "" : ", ") + format_prefix(a);
    return out;
}

bool in_connected_subnet(const PortConfig& port, uint32_t ip) {
    return std::ranges::any_of(port.addresses,
                               [ip](const Ipv4Prefix& a) { return a.contains(ip); });
}

const PortConfig* find_port(const Config& c, const std::string& name) {
    for (const PortConfig& p : c.ports) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

// A reference to a port by name: fails unless it names a defined port.
const PortConfig& referenced_port(const Config& c, const Reader& r) {
    const std::string name = r.node().Scalar();
    if (const PortConfig* port = find_port(c, name)) return *port;
    std::string defined;
    for (const PortConfig& p : c.ports) defined += (defined.empty() ? "" : ", ") + p.name;
    r.fail("unknown port '" + name + "' (defined ports: " + defined + ")");
}

void check_ports(const Config& c, const Reader& root) {
    const std::vector<Reader> items = section_items(root, "ports");
    std::map<std::string, std::size_t> names;
    std::map<std::string, std::size_t> devices;
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const PortConfig& port = c.ports[i];
        if (auto [it, fresh] = names.emplace(port.name, i); !fresh) {
            items[i].required("name").fail("duplicate port name '" + port.name +
                                           "' (first used by ports[" + std::to_string(it->second) +
                                           "])");
        }
        if (auto [it, fresh] = devices.emplace(port.device, i); !fresh) {
            items[i].required("device").fail("device '" + port.device +
                                             "' is already used by port '" +
                                             c.ports[it->second].name + "'");
        }
    }
}

// The kernel interfaces must have valid, distinct names; checked when the
// exception path is on (a default name may be too long only then).
void check_kernel_interfaces(const Config& c, const Reader& root) {
    if (!c.exception_path.enabled) return;
    const std::vector<Reader> items = section_items(root, "ports");
    std::map<std::string, std::size_t> names;
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const PortConfig& port = c.ports[i];
        const std::string name = kernel_interface_name(port);
        if (port.kernel_interface.empty()) {
            if (const std::string problem = interface_name_problem(name); !problem.empty()) {
                items[i].required("name").fail("the default kernel interface name '" + name +
                                               "' " + problem + "; set kernel_interface");
            }
        }
        if (auto [it, fresh] = names.emplace(name, i); !fresh) {
            const Reader at = port.kernel_interface.empty() ? items[i].required("name")
                                                            : items[i].required("kernel_interface");
            at.fail("kernel interface '" + name + "' is already used by port '" +
                    c.ports[it->second].name + "'");
        }
    }
}

void check_routes(const Config& c, const Reader& root) {
    const std::vector<Reader> items = section_items(root, "routes");
    for (std::size_t i = 0; i < c.routes.size(); ++i) {
        const RouteConfig& route = c.routes[i];
        const PortConfig& port = referenced_port(c, items[i].required("port"));
        // The gateway must be resolvable by ARP on that port, or the route
        // can never forward anything.
        if (!in_connected_subnet(port, route.via)) {
            items[i].required("via").fail("gateway " + format_ipv4(route.via) +
                                          " is not in a connected subnet of port '" + port.name +
                                          "' (" + format_addresses(port) + ")");
        }
    }
}

void check_neighbors(const Config& c, const Reader& root) {
    const std::vector<Reader> items = section_items(root, "neighbors");
    for (std::size_t i = 0; i < c.neighbors.size(); ++i) {
        const NeighborConfig& n = c.neighbors[i];
        const PortConfig& port = referenced_port(c, items[i].required("port"));
        // A static neighbour entry is only ever consulted for on-link next hops.
        if (!in_connected_subnet(port, n.address)) {
            items[i].required("address").fail("neighbor " + format_ipv4(n.address) +
                                              " is not in a connected subnet of port '" +
                                              port.name + "' (" + format_addresses(port) + ")");
        }
    }
}

bool routable(const Config& c, uint32_t ip) {
    return std::ranges::any_of(c.ports,
                               [ip](const PortConfig& p) { return in_connected_subnet(p, ip); }) ||
           std::ranges::any_of(c.routes,
                               [ip](const RouteConfig& r) { return r.prefix.contains(ip); });
}

void check_real_servers(const Config& c, const ServiceConfig& s, const Reader& service) {
    const std::vector<Reader> items = service.required("real_servers").items();
    std::map<std::pair<uint32_t, uint16_t>, std::size_t> seen;
    for (std::size_t j = 0; j < s.real_servers.size(); ++j) {
        const RealServerConfig& rs = s.real_servers[j];
        const std::string endpoint = format_ipv4(rs.address) + ":" + std::to_string(rs.port);
        if (auto [it, fresh] = seen.emplace(std::pair{rs.address, rs.port}, j); !fresh) {
            items[j].fail("duplicate real server " + endpoint + " (same as real_servers[" +
                          std::to_string(it->second) + "])");
        }
        // DR and TUN deliver the client's packet unchanged: the real server
        // sees the VIP's port, so a different port cannot work.
        if (rs.forward != ForwardMethod::kNat && rs.port != s.port) {
            items[j].required("port").fail(std::string("forward: ") + to_string(rs.forward) +
                                           " cannot change the port: the real server receives "
                                           "the packet unchanged, so its port must be the "
                                           "service port " + std::to_string(s.port));
        }
        // DR only rewrites the Ethernet header: the real server must sit on
        // a segment the balancer is directly attached to.
        if (rs.forward == ForwardMethod::kDr &&
            !std::ranges::any_of(c.ports, [&](const PortConfig& p) {
                return in_connected_subnet(p, rs.address);
            })) {
            items[j].required("address").fail(
                "real server " + format_ipv4(rs.address) +
                " uses forward: dr but is not in a connected subnet of any port (DR needs the "
                "real server on a directly attached segment)");
        }
        if (!routable(c, rs.address)) {
            items[j].required("address").fail(
                "real server " + format_ipv4(rs.address) +
                " is not routable (not in a port's subnet and no route covers it)");
        }
    }
}

void check_sorry_server(const Config& c, const ServiceConfig& s, const Reader& item) {
    const SorryServerConfig& sorry = *s.sorry_server;
    if (sorry.forward != ForwardMethod::kNat && sorry.port != s.port) {
        item.required("port").fail(std::string("forward: ") + to_string(sorry.forward) +
                                   " cannot change the port: it must be the service port " +
                                   std::to_string(s.port));
    }
    if (sorry.forward == ForwardMethod::kDr &&
        !std::ranges::any_of(c.ports, [&](const PortConfig& p) {
            return in_connected_subnet(p, sorry.address);
        })) {
        item.required("address").fail("sorry server " + format_ipv4(sorry.address) +
                                      " uses forward: dr but is not in a connected subnet of "
                                      "any port");
    }
    if (!routable(c, sorry.address)) {
        item.required("address").fail("sorry server " + format_ipv4(sorry.address) +
                                      " is not routable (not in a port's subnet and no route "
                                      "covers it)");
    }
    // It is scheduled only when no real server is: being both makes no sense,
    // and it would share the real server's id and counters.
    for (const RealServerConfig& rs : s.real_servers) {
        if (rs.address == sorry.address && rs.port == sorry.port) {
            item.fail("sorry server " + format_ipv4(sorry.address) + ":" +
                      std::to_string(sorry.port) + " is also a real server of the service");
        }
    }
}

void check_services(const Config& c, const Reader& root) {
    const std::vector<Reader> items = section_items(root, "services");
    std::map<std::string, std::size_t> names;
    std::map<std::tuple<uint32_t, uint16_t, Protocol>, std::size_t> endpoints;
    for (std::size_t i = 0; i < c.services.size(); ++i) {
        const ServiceConfig& s = c.services[i];
        if (auto [it, fresh] = names.emplace(s.name, i); !fresh) {
            items[i].required("name").fail("duplicate service name '" + s.name +
                                           "' (first used by services[" +
                                           std::to_string(it->second) + "])");
        }
        if (auto [it, fresh] = endpoints.emplace(std::tuple{s.vip, s.port, s.protocol}, i);
            !fresh) {
            items[i].fail("duplicate service " + format_ipv4(s.vip) + ":" + std::to_string(s.port) +
                          "/" + to_string(s.protocol) + " (already defined by service '" +
                          c.services[it->second].name + "')");
        }
        // The balancer answers for its own addresses itself (ARP, SSH,
        // health checks); a VIP there would steal that traffic.
        for (const PortConfig& port : c.ports) {
            for (const Ipv4Prefix& a : port.addresses) {
                if (a.address == s.vip) {
                    items[i].required("vip").fail("VIP " + format_ipv4(s.vip) +
                                                  " is an address of port '" + port.name + "'");
                }
            }
        }
        if (!s.real_servers.empty()) check_real_servers(c, s, items[i]);
        if (s.sorry_server) check_sorry_server(c, s, items[i].required("sorry_server"));
        if (s.scheduler == "mh" && s.real_servers.size() > s.mh_table_size) {
            items[i].fail("mh_table_size " + std::to_string(s.mh_table_size) +
                          " is smaller than the number of real servers (" +
                          std::to_string(s.real_servers.size()) + ")");
        }
    }
}

// VRRP addresses are addresses this box takes over or gives up: a port's
// floating address (not its first one, which is the source of everything
// dvsd sends on that subnet, so must stay) or a service VIP. Each belongs to
// one instance; names and VRIDs are unique.
void check_ha(const Config& c, const Reader& root) {
    if (!c.ha.enabled) return;
    const Reader ha = *section(root, "ha");
    const std::vector<Reader> items = ha.required("vrrp").items();
    std::map<std::string, std::size_t> names;
    std::map<uint8_t, std::size_t> vrids;
    std::map<uint32_t, std::size_t> owner;
    for (std::size_t i = 0; i < c.ha.vrrp.size(); ++i) {
        const VrrpInstanceConfig& v = c.ha.vrrp[i];
        if (auto [it, fresh] = names.emplace(v.name, i); !fresh) {
            items[i].required("name").fail("duplicate VRRP instance name '" + v.name + "'");
        }
        if (auto [it, fresh] = vrids.emplace(v.vrid, i); !fresh) {
            items[i].required("vrid").fail("vrid " + std::to_string(v.vrid) +
                                           " is already used by instance '" +
                                           c.ha.vrrp[it->second].name + "'");
        }
        const std::vector<Reader> addresses = items[i].required("addresses").items();
        for (std::size_t a = 0; a < v.addresses.size(); ++a) {
            const uint32_t ip = v.addresses[a];
            if (auto [it, fresh] = owner.emplace(ip, i); !fresh) {
                addresses[a].fail(format_ipv4(ip) + " already belongs to instance '" +
                                  c.ha.vrrp[it->second].name + "'");
            }
            bool known = std::ranges::any_of(c.services, [ip](const ServiceConfig& s) {
                return s.vip == ip;
            });
            for (const PortConfig& port : c.ports) {
                for (std::size_t k = 0; k < port.addresses.size(); ++k) {
                    if (port.addresses[k].address != ip) continue;
                    if (k == 0) {
                        addresses[a].fail(format_ipv4(ip) + " is the first address of port '" +
                                          port.name + "', the box's own: list it after a fixed "
                                          "address of the port (the source of what dvsd sends)");
                    }
                    known = true;
                }
            }
            if (!known) {
                addresses[a].fail(format_ipv4(ip) +
                                  " is neither an address of a port nor a service VIP");
            }
        }
    }
}

void cross_check(const Config& c, const Reader& root) {
    check_ports(c, root);
    check_kernel_interfaces(c, root);
    check_routes(c, root);
    check_neighbors(c, root);
    check_services(c, root);
    check_ha(c, root);
}

// Parse events are ignored; only where the second document starts is kept.
class DocumentCounter : public YAML::EventHandler {
public:
    YAML::Mark second;
    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++starts_ == 2) second = mark;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

private:
    int starts_ = 0;
};

// Closes the FILE* however we leave load_config_file.
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Config load_config_text(const std::string& text, const std::string& source) {
    YAML::Node document;
    try {
        // Not YAML::LoadAll: on some malformed texts its loop over documents
        // never ends (a parser that stops advancing keeps yielding empty
        // documents; found by fuzz_config: 800 MB in 8 s from 2.5 KB, which
        // hung --check and SIGHUP). Counting at most two documents with a
        // do-nothing handler bounds it; Load then builds the first.
        std::istringstream in(text);
        YAML::Parser parser(in);
        DocumentCounter counter;
        int documents = 0;
        while (documents < 2 && parser.HandleNextDocument(counter)) ++documents;
        // A second document ("---") would otherwise be ignored without a word.
        if (documents > 1) {
            throw ConfigError(source + ":" + std::to_string(counter.second.line + 1) + ":" +
                              std::to_string(counter.second.column + 1) +
                              ": expected a single YAML document, found another one");
        }
        document = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                          std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
    }
    const Reader root(document, source, "", document.Mark());
    Config config = read_config(root, source);
    cross_check(config, root);
    return config;
}

Config load_config_file(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) throw ConfigError(path + ": cannot open: " + std::strerror(errno));
    std::string text;
    char buffer[8192];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
    // fopen() succeeds on a directory; the read is where that shows up.
    if (std::ferror(file.get())) throw ConfigError(path + ": cannot read: " + std::strerror(errno));
    return load_config_text(text, path);
}

std::string format_ipv4(uint32_t host_order) { return text::format_ipv4(host_order); }

std::string kernel_interface_name(const PortConfig& port) {
    return port.kernel_interface.empty() ? "dvs-" + port.name : port.kernel_interface;
}

std::string format_mac(const MacAddress& mac) { return text::format_mac(mac); }
const char* to_string(Protocol p) { return text::name(p).data(); }
const char* to_string(CheckType t) { return text::name(t).data(); }
const char* to_string(FailureAction a) { return text::name(a).data(); }
const char* to_string(ForwardMethod f) { return text::name(f).data(); }
std::string format_duration_ms(uint32_t ms) { return text::format_duration_ms(ms); }

}  // namespace dvs::control
