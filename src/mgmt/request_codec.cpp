// Requests: each op's fields, listed once (describe), read strictly by
// parse_request and written by to_json. Every refusal names the field,
// because the peer is a human at one remove (dvsadm prints what we say).

#include <tuple>
#include <type_traits>

#include "mgmt/fields.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::mgmt {

// ------------------------------------------------------------ field lists

template <class V, class S>
requires wire::Is<S, ServiceSpec>
void describe(V& v, S& s) {
    describe(v, s.key);
    v("scheduler", s.scheduler, wire::kNonEmpty);
    v("flags", s.flags, wire::kSchedulerFlag);
    v("persistence", s.persistence);  // absent: unchanged; null: off
}

template <class V, class S>
requires wire::Is<S, ServerSpec>
void describe(V& v, S& s) {
    describe(v, s.key);
    v("weight", s.weight, wire::Range{0, 65535});
    v("forward", s.forward);
}

template <class V, class S>
requires wire::Is<S, ConnFilter>
void describe(V& v, S& f) {
    v("vip", f.vip, wire::kIp);
    v("port", f.port);
    v("client", f.client, wire::kIp);
    v("server", f.server, wire::kIp);
    v("protocol", f.protocol);
}

// The ops without fields.
template <class V, class S>
requires wire::Is<S, StatusRequest> || wire::Is<S, ClearRequest> || wire::Is<S, SaveYamlRequest> ||
    wire::Is<S, HealthRequest> || wire::Is<S, HaRequest> || wire::Is<S, SaveRuntimeRequest>
void describe(V&, S&) {}

template <class V, class S>
requires wire::Is<S, SetServiceOptionsRequest>
void describe(V& v, S& q) {
    v("service", q.service);
    v("options", q.options);
    v("server", q.server, wire::kLenient);
}

template <class V, class S>
requires wire::Is<S, ReloadRequest>
void describe(V& v, S& q) {
    v("dry_run", q.dry_run, wire::kOmitDefault);
    v("restart", q.restart, wire::kOmitDefault);
}

template <class V, class S>
requires wire::Is<S, ListRequest>
void describe(V& v, S& q) {
    v("stats", q.stats, wire::kOmitDefault);
    v("rate", q.rate, wire::kOmitDefault);
}

template <class V, class S>
requires wire::Is<S, AddServiceRequest> || wire::Is<S, EditServiceRequest> ||
    wire::Is<S, DelServiceRequest> || wire::Is<S, ZeroRequest>
void describe(V& v, S& q) { v("service", q.service); }

template <class V, class S>
requires wire::Is<S, AddServerRequest> || wire::Is<S, EditServerRequest> ||
    wire::Is<S, DelServerRequest>
void describe(V& v, S& q) {
    v("service", q.service);
    v("server", q.server);
}

template <class V, class S>
requires wire::Is<S, SetTimeoutsRequest>
void describe(V& v, S& q) {
    v("tcp", q.tcp, wire::Range{0, kMaxTimeoutSeconds});
    v("tcp_fin", q.tcp_fin, wire::Range{0, kMaxTimeoutSeconds});
    v("udp", q.udp, wire::Range{0, kMaxTimeoutSeconds});
}

template <class V, class S>
requires wire::Is<S, FleetRequest>
void describe(V& v, S& q) { v("action", q.action, wire::kNonEmpty); }

template <class V, class S>
requires wire::Is<S, ConnsRequest>
void describe(V& v, S& q) {
    v("filter", q.filter, wire::kOmitDefault);
    v("limit", q.limit, wire::Range{1, UINT32_MAX});
}

namespace {

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
template <>
constexpr std::string_view kOpName<FleetRequest> = "fleet";
template <>
constexpr std::string_view kOpName<SaveRuntimeRequest> = "save_runtime";
template <>
constexpr std::string_view kOpName<SetServiceOptionsRequest> = "set_service_options";

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

std::string join(const std::vector<std::string_view>& names) {
    std::string out;
    for (std::string_view name : names) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

}  // namespace

const std::vector<std::string_view>& known_ops() {
    static const std::vector<std::string_view> ops = [] {
        std::vector<std::string_view> out;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (out.push_back(kOpName<std::variant_alternative_t<I, Request>>), ...);
        }
        (std::make_index_sequence<std::variant_size_v<Request>>());
        return out;
    }();
    return ops;
}

std::string_view op_name(const Request& request) {
    return std::visit([](const auto& r) { return kOpName<std::decay_t<decltype(r)>>; }, request);
}

Request parse_request(const json& request) {
    const wire::Node root(request, "", "request", /*strict=*/true);
    if (!request.is_object()) root.fail("must be a JSON object, got " + wire::shown(request));
    const auto version = request.find("v");
    if (version == request.end()) {
        throw ProtocolError("missing field 'v' (the protocol version, " + std::to_string(kVersion) +
                            ")");
    }
    if (!version->is_number_integer() || *version != kVersion) {
        throw ProtocolError("unsupported protocol version " + wire::shown(*version) +
                            " (dvsd speaks version " + std::to_string(kVersion) + ")");
    }
    std::string op;
    wire::Reader envelope(root);
    envelope("op", op);
    std::optional<Request> typed = empty_request_for(op);
    if (!typed) {
        throw ProtocolError("unknown op " + wire::shown(request["op"]) +
                            " (known: " + join(known_ops()) + ")");
    }
    std::visit(
        [&](auto& q) {
            root.refuse_unknown(wire::field_names<std::decay_t<decltype(q)>>(), {"v", "op"});
            wire::Reader reader(root);
            describe(reader, q);
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
    return std::visit(
        [&](const auto& q) {
            wire::Writer writer({{"v", kVersion}, {"op", std::string(op_name(request))}});
            describe(writer, q);
            return std::move(writer.object);
        },
        request);
}

}  // namespace dvs::mgmt
