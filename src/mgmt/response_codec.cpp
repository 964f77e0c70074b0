// Answers: each op's fields, listed once (describe), written by dvsd's
// to_json and read by dvsadm's parse_*_response. Reading is strict about
// types and ranges but ignores fields it does not know, so dvsd may add some
// without a version change.

#include "mgmt/fields.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::mgmt {

// ------------------------------------------------------------ field lists

// Traffic counters added after version 1: a dvsd older than them does not
// send them, and a newer dvsadm reads their absence as 0.
constexpr wire::Presence traffic_presence(std::string_view key) {
    return key == "continued_no_state" || key == "continuedps" ? wire::kDefault
                                                               : wire::Presence::kRequired;
}

template <class V, class S>
requires wire::Is<S, Counters>
void describe(V& v, S& c) {
#define DVS_TRAFFIC_FIELD(name, rate_name, help) v(#name, c.name, traffic_presence(#name));
    DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
}

template <class V, class S>
requires wire::Is<S, Rates>
void describe(V& v, S& r) {
#define DVS_RATE_FIELD(name, rate_name, help) \
    v(#rate_name, r.rate_name, traffic_presence(#rate_name));
    DVS_TRAFFIC_COUNTERS(DVS_RATE_FIELD)
#undef DVS_RATE_FIELD
}

template <class V, class S>
requires wire::Is<S, RealServerInfo>
void describe(V& v, S& rs) {
    describe(v, rs.key);
    v("weight", rs.weight);
    v("effective_weight", rs.effective_weight, wire::kLenient);
    v("forward", rs.forward);
    v("options", rs.options, wire::kOmitDefault);
    v("active_conns", rs.active_conns);
    v("inactive_conns", rs.inactive_conns);
    v.group(rs.stats, "conns");  // present when stats was asked for
    v("rate", rs.rate, wire::kLenient);
}

template <class V, class S>
requires wire::Is<S, ServiceInfo>
void describe(V& v, S& s) {
    v("name", s.name, wire::kDefault);
    v("options", s.options, wire::kOmitDefault);
    describe(v, s.key);
    v("scheduler", s.scheduler);
    v("flags", s.flags, wire::kDefault);
    v("persistence", s.persistence, wire::kNullable);
    v.group(s.stats, "conns");
    v("rate", s.rate, wire::kLenient);
    v("real_servers", s.real_servers);
}

template <class V, class S>
requires wire::Is<S, Timeouts>
void describe(V& v, S& t) {
    v("tcp", t.tcp);
    v("tcp_fin", t.tcp_fin);
    v("udp", t.udp);
}

template <class V, class S>
requires wire::Is<S, ListResponse>
void describe(V& v, S& r) {
    v("services", r.services);
    v("timeouts", r.timeouts);
}

template <class V, class S>
requires wire::Is<S, LastReload>
void describe(V& v, S& l) {
    v("ok", l.ok);
    v("time", l.time);
    v("message", l.message);
}

template <class V, class S>
requires wire::Is<S, StatusResponse>
void describe(V& v, S& s) {
    v("workers", s.workers);
    v("snapshot_version", s.snapshot_version);
    v("config_file", s.config_file);
    v("last_reload", s.last_reload, wire::kNullable);
    v("drops", s.drops);
    v("needs_restart", s.needs_restart);
    v("counters", s.counters, wire::kDefault);
    v("unsaved_changes", s.unsaved_changes, wire::kDefault);
}

template <class V, class S>
requires wire::Is<S, ConnInfo>
void describe(V& v, S& c) {
    v("protocol", c.protocol);
    v("client", c.client, wire::kIp);
    v("client_port", c.client_port);
    v("vip", c.vip, wire::kIp);
    v("vport", c.vport);
    v("server", c.server, wire::kIp);
    v("server_port", c.server_port);
    v("state", c.state);
    v("expires_in", c.expires_in);
}

template <class V, class S>
requires wire::Is<S, ConnsResponse>
void describe(V& v, S& r) {
    v("conns", r.conns);
    v("truncated", r.truncated, wire::kOmitDefault);
}

template <class V, class S>
requires wire::Is<S, AgentHealth>
void describe(V& v, S& a) {
    v("percent", a.percent);
    v("last", a.last);
}

template <class V, class S>
requires wire::Is<S, ServerHealth>
void describe(V& v, S& h) {
    describe(v, h.key);
    v("weight", h.weight);
    v("effective_weight", h.effective_weight);
    v("in_pool", h.in_pool);
    v("check", h.check);
    v("state", h.state);
    v("since", h.since);
    v("last_check", h.last_check);
    v("last_ok", h.last_ok);
    v("last_reason", h.last_reason);
    v("agent", h.agent, wire::kNullable);
    v("checks", h.checks);
    v("failures", h.failures);
    v("transitions", h.transitions);
    v("agent_checks", h.agent_checks);
    v("agent_failures", h.agent_failures);
}

template <class V, class S>
requires wire::Is<S, SorryHealth>
void describe(V& v, S& s) {
    describe(v, s.key);
    v("active", s.active);
}

template <class V, class S>
requires wire::Is<S, ServiceHealth>
void describe(V& v, S& s) {
    v("name", s.name);
    describe(v, s.key);
    v("sorry_server", s.sorry_server, wire::kNullable);
    v("real_servers", s.real_servers);
}

template <class V, class S>
requires wire::Is<S, HealthResponse>
void describe(V& v, S& r) { v("services", r.services); }

template <class V, class S>
requires wire::Is<S, VrrpCountersInfo>
void describe(V& v, S& c) {
    v("adverts_sent", c.adverts_sent);
    v("adverts_received", c.adverts_received);
    v("became_master", c.became_master);
    v("became_backup", c.became_backup);
    v("priority_zero_sent", c.priority_zero_sent);
    v("priority_zero_received", c.priority_zero_received);
    v("dropped", c.dropped);
    v("address_mismatch", c.address_mismatch);
    v("interval_mismatch", c.interval_mismatch);
}

template <class V, class S>
requires wire::Is<S, VrrpSocketInfo>
void describe(V& v, S& c) {
    v("received", c.received);
    v("not_for_group", c.not_for_group);
    v("own", c.own);
    v("bad_ip", c.bad_ip);
    v("not_link_local", c.not_link_local);
    v("other_vrid", c.other_vrid);
    v("too_short", c.too_short);
    v("send_errors", c.send_errors);
    v("receive_errors", c.receive_errors);
}

template <class V, class S>
requires wire::Is<S, VrrpInstanceInfo>
void describe(V& v, S& i) {
    v("name", i.name);
    v("vrid", i.vrid, wire::Range{0, 255});
    v("state", i.state);
    v("priority", i.priority, wire::Range{0, 255});
    v("advert_interval_ms", i.advert_interval_ms);
    v("master", i.master, wire::kIpOrEmpty);
    v("since_ms", i.since_ms);
    v("reason", i.reason);
    v("counters", i.counters);
}

template <class V, class S>
requires wire::Is<S, HaSyncInfo>
void describe(V& v, S& s) {
    v("configured", s.configured);
    v("peer", s.peer);
    v("requesting_full", s.requesting_full);
    v("records_sent", s.records_sent);
    v("records_received", s.records_received);
    v("datagrams_lost", s.datagrams_lost);
    v("queued", s.queued);
    v("last_receive_age_s", s.last_receive_age_s);
    v("full_transfers_received", s.full_transfers_received);
    v("last_full_records", s.last_full_records);
    v("last_full_ms", s.last_full_ms);
    v("unknown_server", s.unknown_server);
    v("install_ring_full", s.install_ring_full);
    v("bad_datagrams", s.bad_datagrams);
    v("send_blocked", s.send_blocked);
    v("gap_repairs", s.gap_repairs);
    v("authenticated", s.authenticated);
    v("foreign_datagrams", s.foreign_datagrams);
    v("unauthenticated", s.unauthenticated);
    v("replayed", s.replayed);
    v("bad_version", s.bad_version);
    v("seq_jumps", s.seq_jumps);
    v("ignored_as_master", s.ignored_as_master);
    v("timeouts_capped", s.timeouts_capped);
    v("full_requests_served", s.full_requests_served);
    v("full_requests_limited", s.full_requests_limited);
}

template <class V, class S>
requires wire::Is<S, HaDataplaneInfo>
void describe(V& v, S& d) {
#define DVS_HA_FIELD(group, name, kind, label, help) v(#name, d.name);
    DVS_HA_DATAPLANE_COUNTERS(DVS_HA_FIELD)
#undef DVS_HA_FIELD
    v("ha_backup_drops", d.ha_backup_drops);
}

template <class V, class S>
requires wire::Is<S, HaResponse>
void describe(V& v, S& r) {
    v("enabled", r.enabled);
    if (!r.enabled) return;  // no ha section: nothing else is sent
    v("interface", r.interface);
    v("instances", r.instances);
    v("vrrp_socket", r.vrrp_socket);
    v("sync", r.sync);
    v("dataplane", r.dataplane);
}

template <class V, class S>
requires wire::Is<S, FleetVip>
void describe(V& v, S& f) {
    v("vip", f.vip, wire::kIp);
    v("announced", f.announced);
    v("reason", f.reason);
}

template <class V, class S>
requires wire::Is<S, FleetBgpSession>
void describe(V& v, S& b) {
    v("name", b.name);
    v("state", b.state);
    v("info", b.info, wire::kDefault);
}

template <class V, class S>
requires wire::Is<S, FleetResponse>
void describe(V& v, S& r) {
    v("enabled", r.enabled);
    if (!r.enabled) return;  // no fleet section: nothing else is sent
    v("ready", r.ready);
    v("drained", r.drained);
    v("stopping", r.stopping);
    v("route_table", r.route_table);
    v("interface", r.interface);
    v("vips", r.vips);
    v("bird_socket", r.bird_socket);
    v("bird_reachable", r.bird_reachable);
    v("bird_error", r.bird_error, wire::kDefault);
    v("bgp", r.bgp);
    v("bird_polls", r.bird_polls);
    v("bird_poll_failures", r.bird_poll_failures);
    v("route_errors", r.route_errors);
    v("last_route_error", r.last_route_error, wire::kDefault);
}

namespace {

template <class T>
json write_answer(const T& answer) {
    wire::Writer writer;
    describe(writer, answer);
    return ok_response(std::move(writer.object));
}

// Reads an answer's fields, with the message prefix clients show.
template <class T>
T read_answer(const json& response) {
    check_response(response);
    try {
        T out{};
        const wire::Node root(response, "", "response", /*strict=*/false);
        wire::Reader reader(root);
        describe(reader, out);
        return out;
    } catch (const ProtocolError& e) {
        throw ProtocolError(std::string("malformed response: ") + e.what());
    }
}

// The one-field answers of reload and save_yaml.
struct MessageAnswer {
    std::string message;
};
struct YamlAnswer {
    std::string yaml;
};
struct ChangesAnswer {
    std::vector<std::string> changes;
};

template <class V, class S>
requires wire::Is<S, ChangesAnswer>
void describe(V& v, S& a) { v("changes", a.changes); }

template <class V, class S>
requires wire::Is<S, MessageAnswer>
void describe(V& v, S& a) { v("message", a.message, wire::kDefault); }

template <class V, class S>
requires wire::Is<S, YamlAnswer>
void describe(V& v, S& a) { v("yaml", a.yaml); }

}  // namespace

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

json to_json(const StatusResponse& r) { return write_answer(r); }
json to_json(const ListResponse& r) { return write_answer(r); }
json to_json(const ConnsResponse& r) { return write_answer(r); }
json to_json(const HealthResponse& r) { return write_answer(r); }
json to_json(const HaResponse& r) { return write_answer(r); }
json to_json(const FleetResponse& r) { return write_answer(r); }

const json& check_response(const json& response) {
    if (!response.is_object()) {
        throw ProtocolError("malformed response: expected a JSON object, got " +
                            wire::shown(response));
    }
    auto v = response.find("v");
    if (v == response.end() || *v != kVersion) {
        throw ProtocolError("malformed response: protocol version " +
                            (v == response.end() ? std::string("missing") : wire::shown(*v)) +
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

StatusResponse parse_status_response(const json& r) { return read_answer<StatusResponse>(r); }
ListResponse parse_list_response(const json& r) { return read_answer<ListResponse>(r); }
ConnsResponse parse_conns_response(const json& r) { return read_answer<ConnsResponse>(r); }
HealthResponse parse_health_response(const json& r) { return read_answer<HealthResponse>(r); }
HaResponse parse_ha_response(const json& r) { return read_answer<HaResponse>(r); }
FleetResponse parse_fleet_response(const json& r) { return read_answer<FleetResponse>(r); }

std::string parse_message_response(const json& r) { return read_answer<MessageAnswer>(r).message; }

std::string parse_yaml_response(const json& r) { return read_answer<YamlAnswer>(r).yaml; }

std::vector<std::string> parse_changes_response(const json& r) {
    return read_answer<ChangesAnswer>(r).changes;
}

std::string encode_line(const json& message) {
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace);
    line += '\n';
    return line;
}

}  // namespace dvs::mgmt
