// The management protocol: reading and writing the messages mgmt_protocol.hpp
// specifies. Reading is strict and every refusal names the field, because the
// peer is a human at one remove (dvsadm prints what we say).

#include "mgmt/protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <initializer_list>
#include <type_traits>

namespace dvs::control::mgmt {

namespace {

// What the peer sent, short enough for a one-line message.
std::string describe(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

std::string join(const std::vector<std::string_view>& names) {
    std::string out;
    for (std::string_view name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

// A JSON value plus where it is ("service.port", "services[2].vip"), so any
// check can fail with a complete message. Readers are cheap views.
class Reader {
public:
    // `root` names the whole message in messages about it ("request").
    Reader(const json& value, std::string path, const char* root)
        : value_(&value), path_(std::move(path)), root_(root) {}

    const json& value() const { return *value_; }
    bool is_null() const { return value_->is_null(); }

    [[noreturn]] void fail(const std::string& problem) const {
        if (path_.empty()) throw ProtocolError(std::string(root_) + " " + problem);
        throw ProtocolError("field '" + path_ + "' " + problem);
    }

    // Objects: refuses non-objects and keys outside `allowed`.
    void expect_object(std::initializer_list<std::string_view> allowed) const {
        if (!value_->is_object()) fail("must be an object, got " + describe(*value_));
        for (const auto& [key, unused] : value_->items()) {
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                std::string expected;
                for (std::string_view a : allowed) {
                    if (a == "v" || a == "op") continue;
                    expected += (expected.empty() ? "" : ", ") + std::string(a);
                }
                throw ProtocolError("unknown field '" + child_path(key) + "'" +
                                    (expected.empty() ? " (this op takes no fields)"
                                                      : " (expected " + expected + ")"));
            }
        }
    }

    // Absent: empty. A present null is returned (callers decide what it means).
    std::optional<Reader> optional(std::string_view key) const {
        auto it = value_->find(key);
        if (it == value_->end()) return std::nullopt;
        return Reader(*it, child_path(key), root_);
    }

    Reader required(std::string_view key) const {
        auto found = optional(key);
        if (!found) throw ProtocolError("missing field '" + child_path(key) + "'");
        return *found;
    }

    std::vector<Reader> items() const {
        if (!value_->is_array()) fail("must be an array, got " + describe(*value_));
        std::vector<Reader> out;
        out.reserve(value_->size());
        for (std::size_t i = 0; i < value_->size(); ++i) {
            out.emplace_back((*value_)[i], path_ + "[" + std::to_string(i) + "]", root_);
        }
        return out;
    }

    uint64_t integer(uint64_t min, uint64_t max) const {
        const json& v = *value_;
        const bool in_range =
            (v.is_number_unsigned() && v.get<uint64_t>() >= min && v.get<uint64_t>() <= max) ||
            (v.is_number_integer() && v.get<int64_t>() >= 0 &&
             static_cast<uint64_t>(v.get<int64_t>()) >= min &&
             static_cast<uint64_t>(v.get<int64_t>()) <= max);
        if (!in_range) {
            fail("must be an integer " + std::to_string(min) + ".." + std::to_string(max) +
                 ", got " + describe(v));
        }
        return v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
    }
    uint64_t counter() const { return integer(0, UINT64_MAX); }

    int64_t signed_integer() const {
        if (!value_->is_number_integer()) fail("must be an integer, got " + describe(*value_));
        if (value_->is_number_unsigned() && value_->get<uint64_t>() > INT64_MAX) {
            fail("is out of range, got " + describe(*value_));
        }
        return value_->get<int64_t>();
    }

    std::string string() const {
        if (!value_->is_string()) fail("must be a string, got " + describe(*value_));
        return value_->get<std::string>();
    }

    std::string nonempty_string() const {
        std::string s = string();
        if (s.empty()) fail("must not be empty");
        return s;
    }

    bool boolean() const {
        if (!value_->is_boolean()) fail("must be true or false, got " + describe(*value_));
        return value_->get<bool>();
    }

    uint32_t ipv4() const {
        if (value_->is_string()) {
            if (auto a = parse_ipv4(value_->get_ref<const std::string&>())) return *a;
        }
        fail("must be an IPv4 address like \"192.0.2.10\", got " + describe(*value_));
    }

    double number() const {
        if (!value_->is_number()) fail("must be a number, got " + describe(*value_));
        return value_->get<double>();
    }

    uint16_t port() const { return static_cast<uint16_t>(integer(0, 65535)); }

    uint32_t netmask() const {
        const uint32_t mask = ipv4();
        if (!is_contiguous_netmask(mask)) fail("is not a contiguous netmask: " + describe(*value_));
        return mask;
    }

    Protocol protocol() const {
        if (value_->is_string()) {
            if (*value_ == "tcp") return Protocol::kTcp;
            if (*value_ == "udp") return Protocol::kUdp;
        }
        fail("must be \"tcp\" or \"udp\", got " + describe(*value_));
    }

    ForwardMethod forward() const {
        if (value_->is_string()) {
            if (*value_ == "nat") return ForwardMethod::kNat;
            if (*value_ == "dr") return ForwardMethod::kDr;
            if (*value_ == "tun") return ForwardMethod::kTun;
        }
        fail("must be \"nat\", \"dr\" or \"tun\", got " + describe(*value_));
    }

private:
    std::string child_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }

    const json* value_;
    std::string path_;
    const char* root_;
};

// ------------------------------------------------------ request fields

ServiceKey read_service_key(const Reader& r) {
    ServiceKey k;
    k.vip = r.required("vip").ipv4();
    k.port = r.required("port").port();
    k.protocol = r.required("protocol").protocol();
    return k;
}

ServiceKey read_service_key_only(const Reader& r) {
    r.expect_object({"vip", "port", "protocol"});
    return read_service_key(r);
}

Persistence read_persistence(const Reader& r) {
    r.expect_object({"timeout", "netmask"});
    Persistence p;
    if (auto v = r.optional("timeout"))
        p.timeout = static_cast<uint32_t>(v->integer(1, kMaxTimeoutSeconds));
    if (auto v = r.optional("netmask")) p.netmask = v->netmask();
    return p;
}

ServiceSpec read_service_spec(const Reader& r) {
    r.expect_object({"vip", "port", "protocol", "scheduler", "flags", "persistence"});
    ServiceSpec s;
    s.key = read_service_key(r);
    if (auto v = r.optional("scheduler")) s.scheduler = v->nonempty_string();
    if (auto v = r.optional("flags")) {
        std::vector<std::string> flags;
        for (const Reader& item : v->items()) {
            std::string flag = item.string();
            if (flag != "sh-fallback" && flag != "sh-port" && flag != "mh-fallback" &&
                flag != "mh-port") {
                item.fail("is not a scheduler flag: " + describe(item.value()) +
                          " (expected sh-fallback, sh-port, mh-fallback or mh-port)");
            }
            flags.push_back(std::move(flag));
        }
        s.flags = std::move(flags);
    }
    if (auto v = r.optional("persistence")) {
        s.persistence = v->is_null() ? std::optional<Persistence>() : read_persistence(*v);
    }
    return s;
}

ServerKey read_server_key(const Reader& r) {
    ServerKey k;
    k.address = r.required("address").ipv4();
    k.port = r.required("port").port();
    return k;
}

ServerSpec read_server_spec(const Reader& r) {
    r.expect_object({"address", "port", "weight", "forward"});
    ServerSpec s;
    s.key = read_server_key(r);
    if (auto v = r.optional("weight")) s.weight = static_cast<uint32_t>(v->integer(0, 65535));
    if (auto v = r.optional("forward")) s.forward = v->forward();
    return s;
}

ConnFilter read_conn_filter(const Reader& r) {
    r.expect_object({"vip", "port", "client", "server", "protocol"});
    ConnFilter f;
    if (auto v = r.optional("vip")) f.vip = v->ipv4();
    if (auto v = r.optional("port")) f.port = v->port();
    if (auto v = r.optional("client")) f.client = v->ipv4();
    if (auto v = r.optional("server")) f.server = v->ipv4();
    if (auto v = r.optional("protocol")) f.protocol = v->protocol();
    return f;
}

json service_key_json(const ServiceKey& k) {
    return {{"vip", ipv4_to_string(k.vip)},
            {"port", k.port},
            {"protocol", std::string(protocol_name(k.protocol))}};
}

json persistence_json(const Persistence& p) {
    return {{"timeout", p.timeout}, {"netmask", ipv4_to_string(p.netmask)}};
}

json service_spec_json(const ServiceSpec& s) {
    json j = service_key_json(s.key);
    if (s.scheduler) j["scheduler"] = *s.scheduler;
    if (s.flags) j["flags"] = *s.flags;
    if (s.persistence)
        j["persistence"] = *s.persistence ? persistence_json(**s.persistence) : json();
    return j;
}

json server_key_json(const ServerKey& k) {
    return {{"address", ipv4_to_string(k.address)}, {"port", k.port}};
}

json server_spec_json(const ServerSpec& s) {
    json j = server_key_json(s.key);
    if (s.weight) j["weight"] = *s.weight;
    if (s.forward) j["forward"] = std::string(forward_name(*s.forward));
    return j;
}

json request_envelope(std::string_view op) { return {{"v", kVersion}, {"op", std::string(op)}}; }

template <class T>
constexpr std::string_view kOpName = "";
template <>
constexpr std::string_view kOpName<StatusRequest> = "status";
template <>
constexpr std::string_view kOpName<ReloadRequest> = "reload";
template <>
constexpr std::string_view kOpName<ListRequest> = "list";
template <>
constexpr std::string_view kOpName<AddServiceRequest> = "add_service";
template <>
constexpr std::string_view kOpName<EditServiceRequest> = "edit_service";
template <>
constexpr std::string_view kOpName<DelServiceRequest> = "del_service";
template <>
constexpr std::string_view kOpName<AddServerRequest> = "add_server";
template <>
constexpr std::string_view kOpName<EditServerRequest> = "edit_server";
template <>
constexpr std::string_view kOpName<DelServerRequest> = "del_server";
template <>
constexpr std::string_view kOpName<ClearRequest> = "clear";
template <>
constexpr std::string_view kOpName<ZeroRequest> = "zero";
template <>
constexpr std::string_view kOpName<SetTimeoutsRequest> = "set_timeouts";
template <>
constexpr std::string_view kOpName<SaveYamlRequest> = "save_yaml";
template <>
constexpr std::string_view kOpName<ConnsRequest> = "conns";
template <>
constexpr std::string_view kOpName<HealthRequest> = "health";
template <>
constexpr std::string_view kOpName<HaRequest> = "ha";

// Fills the alternative of Request whose op name is `op`.
template <std::size_t I = 0>
std::optional<Request> empty_request_for(std::string_view op) {
    if constexpr (I == std::variant_size_v<Request>) {
        return std::nullopt;
    } else {
        using T = std::variant_alternative_t<I, Request>;
        if (kOpName<T> == op) return Request(T{});
        return empty_request_for<I + 1>(op);
    }
}

// ----------------------------------------------------- response fields

Counters read_counters(const Reader& r) {
    Counters c;
    c.conns = r.required("conns").counter();
    c.pkts_in = r.required("pkts_in").counter();
    c.pkts_out = r.required("pkts_out").counter();
    c.bytes_in = r.required("bytes_in").counter();
    c.bytes_out = r.required("bytes_out").counter();
    return c;
}

// Counters are all there or all absent; "conns" decides.
std::optional<Counters> read_optional_counters(const Reader& r) {
    if (!r.optional("conns")) return std::nullopt;
    return read_counters(r);
}

std::optional<Rates> read_optional_rates(const Reader& r) {
    auto v = r.optional("rate");
    if (!v || v->is_null()) return std::nullopt;
    if (!v->value().is_object()) v->fail("must be an object, got " + describe(v->value()));
    Rates rate;
    rate.cps = v->required("cps").counter();
    rate.inpps = v->required("inpps").counter();
    rate.outpps = v->required("outpps").counter();
    rate.inbps = v->required("inbps").counter();
    rate.outbps = v->required("outbps").counter();
    return rate;
}

void put_counters(json& j, const std::optional<Counters>& c) {
    if (!c) return;
    j["conns"] = c->conns;
    j["pkts_in"] = c->pkts_in;
    j["pkts_out"] = c->pkts_out;
    j["bytes_in"] = c->bytes_in;
    j["bytes_out"] = c->bytes_out;
}

void put_rates(json& j, const std::optional<Rates>& r) {
    if (!r) return;
    j["rate"] = {{"cps", r->cps},
                 {"inpps", r->inpps},
                 {"outpps", r->outpps},
                 {"inbps", r->inbps},
                 {"outbps", r->outbps}};
}

// Runs a response parser with the message prefix clients show.
template <class F>
auto parse_response(const json& response, F&& read) {
    check_response(response);
    try {
        return read(Reader(response, "", "response"));
    } catch (const ProtocolError& e) {
        throw ProtocolError(std::string("malformed response: ") + e.what());
    }
}

}  // namespace

// ----------------------------------------------------------------- requests

const std::vector<std::string_view>& known_ops() {
    static const std::vector<std::string_view> ops = [] {
        std::vector<std::string_view> out;
        std::apply(
            [&](auto... alt) { (out.push_back(kOpName<decltype(alt)>), ...); },
            std::tuple<StatusRequest, ReloadRequest, ListRequest, AddServiceRequest,
                       EditServiceRequest, DelServiceRequest, AddServerRequest, EditServerRequest,
                       DelServerRequest, ClearRequest, ZeroRequest, SetTimeoutsRequest,
                       SaveYamlRequest, ConnsRequest, HealthRequest, HaRequest>());
        return out;
    }();
    return ops;
}

std::string_view op_name(const Request& request) {
    return std::visit([](const auto& r) { return kOpName<std::decay_t<decltype(r)>>; }, request);
}

Request parse_request(const json& request) {
    const Reader r(request, "", "request");
    if (!request.is_object()) r.fail("must be a JSON object, got " + describe(request));
    auto version = r.optional("v");
    if (!version) {
        throw ProtocolError("missing field 'v' (the protocol version, " + std::to_string(kVersion) +
                            ")");
    }
    if (!version->value().is_number_integer() || version->value() != kVersion) {
        throw ProtocolError("unsupported protocol version " + describe(version->value()) +
                            " (dvsd speaks version " + std::to_string(kVersion) + ")");
    }
    const std::string op = r.required("op").string();
    std::optional<Request> typed = empty_request_for(op);
    if (!typed) {
        throw ProtocolError("unknown op " + describe(request["op"]) +
                            " (known: " + join(known_ops()) + ")");
    }

    std::visit(
        [&](auto& q) {
            using T = std::decay_t<decltype(q)>;
            if constexpr (std::is_same_v<T, ListRequest>) {
                r.expect_object({"v", "op", "stats", "rate"});
                if (auto v = r.optional("stats")) q.stats = v->boolean();
                if (auto v = r.optional("rate")) q.rate = v->boolean();
            } else if constexpr (std::is_same_v<T, AddServiceRequest> ||
                                 std::is_same_v<T, EditServiceRequest>) {
                r.expect_object({"v", "op", "service"});
                q.service = read_service_spec(r.required("service"));
            } else if constexpr (std::is_same_v<T, DelServiceRequest>) {
                r.expect_object({"v", "op", "service"});
                q.service = read_service_key_only(r.required("service"));
            } else if constexpr (std::is_same_v<T, AddServerRequest> ||
                                 std::is_same_v<T, EditServerRequest>) {
                r.expect_object({"v", "op", "service", "server"});
                q.service = read_service_key_only(r.required("service"));
                q.server = read_server_spec(r.required("server"));
            } else if constexpr (std::is_same_v<T, DelServerRequest>) {
                r.expect_object({"v", "op", "service", "server"});
                q.service = read_service_key_only(r.required("service"));
                const Reader server = r.required("server");
                server.expect_object({"address", "port"});
                q.server = read_server_key(server);
            } else if constexpr (std::is_same_v<T, ZeroRequest>) {
                r.expect_object({"v", "op", "service"});
                if (auto v = r.optional("service")) q.service = read_service_key_only(*v);
            } else if constexpr (std::is_same_v<T, SetTimeoutsRequest>) {
                r.expect_object({"v", "op", "tcp", "tcp_fin", "udp"});
                q.tcp = static_cast<uint32_t>(r.required("tcp").integer(0, kMaxTimeoutSeconds));
                q.tcp_fin =
                    static_cast<uint32_t>(r.required("tcp_fin").integer(0, kMaxTimeoutSeconds));
                q.udp = static_cast<uint32_t>(r.required("udp").integer(0, kMaxTimeoutSeconds));
            } else if constexpr (std::is_same_v<T, ConnsRequest>) {
                r.expect_object({"v", "op", "filter", "limit"});
                if (auto v = r.optional("filter")) q.filter = read_conn_filter(*v);
                if (auto v = r.optional("limit")) {
                    q.limit = static_cast<uint32_t>(v->integer(1, UINT32_MAX));
                }
            } else {
                // status, reload, clear, save_yaml, health, ha: no fields.
                r.expect_object({"v", "op"});
            }
        },
        *typed);
    return *typed;
}

json parse_request_line(std::string_view line) {
    try {
        return json::parse(line);
    } catch (const json::exception& e) {
        // Not only parse_error: a number too large for a double is
        // out_of_range (found by fuzz_mgmt), and must not escape either.
        // nlohmann prefixes "[json.exception.parse_error.101] ": noise for an operator.
        std::string what = e.what();
        if (auto end = what.find("] ");
            what.rfind("[json.exception", 0) == 0 && end != std::string::npos) {
            what.erase(0, end + 2);
        }
        throw ProtocolError("malformed request: " + what);
    }
}

json to_json(const Request& request) {
    json j = request_envelope(op_name(request));
    std::visit(
        [&](const auto& q) {
            using T = std::decay_t<decltype(q)>;
            if constexpr (std::is_same_v<T, ListRequest>) {
                if (q.stats) j["stats"] = true;
                if (q.rate) j["rate"] = true;
            } else if constexpr (std::is_same_v<T, AddServiceRequest> ||
                                 std::is_same_v<T, EditServiceRequest>) {
                j["service"] = service_spec_json(q.service);
            } else if constexpr (std::is_same_v<T, DelServiceRequest>) {
                j["service"] = service_key_json(q.service);
            } else if constexpr (std::is_same_v<T, AddServerRequest> ||
                                 std::is_same_v<T, EditServerRequest>) {
                j["service"] = service_key_json(q.service);
                j["server"] = server_spec_json(q.server);
            } else if constexpr (std::is_same_v<T, DelServerRequest>) {
                j["service"] = service_key_json(q.service);
                j["server"] = server_key_json(q.server);
            } else if constexpr (std::is_same_v<T, ZeroRequest>) {
                if (q.service) j["service"] = service_key_json(*q.service);
            } else if constexpr (std::is_same_v<T, SetTimeoutsRequest>) {
                j["tcp"] = q.tcp;
                j["tcp_fin"] = q.tcp_fin;
                j["udp"] = q.udp;
            } else if constexpr (std::is_same_v<T, ConnsRequest>) {
                json filter = json::object();
                if (q.filter.vip) filter["vip"] = ipv4_to_string(*q.filter.vip);
                if (q.filter.port) filter["port"] = *q.filter.port;
                if (q.filter.client) filter["client"] = ipv4_to_string(*q.filter.client);
                if (q.filter.server) filter["server"] = ipv4_to_string(*q.filter.server);
                if (q.filter.protocol)
                    filter["protocol"] = std::string(protocol_name(*q.filter.protocol));
                if (!filter.empty()) j["filter"] = std::move(filter);
                if (q.limit) j["limit"] = *q.limit;
            }
        },
        request);
    return j;
}

// ---------------------------------------------------------------- responses

json ok_response(json body) {
    json j = {{"v", kVersion}, {"ok", true}};
    if (body.is_object()) {
        for (auto& [key, value] : body.items()) {
            if (key != "v" && key != "ok") j[key] = std::move(value);
        }
    }
    return j;
}

json error_response(std::string_view message) {
    return {{"v", kVersion}, {"ok", false}, {"error", std::string(message)}};
}

json to_json(const StatusResponse& r) {
    json last = nullptr;
    if (r.last_reload) {
        last = {{"ok", r.last_reload->ok},
                {"time", r.last_reload->time},
                {"message", r.last_reload->message}};
    }
    json drops = json::object();
    for (const auto& [reason, n] : r.drops) drops[reason] = n;
    return ok_response({{"workers", r.workers},
                        {"snapshot_version", r.snapshot_version},
                        {"config_file", r.config_file},
                        {"last_reload", std::move(last)},
                        {"drops", std::move(drops)},
                        {"needs_restart", r.needs_restart}});
}

json to_json(const ListResponse& r) {
    json services = json::array();
    for (const ServiceInfo& s : r.services) {
        json j = service_key_json(s.key);
        j["name"] = s.name;
        j["scheduler"] = s.scheduler;
        j["flags"] = s.flags;
        j["persistence"] = s.persistence ? persistence_json(*s.persistence) : json();
        put_counters(j, s.stats);
        put_rates(j, s.rate);
        json servers = json::array();
        for (const RealServerInfo& rs : s.real_servers) {
            json k = server_key_json(rs.key);
            k["weight"] = rs.weight;
            k["forward"] = std::string(forward_name(rs.forward));
            k["active_conns"] = rs.active_conns;
            k["inactive_conns"] = rs.inactive_conns;
            put_counters(k, rs.stats);
            put_rates(k, rs.rate);
            servers.push_back(std::move(k));
        }
        j["real_servers"] = std::move(servers);
        services.push_back(std::move(j));
    }
    return ok_response(
        {{"services", std::move(services)},
         {"timeouts",
          {{"tcp", r.timeouts.tcp}, {"tcp_fin", r.timeouts.tcp_fin}, {"udp", r.timeouts.udp}}}});
}

json to_json(const ConnsResponse& r) {
    json conns = json::array();
    for (const ConnInfo& c : r.conns) {
        conns.push_back({{"protocol", std::string(protocol_name(c.protocol))},
                         {"client", ipv4_to_string(c.client)},
                         {"client_port", c.client_port},
                         {"vip", ipv4_to_string(c.vip)},
                         {"vport", c.vport},
                         {"server", ipv4_to_string(c.server)},
                         {"server_port", c.server_port},
                         {"state", c.state},
                         {"expires_in", c.expires_in}});
    }
    json body = {{"conns", std::move(conns)}};
    if (r.truncated) body["truncated"] = true;
    return ok_response(std::move(body));
}

json to_json(const HealthResponse& r) {
    json services = json::array();
    for (const ServiceHealth& s : r.services) {
        json j = service_key_json(s.key);
        j["name"] = s.name;
        json sorry = nullptr;
        if (s.sorry_server) {
            sorry = server_key_json(s.sorry_server->key);
            sorry["active"] = s.sorry_server->active;
        }
        j["sorry_server"] = std::move(sorry);
        json servers = json::array();
        for (const ServerHealth& h : s.real_servers) {
            json k = server_key_json(h.key);
            k["weight"] = h.weight;
            k["effective_weight"] = h.effective_weight;
            k["in_pool"] = h.in_pool;
            k["check"] = h.check;
            k["state"] = h.state;
            k["since"] = h.since;
            k["last_check"] = h.last_check;
            k["last_ok"] = h.last_ok;
            k["last_reason"] = h.last_reason;
            k["agent"] = h.agent ? json{{"percent", h.agent->percent}, {"last", h.agent->last}}
                                 : json();
            k["checks"] = h.checks;
            k["failures"] = h.failures;
            k["transitions"] = h.transitions;
            k["agent_checks"] = h.agent_checks;
            k["agent_failures"] = h.agent_failures;
            servers.push_back(std::move(k));
        }
        j["real_servers"] = std::move(servers);
        services.push_back(std::move(j));
    }
    return ok_response({{"services", std::move(services)}});
}

json to_json(const HaResponse& r) {
    if (!r.enabled) return ok_response({{"enabled", false}});
    json instances = json::array();
    for (const VrrpInstanceInfo& v : r.instances) {
        const VrrpCountersInfo& c = v.counters;
        instances.push_back({{"name", v.name},
                             {"vrid", v.vrid},
                             {"state", v.state},
                             {"priority", v.priority},
                             {"advert_interval_ms", v.advert_interval_ms},
                             {"master", v.master == 0 ? std::string() : ipv4_to_string(v.master)},
                             {"since_ms", v.since_ms},
                             {"reason", v.reason},
                             {"counters",
                              {{"adverts_sent", c.adverts_sent},
                               {"adverts_received", c.adverts_received},
                               {"became_master", c.became_master},
                               {"became_backup", c.became_backup},
                               {"priority_zero_sent", c.priority_zero_sent},
                               {"priority_zero_received", c.priority_zero_received},
                               {"dropped", c.dropped},
                               {"address_mismatch", c.address_mismatch},
                               {"interval_mismatch", c.interval_mismatch}}}});
    }
    const HaSyncInfo& s = r.sync;
    const HaDataplaneInfo& d = r.dataplane;
    return ok_response({{"enabled", true},
                        {"interface", r.interface},
                        {"instances", std::move(instances)},
                        {"sync",
                         {{"configured", s.configured},
                          {"peer", s.peer},
                          {"requesting_full", s.requesting_full},
                          {"records_sent", s.records_sent},
                          {"records_received", s.records_received},
                          {"datagrams_lost", s.datagrams_lost},
                          {"queued", s.queued},
                          {"last_receive_age_s", s.last_receive_age_s},
                          {"full_transfers_received", s.full_transfers_received},
                          {"last_full_records", s.last_full_records},
                          {"last_full_ms", s.last_full_ms},
                          {"unknown_server", s.unknown_server},
                          {"install_ring_full", s.install_ring_full},
                          {"bad_datagrams", s.bad_datagrams},
                          {"send_blocked", s.send_blocked},
                          {"gap_repairs", s.gap_repairs}}},
                        {"dataplane",
                         {{"sync_emitted", d.sync_emitted},
                          {"sync_lost", d.sync_lost},
                          {"sync_installed", d.sync_installed},
                          {"sync_updated", d.sync_updated},
                          {"sync_removed", d.sync_removed},
                          {"sync_kept", d.sync_kept},
                          {"sync_install_failed", d.sync_install_failed},
                          {"garps_sent", d.garps_sent},
                          {"ha_backup_drops", d.ha_backup_drops}}}});
}

const json& check_response(const json& response) {
    if (!response.is_object()) {
        throw ProtocolError("malformed response: expected a JSON object, got " +
                            describe(response));
    }
    auto v = response.find("v");
    if (v == response.end() || *v != kVersion) {
        throw ProtocolError("malformed response: protocol version " +
                            (v == response.end() ? std::string("missing") : describe(*v)) +
                            " (dvsadm speaks version " + std::to_string(kVersion) + ")");
    }
    auto ok = response.find("ok");
    if (ok == response.end() || !ok->is_boolean()) {
        throw ProtocolError("malformed response: field 'ok' must be true or false");
    }
    if (!ok->get<bool>()) {
        auto error = response.find("error");
        if (error == response.end() || !error->is_string()) {
            throw DaemonError("dvsd refused the request without saying why");
        }
        throw DaemonError(error->get<std::string>());
    }
    return response;
}

StatusResponse parse_status_response(const json& response) {
    return parse_response(response, [](const Reader& r) {
        StatusResponse s;
        s.workers = static_cast<uint32_t>(r.required("workers").integer(0, UINT32_MAX));
        s.snapshot_version = r.required("snapshot_version").counter();
        s.config_file = r.required("config_file").string();
        if (auto v = r.optional("last_reload"); v && !v->is_null()) {
            if (!v->value().is_object()) v->fail("must be an object or null");
            LastReload last;
            last.ok = v->required("ok").boolean();
            last.time = v->required("time").signed_integer();
            last.message = v->required("message").string();
            s.last_reload = std::move(last);
        }
        const Reader drops = r.required("drops");
        if (!drops.value().is_object()) drops.fail("must be an object");
        for (const auto& [reason, unused] : drops.value().items()) {
            s.drops[reason] = drops.required(reason).counter();
        }
        for (const Reader& item : r.required("needs_restart").items()) {
            s.needs_restart.push_back(item.string());
        }
        return s;
    });
}

ListResponse parse_list_response(const json& response) {
    return parse_response(response, [](const Reader& r) {
        ListResponse list;
        for (const Reader& sr : r.required("services").items()) {
            if (!sr.value().is_object()) sr.fail("must be an object");
            ServiceInfo s;
            s.name = sr.optional("name") ? sr.required("name").string() : std::string();
            s.key = read_service_key(sr);
            s.scheduler = sr.required("scheduler").string();
            if (auto v = sr.optional("flags")) {
                for (const Reader& item : v->items()) s.flags.push_back(item.string());
            }
            if (auto v = sr.optional("persistence"); v && !v->is_null()) {
                if (!v->value().is_object()) v->fail("must be an object or null");
                Persistence p;
                p.timeout = static_cast<uint32_t>(v->required("timeout").integer(0, UINT32_MAX));
                p.netmask = v->required("netmask").ipv4();
                s.persistence = p;
            }
            s.stats = read_optional_counters(sr);
            s.rate = read_optional_rates(sr);
            for (const Reader& rr : sr.required("real_servers").items()) {
                if (!rr.value().is_object()) rr.fail("must be an object");
                RealServerInfo rs;
                rs.key = read_server_key(rr);
                rs.weight = static_cast<uint32_t>(rr.required("weight").integer(0, UINT32_MAX));
                rs.forward = rr.required("forward").forward();
                rs.active_conns = rr.required("active_conns").counter();
                rs.inactive_conns = rr.required("inactive_conns").counter();
                rs.stats = read_optional_counters(rr);
                rs.rate = read_optional_rates(rr);
                s.real_servers.push_back(std::move(rs));
            }
            list.services.push_back(std::move(s));
        }
        const Reader t = r.required("timeouts");
        if (!t.value().is_object()) t.fail("must be an object");
        list.timeouts.tcp = static_cast<uint32_t>(t.required("tcp").integer(0, UINT32_MAX));
        list.timeouts.tcp_fin = static_cast<uint32_t>(t.required("tcp_fin").integer(0, UINT32_MAX));
        list.timeouts.udp = static_cast<uint32_t>(t.required("udp").integer(0, UINT32_MAX));
        return list;
    });
}

ConnsResponse parse_conns_response(const json& response) {
    return parse_response(response, [](const Reader& r) {
        ConnsResponse out;
        for (const Reader& cr : r.required("conns").items()) {
            if (!cr.value().is_object()) cr.fail("must be an object");
            ConnInfo c;
            c.protocol = cr.required("protocol").protocol();
            c.client = cr.required("client").ipv4();
            c.client_port = cr.required("client_port").port();
            c.vip = cr.required("vip").ipv4();
            c.vport = cr.required("vport").port();
            c.server = cr.required("server").ipv4();
            c.server_port = cr.required("server_port").port();
            c.state = cr.required("state").string();
            c.expires_in = static_cast<uint32_t>(cr.required("expires_in").integer(0, UINT32_MAX));
            out.conns.push_back(std::move(c));
        }
        if (auto v = r.optional("truncated")) out.truncated = v->boolean();
        return out;
    });
}

HealthResponse parse_health_response(const json& response) {
    return parse_response(response, [](const Reader& r) {
        HealthResponse out;
        for (const Reader& sr : r.required("services").items()) {
            if (!sr.value().is_object()) sr.fail("must be an object");
            ServiceHealth s;
            s.name = sr.required("name").string();
            s.key = read_service_key(sr);
            if (auto v = sr.optional("sorry_server"); v && !v->is_null()) {
                if (!v->value().is_object()) v->fail("must be an object or null");
                s.sorry_server = SorryHealth{read_server_key(*v), v->required("active").boolean()};
            }
            for (const Reader& rr : sr.required("real_servers").items()) {
                if (!rr.value().is_object()) rr.fail("must be an object");
                ServerHealth h;
                h.key = read_server_key(rr);
                h.weight = static_cast<uint32_t>(rr.required("weight").integer(0, UINT32_MAX));
                h.effective_weight =
                    static_cast<uint32_t>(rr.required("effective_weight").integer(0, UINT32_MAX));
                h.in_pool = rr.required("in_pool").boolean();
                h.check = rr.required("check").string();
                h.state = rr.required("state").string();
                h.since = rr.required("since").signed_integer();
                h.last_check = rr.required("last_check").signed_integer();
                h.last_ok = rr.required("last_ok").boolean();
                h.last_reason = rr.required("last_reason").string();
                if (auto a = rr.optional("agent"); a && !a->is_null()) {
                    if (!a->value().is_object()) a->fail("must be an object or null");
                    h.agent = AgentHealth{
                        static_cast<uint32_t>(a->required("percent").integer(0, UINT32_MAX)),
                        a->required("last").string()};
                }
                h.checks = rr.required("checks").counter();
                h.failures = rr.required("failures").counter();
                h.transitions = rr.required("transitions").counter();
                h.agent_checks = rr.required("agent_checks").counter();
                h.agent_failures = rr.required("agent_failures").counter();
                s.real_servers.push_back(std::move(h));
            }
            out.services.push_back(std::move(s));
        }
        return out;
    });
}

HaResponse parse_ha_response(const json& response) {
    return parse_response(response, [](const Reader& r) {
        HaResponse out;
        out.enabled = r.required("enabled").boolean();
        if (!out.enabled) return out;
        out.interface = r.required("interface").string();
        for (const Reader& ir : r.required("instances").items()) {
            if (!ir.value().is_object()) ir.fail("must be an object");
            VrrpInstanceInfo v;
            v.name = ir.required("name").string();
            v.vrid = static_cast<uint32_t>(ir.required("vrid").integer(0, 255));
            v.state = ir.required("state").string();
            v.priority = static_cast<uint32_t>(ir.required("priority").integer(0, 255));
            v.advert_interval_ms =
                static_cast<uint32_t>(ir.required("advert_interval_ms").integer(0, UINT32_MAX));
            const Reader master = ir.required("master");
            v.master = master.value() == "" ? 0 : master.ipv4();
            v.since_ms = ir.required("since_ms").signed_integer();
            v.reason = ir.required("reason").string();
            const Reader c = ir.required("counters");
            if (!c.value().is_object()) c.fail("must be an object");
            v.counters.adverts_sent = c.required("adverts_sent").counter();
            v.counters.adverts_received = c.required("adverts_received").counter();
            v.counters.became_master = c.required("became_master").counter();
            v.counters.became_backup = c.required("became_backup").counter();
            v.counters.priority_zero_sent = c.required("priority_zero_sent").counter();
            v.counters.priority_zero_received = c.required("priority_zero_received").counter();
            v.counters.dropped = c.required("dropped").counter();
            v.counters.address_mismatch = c.required("address_mismatch").counter();
            v.counters.interval_mismatch = c.required("interval_mismatch").counter();
            out.instances.push_back(std::move(v));
        }
        const Reader s = r.required("sync");
        if (!s.value().is_object()) s.fail("must be an object");
        out.sync.configured = s.required("configured").boolean();
        out.sync.peer = s.required("peer").string();
        out.sync.requesting_full = s.required("requesting_full").boolean();
        out.sync.records_sent = s.required("records_sent").counter();
        out.sync.records_received = s.required("records_received").counter();
        out.sync.datagrams_lost = s.required("datagrams_lost").counter();
        out.sync.queued = s.required("queued").counter();
        out.sync.last_receive_age_s = s.required("last_receive_age_s").number();
        out.sync.full_transfers_received = s.required("full_transfers_received").counter();
        out.sync.last_full_records = s.required("last_full_records").counter();
        out.sync.last_full_ms = s.required("last_full_ms").number();
        out.sync.unknown_server = s.required("unknown_server").counter();
        out.sync.install_ring_full = s.required("install_ring_full").counter();
        out.sync.bad_datagrams = s.required("bad_datagrams").counter();
        out.sync.send_blocked = s.required("send_blocked").counter();
        out.sync.gap_repairs = s.required("gap_repairs").counter();
        const Reader d = r.required("dataplane");
        if (!d.value().is_object()) d.fail("must be an object");
        out.dataplane.sync_emitted = d.required("sync_emitted").counter();
        out.dataplane.sync_lost = d.required("sync_lost").counter();
        out.dataplane.sync_installed = d.required("sync_installed").counter();
        out.dataplane.sync_updated = d.required("sync_updated").counter();
        out.dataplane.sync_removed = d.required("sync_removed").counter();
        out.dataplane.sync_kept = d.required("sync_kept").counter();
        out.dataplane.sync_install_failed = d.required("sync_install_failed").counter();
        out.dataplane.garps_sent = d.required("garps_sent").counter();
        out.dataplane.ha_backup_drops = d.required("ha_backup_drops").counter();
        return out;
    });
}

std::string parse_message_response(const json& response) {
    return parse_response(response, [](const Reader& r) {
        auto v = r.optional("message");
        return v ? v->string() : std::string();
    });
}

std::string parse_yaml_response(const json& response) {
    return parse_response(response, [](const Reader& r) { return r.required("yaml").string(); });
}

std::string encode_line(const json& message) {
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace);
    line += '\n';
    return line;
}

// ------------------------------------------------------------------ values

std::string ipv4_to_string(uint32_t host_order) {
    return std::to_string(host_order >> 24) + "." + std::to_string((host_order >> 16) & 0xff) +
           "." + std::to_string((host_order >> 8) & 0xff) + "." + std::to_string(host_order & 0xff);
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
    // inet_pton (AF_INET) takes exactly a dotted quad of decimal octets,
    // unlike inet_aton ("10.1", hex, octal).
    if (text.size() > 15) return std::nullopt;
    char buffer[16] = {};
    std::copy(text.begin(), text.end(), buffer);
    in_addr addr{};
    if (inet_pton(AF_INET, buffer, &addr) != 1) return std::nullopt;
    return ntohl(addr.s_addr);
}

bool is_contiguous_netmask(uint32_t mask) {
    const uint32_t inverted = ~mask;
    return (inverted & (inverted + 1)) == 0;
}

std::string_view protocol_name(Protocol p) { return p == Protocol::kUdp ? "udp" : "tcp"; }

std::string_view forward_name(ForwardMethod f) {
    switch (f) {
        case ForwardMethod::kDr:
            return "dr";
        case ForwardMethod::kTun:
            return "tun";
        case ForwardMethod::kNat:
            break;
    }
    return "nat";
}

}  // namespace dvs::control::mgmt
