#include "control/management.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <variant>

#include "common/text_codec.hpp"
#include "control/config/config_changes.hpp"
#include "control/config/config_writer.hpp"
#include "control/config_edits.hpp"

namespace dvs::control {

namespace {

using dataplane::WorkerCounters;
using edits::server_port;

template <typename... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

// The running Snapshot's service for a configured one (either family).
const dataplane::Service* snapshot_service(const dataplane::Snapshot* snap,
                                           const ServiceConfig& s) {
    if (snap == nullptr) return nullptr;
    const auto proto = static_cast<uint8_t>(s.protocol);
    if (s.vip.is_v4()) return snap->find_exact_service(htonl(s.vip.to_v4()), htons(s.port), proto);
    // find_service6 falls back to the VIP's port-0 service: only the exact one counts.
    const dataplane::Service* svc =
        snap->find_service6(dataplane::Ip6::from(s.vip.bytes.data()), htons(s.port), proto);
    return svc != nullptr && svc->port == htons(s.port) ? svc : nullptr;
}

IpAddress address_of(const dataplane::Ip6& a) { return IpAddress::v6(std::to_array(a.b)); }
IpAddress address_of(uint32_t network_order) { return IpAddress::v4(ntohl(network_order)); }

// One dumped connection, either family, as dvsadm -c shows it. A
// persistence template is listed as ipvsadm -Lc lists one: its protocol
// without the template bit, state NONE, the masked client with port 0.
template <class Entry>  // dataplane::Conn or Conn6
mgmt::ConnInfo conn_info(const Entry& c, uint32_t expires_in) {
    const bool is_template = c.state == dataplane::ConnState::kTemplate;
    mgmt::ConnInfo info;
    info.protocol = static_cast<Protocol>(c.proto & ~dataplane::kTemplateProtoFlag);
    info.client = address_of(c.client_ip);
    info.client_port = ntohs(c.client_port);
    info.vip = address_of(c.vip);
    info.vport = ntohs(c.vport);
    info.server = address_of(c.rs_ip);
    info.server_port = ntohs(c.rs_port);
    info.state = is_template ? "NONE" : dataplane::conn_state_name(c.state);
    info.expires_in = expires_in;
    return info;
}

// dvsadm conns' filter for the workers: an address names its family.
dataplane::ConnDumpFilter dump_filter(const mgmt::ConnFilter& f) {
    dataplane::ConnDumpFilter out;
    auto set = [&](const std::optional<IpAddress>& a, uint32_t& v4, dataplane::Ip6& v6) {
        if (!a) return;
        const uint8_t family = a->is_v4() ? 4 : 6;
        if (out.family != 0 && out.family != family) {
            throw mgmt::DaemonError("the connection filter mixes IPv4 and IPv6 addresses");
        }
        out.family = family;
        if (a->is_v4()) {
            v4 = htonl(a->to_v4());
        } else {
            v6 = dataplane::Ip6::from(a->bytes.data());
        }
    };
    set(f.vip, out.vip, out.vip6);
    set(f.client, out.client, out.client6);
    set(f.server, out.server, out.server6);
    if (f.port) out.vport = htons(*f.port);
    if (f.protocol) out.proto = static_cast<uint8_t>(*f.protocol);
    return out;
}
}  // namespace

namespace {

bool in_service_pool(const dataplane::Service* svc, uint32_t id) {
    return svc != nullptr && std::find(svc->pool.begin(), svc->pool.end(), id) != svc->pool.end();
}

// The weight the schedulers use now, as ipvsadm shows it under keepalived:
// 0 for a server out of the pool (its check failed, drained or removed),
// else the snapshot's weight (already scaled by its agent).
uint32_t effective_weight(const dataplane::Snapshot& snap, const dataplane::Service* svc,
                          uint32_t id) {
    return in_service_pool(svc, id) ? snap.real_servers[id].weight : 0;
}

// One traffic counter set summed over every worker.
template <typename Pick>
Management::Totals sum_over_workers(const StatsView& v, Pick pick) {
    Management::Totals t;
    for (const WorkerCounters* w : v.workers) {
        const dataplane::TrafficCounters& c = pick(*w);
#define DVS_TRAFFIC_FIELD(name, rate_name, help) t.name += c.name.get();
        DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
    }
    return t;
}

}  // namespace

Management::Totals Management::service_totals(const StatsView& v, uint16_t id) const {
    return sum_over_workers(
        v, [id](const WorkerCounters& w) -> const auto& { return w.services[id]; });
}

Management::Totals Management::server_totals(const StatsView& v, uint32_t id) const {
    return sum_over_workers(
        v, [id](const WorkerCounters& w) -> const auto& { return w.real_servers[id]; });
}

void Management::sample_rates() {
    const StatsView v = plane_.stats_view();
    if (v.snapshot == nullptr) return;
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - prev_time_).count();
    const size_t ns = v.snapshot->services.size(), nr = v.snapshot->real_servers.size();
    std::vector<Totals> svc(ns), srv(nr);
    for (size_t i = 0; i < ns; ++i) svc[i] = service_totals(v, static_cast<uint16_t>(i));
    for (size_t i = 0; i < nr; ++i) srv[i] = server_totals(v, static_cast<uint32_t>(i));
    auto rate = [dt](const std::vector<Totals>& cur, const std::vector<Totals>& prev) {
        std::vector<Totals> r(cur.size());
        for (size_t i = 0; i < cur.size() && i < prev.size(); ++i) {
            auto per_s = [dt](uint64_t a, uint64_t b) {
                return a >= b && dt > 0 ? static_cast<uint64_t>((a - b) / dt) : 0;
            };
#define DVS_TRAFFIC_FIELD(name, rate_name, help) r[i].name = per_s(cur[i].name, prev[i].name);
            DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
        }
        return r;
    };
    if (prev_time_ != std::chrono::steady_clock::time_point{}) {
        service_rate_ = rate(svc, service_prev_);
        server_rate_ = rate(srv, server_prev_);
    }
    service_prev_ = std::move(svc);
    server_prev_ = std::move(srv);
    prev_time_ = now;
}

mgmt::ListResponse Management::list(const mgmt::ListRequest& r) const {
    const StatsView v = plane_.stats_view();
    const Config& c = plane_.running_config();
    mgmt::ListResponse out;
    out.timeouts = {c.timeouts.tcp, c.timeouts.tcp_fin, c.timeouts.udp};
    auto minus = [](const Totals& a, const std::vector<Totals>& base, size_t id) {
        const Totals b = id < base.size() ? base[id] : Totals{};
        Totals out;
#define DVS_TRAFFIC_FIELD(name, rate_name, help) out.name = a.name - std::min(a.name, b.name);
        DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
        return out;
    };
    auto rate_of = [](const std::vector<Totals>& rates, size_t id) {
        const Totals t = id < rates.size() ? rates[id] : Totals{};
        mgmt::Rates out;
#define DVS_TRAFFIC_FIELD(name, rate_name, help) out.rate_name = t.name;
        DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
        return out;
    };
    for (const ServiceConfig& s : c.services) {
        mgmt::ServiceInfo info;
        info.name = s.name;
        info.options = service_options_yaml(s);
        info.key = {s.vip, s.port, s.protocol};
        info.scheduler = s.scheduler;
        if (s.sched_fallback) info.flags.push_back(s.scheduler + "-fallback");
        if (s.sched_port) info.flags.push_back(s.scheduler + "-port");
        if (s.persistence) {
            info.persistence =
                mgmt::Persistence{s.persistence->timeout, s.persistence->netmask, std::nullopt};
            // IPv6 services name their prefix length; IPv4 ones leave it out.
            if (s.vip.is_v6()) info.persistence->prefix_length = s.persistence->prefix_length;
        }
        const dataplane::Service* svc = snapshot_service(v.snapshot, s);
        if (svc != nullptr && r.stats)
            info.stats = minus(service_totals(v, svc->id), service_base_, svc->id);
        if (svc != nullptr && r.rate) info.rate = rate_of(service_rate_, svc->id);
        for (size_t i = 0; i < s.real_servers.size(); ++i) {
            const RealServerConfig& rc = s.real_servers[i];
            mgmt::RealServerInfo rs;
            rs.key = {rc.address, server_port(s, rc.port)};
            rs.weight = rc.weight;
            rs.forward = rc.forward;
            rs.options = server_options_yaml(rc);
            // Ids by config position: the pool may lack a removed server.
            const size_t position = static_cast<size_t>(&s - c.services.data());
            if (svc != nullptr && v.ids != nullptr && position < v.ids->real_server.size() &&
                i < v.ids->real_server[position].size()) {
                const uint32_t id = v.ids->real_server[position][i];
                int64_t active = 0, inactive = 0;
                for (const WorkerCounters* w : v.workers) {
                    active += w->rs_load[id].active.get();
                    inactive += w->rs_load[id].inactive.get();
                }
                rs.effective_weight = effective_weight(*v.snapshot, svc, id);
                rs.active_conns = static_cast<uint64_t>(std::max<int64_t>(active, 0));
                rs.inactive_conns = static_cast<uint64_t>(std::max<int64_t>(inactive, 0));
                if (r.stats) rs.stats = minus(server_totals(v, id), server_base_, id);
                if (r.rate) rs.rate = rate_of(server_rate_, id);
            }
            info.real_servers.push_back(std::move(rs));
        }
        out.services.push_back(std::move(info));
    }
    return out;
}

mgmt::StatusResponse Management::status() const {
    const StatsView v = plane_.stats_view();
    mgmt::StatusResponse s;
    s.workers = static_cast<uint32_t>(v.workers.size());
    s.snapshot_version = v.snapshot ? v.snapshot->version : 0;
    s.config_file = plane_.config_file();
    s.last_reload =
        mgmt::LastReload{v.last_reload_ok, plane_.last_reload_time(), v.last_reload_message};
    for (size_t i = 0; i < dataplane::kDropReasonNames.size(); ++i) {
        uint64_t n = 0;
        for (const WorkerCounters* w : v.workers) n += w->drops[i].get();
        s.drops[std::string(dataplane::kDropReasonNames[i])] = n;
    }
    s.needs_restart = plane_.needs_restart();
    s.unsaved_changes = changes_.unsaved();
    for (size_t i = 0; i < dataplane::kWorkerCounterFields.size(); ++i) {
        uint64_t n = 0;
        for (const WorkerCounters* w : v.workers)
            n += (w->*dataplane::kWorkerCounterFields[i]).get();
        s.counters[std::string(counters::kWorker[i].name)] = n;
    }
    return s;
}

// Health as the checks see it, and as the running Snapshot applies it.
mgmt::HealthResponse Management::health() const {
    const StatsView v = plane_.stats_view();
    const Config& c = plane_.running_config();
    const std::vector<std::vector<ServerHealthInfo>> report = plane_.health_report();
    mgmt::HealthResponse out;
    for (size_t si = 0; si < c.services.size(); ++si) {
        const ServiceConfig& s = c.services[si];
        mgmt::ServiceHealth sh;
        sh.name = s.name;
        sh.key = {s.vip, s.port, s.protocol};
        const dataplane::Service* svc = snapshot_service(v.snapshot, s);
        const bool ids_known = v.ids != nullptr && si < v.ids->real_server.size();
        auto in_pool = [&](uint32_t id) { return in_service_pool(svc, id); };
        if (s.sorry_server) {
            mgmt::SorryHealth sorry{{s.sorry_server->address, s.sorry_server->port}, false};
            if (ids_known && si < v.ids->sorry_server.size() &&
                v.ids->sorry_server[si] != kNoSorryServer) {
                sorry.active = in_pool(v.ids->sorry_server[si]);
            }
            sh.sorry_server = sorry;
        }
        for (size_t i = 0; i < s.real_servers.size(); ++i) {
            const RealServerConfig& rc = s.real_servers[i];
            mgmt::ServerHealth h;
            h.key = {rc.address, server_port(s, rc.port)};
            h.weight = rc.weight;
            if (ids_known && i < v.ids->real_server[si].size()) {
                const uint32_t id = v.ids->real_server[si][i];
                h.in_pool = in_pool(id);
                h.effective_weight = effective_weight(*v.snapshot, svc, id);
            }
            if (si < report.size() && i < report[si].size()) {
                const ServerHealthInfo& r = report[si][i];
                h.check = r.check;
                h.state = r.state;
                h.since = r.since_ms;
                h.last_check = r.last_check_ms;
                h.last_ok = r.last_ok;
                h.last_reason = r.last_reason;
                if (r.agent) h.agent = mgmt::AgentHealth{r.agent_percent, r.agent_last};
                h.checks = r.checks;
                h.failures = r.failures;
                h.transitions = r.transitions;
                h.agent_checks = r.agent_checks;
                h.agent_failures = r.agent_failures;
            }
            sh.real_servers.push_back(std::move(h));
        }
        out.services.push_back(std::move(sh));
    }
    return out;
}

// High availability as HaManager reports it, plus the workers' HA counters.
nlohmann::json Management::fleet(const mgmt::FleetRequest& r) {
    if (r.action) {
        if (*r.action != "drain" && *r.action != "undrain") {
            return mgmt::error_response("fleet: unknown action '" + *r.action +
                                        "' (expected drain or undrain)");
        }
        if (!plane_.set_drained(*r.action == "drain")) {
            return mgmt::error_response("fleet: the configuration has no fleet section");
        }
    }
    mgmt::FleetResponse out;
    const std::optional<FleetStatus> f = plane_.fleet_status();
    if (!f) return mgmt::to_json(out);
    out.enabled = true;
    out.ready = f->ready;
    out.drained = f->drained;
    out.stopping = f->stopping;
    out.route_table = f->route_table;
    out.interface = f->interface;
    for (const VipVerdict& v : f->vips) {
        out.vips.push_back({v.vip, v.announced, std::string(to_string(v.reason))});
    }
    out.bird_socket = f->bird_socket;
    out.bird_reachable = f->bird.reachable;
    out.bird_error = f->bird.error;
    for (const BirdProtocol& p : f->bird.bgp) out.bgp.push_back({p.name, p.state, p.info});
    out.bird_polls = f->bird_polls;
    out.bird_poll_failures = f->bird_poll_failures;
    out.route_errors = f->route_errors;
    out.last_route_error = f->last_route_error;
    return mgmt::to_json(out);
}

mgmt::HaResponse Management::ha() const {
    mgmt::HaResponse out;
    const std::optional<HaStatus> status = plane_.ha_status();
    if (!status) return out;
    out.enabled = true;
    out.interface = status->interface;
    for (const VrrpInstanceStatus& v : status->instances) {
        mgmt::VrrpInstanceInfo info;
        info.name = v.name;
        info.vrid = v.vrid;
        info.state = to_string(v.state);
        info.priority = v.priority;
        info.advert_interval_ms = static_cast<uint32_t>(v.advert_interval.count());
        info.master = v.master_ip;
        info.since_ms = v.last_transition_unix_ms;
        info.reason = v.last_transition_reason;
        const VrrpCounters& c = v.counters;
        info.counters = {c.adverts_sent,
                         c.adverts_received,
                         c.became_master,
                         c.became_backup,
                         c.priority_zero_sent,
                         c.priority_zero_received,
                         c.bad_ttl + c.too_short + c.bad_version + c.bad_type + c.length_mismatch +
                             c.bad_checksum + c.zero_interval,
                         c.address_mismatch,
                         c.interval_mismatch};
        out.instances.push_back(std::move(info));
    }
    const VrrpServiceCounters& vc = status->vrrp;
    out.vrrp_socket = {.received = vc.socket.received,
                       .not_for_group = vc.socket.not_for_group,
                       .own = vc.socket.own,
                       .bad_ip = vc.socket.bad_ip,
                       .not_link_local = vc.socket.not_link_local,
                       .other_vrid = vc.other_vrid,
                       .too_short = vc.too_short,
                       .send_errors = vc.socket.send_errors,
                       .receive_errors = vc.socket.receive_errors};
    if (status->has_sync) {
        const SyncStatus& s = status->sync;
        mgmt::HaSyncInfo& o = out.sync;
        o.configured = true;
        o.peer = s.peer;
        o.requesting_full = s.requesting_full;
        o.records_sent = s.records_sent;
        o.records_received = s.records_received;
        o.datagrams_lost = s.datagrams_lost;
        o.queued = s.queued;
        o.last_receive_age_s = s.last_receive_age_s;
        o.full_transfers_received = s.full_transfers_received;
        o.last_full_records = s.last_full_records;
        o.last_full_ms = s.last_full_ms;
        o.unknown_server = s.unknown_server;
        o.install_ring_full = s.install_ring_full;
        o.bad_datagrams = s.bad_datagrams;
        o.send_blocked = s.send_blocked;
        o.gap_repairs = s.gap_repairs;
        o.authenticated = s.authenticated;
        o.foreign_datagrams = s.foreign_datagrams;
        o.unauthenticated = s.unauthenticated;
        o.replayed = s.replayed;
        o.bad_version = s.bad_version;
        o.seq_jumps = s.seq_jumps;
        o.ignored_as_master = s.ignored_as_master;
        o.timeouts_capped = s.timeouts_capped;
        o.full_requests_served = s.full_requests_served;
        o.full_requests_limited = s.full_requests_limited;
    }
    const StatsView v = plane_.stats_view();
    mgmt::HaDataplaneInfo& d = out.dataplane;
    for (const WorkerCounters* w : v.workers) {
#define DVS_HA_FIELD(group, name, kind, label, help) d.name += w->name.get();
        DVS_HA_DATAPLANE_COUNTERS(DVS_HA_FIELD)
#undef DVS_HA_FIELD
        d.ha_backup_drops += w->drops[static_cast<size_t>(dataplane::DropReason::kHaBackup)].get();
    }
    return out;
}

// Asks every worker to copy its matching connections out (a slice of its
// table per housekeeping pass) and waits for them: the control thread waits,
// the workers never do.
mgmt::ConnsResponse Management::conns(const mgmt::ConnsRequest& r) {
    constexpr uint32_t kDefaultLimit = 10000;
    constexpr auto kPatience = std::chrono::seconds(5);
    const uint32_t limit = r.limit.value_or(kDefaultLimit);
    std::vector<dataplane::ConnDump*> dumps = plane_.conn_dumps();
    for (dataplane::ConnDump* d : dumps) {
        if (d->state.load(std::memory_order_acquire) == dataplane::ConnDump::kRequested) {
            throw mgmt::DaemonError("a connection listing is still running; try again");
        }
    }
    dataplane::ConnDumpFilter filter = dump_filter(r.filter);
    filter.templates = true;  // ipvsadm -Lc lists them among the connections
    dump_buffers_.resize(dumps.size());
    dump_buffers6_.resize(dumps.size());
    for (size_t w = 0; w < dumps.size(); ++w) {
        dump_buffers_[w].resize(limit);
        dump_buffers6_[w].resize(limit);
        dataplane::ConnDump& d = *dumps[w];
        d.filter = filter;
        d.out = dump_buffers_[w].data();
        d.capacity = limit;
        d.out6 = dump_buffers6_[w].data();
        d.capacity6 = limit;
        d.restart();
        d.state.store(dataplane::ConnDump::kRequested, std::memory_order_release);
    }
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    for (dataplane::ConnDump* d : dumps) {
        while (d->state.load(std::memory_order_acquire) != dataplane::ConnDump::kDone) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw mgmt::DaemonError("workers did not finish listing connections in time");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    mgmt::ConnsResponse out;
    auto add = [&](const auto& c, uint32_t expires_in) {
        if (out.conns.size() == limit) {
            out.truncated = true;
            return;
        }
        out.conns.push_back(conn_info(c, expires_in));
    };
    for (size_t w = 0; w < dumps.size(); ++w) {
        const dataplane::ConnDump& d = *dumps[w];
        out.truncated = out.truncated || d.truncated;
        for (uint32_t i = 0; i < d.count; ++i)
            add(dump_buffers_[w][i].conn, dump_buffers_[w][i].expires_in);
        for (uint32_t i = 0; i < d.count6; ++i)
            add(dump_buffers6_[w][i].conn, dump_buffers6_[w][i].expires_in);
    }
    return out;
}

// Edits a copy of the running config and applies it like a reload.
nlohmann::json Management::change(const std::string& op, const std::function<void(Config&)>& edit) {
    Config next = plane_.running_config();
    edit(next);
    const std::vector<std::string> what = describe_changes(plane_.running_config(), next);
    std::string message;
    if (!plane_.apply_config(std::move(next), message)) throw mgmt::DaemonError(message);
    changes_.record(caller_, op, what);
    return mgmt::ok_response();
}

bool Management::handle_deferred(const nlohmann::json& json_request, MgmtAnswer answer) {
    const mgmt::Request request = mgmt::parse_request(json_request);
    if (!std::holds_alternative<mgmt::ReloadRequest>(request)) return false;
    if (std::get<mgmt::ReloadRequest>(request).dry_run) {
        plane_.load_file_only(
            [this, answer = std::move(answer)](const Config* loaded, const std::string& error) {
                if (loaded == nullptr) {
                    answer(mgmt::error_response(error));
                    return;
                }
                answer(mgmt::ok_response(
                    {{"changes", describe_changes(plane_.running_config(), *loaded)}}));
            });
        return true;
    }
    plane_.reload_file(
        [answer = std::move(answer)](bool ok, const std::string& message) {
            answer(ok ? mgmt::ok_response({{"message", message}}) : mgmt::error_response(message));
        },
        std::get<mgmt::ReloadRequest>(request).restart);
    return true;
}

nlohmann::json Management::handle(const nlohmann::json& json_request) {
    const mgmt::Request request = mgmt::parse_request(json_request);
    // A change request: config_edits.cpp edits a copy, change() applies it.
    const auto edit = [this](const std::string& op, const auto& r) {
        return change(op, [&r](Config& c) { edits::apply(c, r); });
    };
    return std::visit(
        Overloaded{
            [&](const mgmt::StatusRequest&) { return mgmt::ok_response(mgmt::to_json(status())); },
            [&](const mgmt::ReloadRequest&) -> nlohmann::json {
                // Answered by handle_deferred once the loader thread is done.
                throw mgmt::DaemonError("internal error: reload is answered asynchronously");
            },
            [&](const mgmt::ListRequest& r) { return mgmt::ok_response(mgmt::to_json(list(r))); },
            [&](const mgmt::AddServiceRequest& r) { return edit("add_service", r); },
            [&](const mgmt::EditServiceRequest& r) { return edit("edit_service", r); },
            [&](const mgmt::DelServiceRequest& r) { return edit("del_service", r); },
            [&](const mgmt::AddServerRequest& r) { return edit("add_server", r); },
            [&](const mgmt::EditServerRequest& r) { return edit("edit_server", r); },
            [&](const mgmt::DelServerRequest& r) { return edit("del_server", r); },
            [&](const mgmt::SetServiceOptionsRequest& r) { return edit("set_service_options", r); },
            [&](const mgmt::ClearRequest& r) { return edit("clear", r); },
            [&](const mgmt::ZeroRequest& r) {
                const StatsView v = plane_.stats_view();
                if (v.snapshot == nullptr) return mgmt::ok_response();
                service_base_.resize(v.snapshot->services.size());
                server_base_.resize(v.snapshot->real_servers.size());
                for (const dataplane::Service& svc : v.snapshot->services) {
                    if (!svc.present) continue;
                    const IpAddress vip = svc.v6 ? IpAddress::v6(std::to_array(svc.vip6.b))
                                                 : IpAddress::v4(ntohl(svc.vip));
                    if (r.service &&
                        !(vip == r.service->vip && ntohs(svc.port) == r.service->port &&
                          svc.proto == static_cast<uint8_t>(r.service->protocol))) {
                        continue;
                    }
                    service_base_[svc.id] = service_totals(v, svc.id);
                    for (uint32_t id : svc.pool) server_base_[id] = server_totals(v, id);
                    // Servers out of the pool (removed by a health check) too.
                    for (size_t i = 0; v.ids != nullptr && i < v.ids->service.size(); ++i) {
                        if (v.ids->service[i] != svc.id) continue;
                        for (uint32_t id : v.ids->real_server[i])
                            server_base_[id] = server_totals(v, id);
                    }
                }
                return mgmt::ok_response();
            },
            [&](const mgmt::SetTimeoutsRequest& r) { return edit("set_timeouts", r); },
            [&](const mgmt::SaveRuntimeRequest&) {
                std::string message;
                if (!plane_.save_runtime(message)) throw mgmt::DaemonError(message);
                spdlog::info("audit: dvsadm uid {} pid {}: save-runtime: {}", caller_.uid,
                             caller_.pid, message);
                changes_.saved();
                return mgmt::ok_response({{"message", message}});
            },
            [&](const mgmt::SaveYamlRequest&) {
                return mgmt::ok_response({{"yaml", config_to_yaml(plane_.running_config())}});
            },
            [&](const mgmt::ConnsRequest& r) { return mgmt::ok_response(mgmt::to_json(conns(r))); },
            [&](const mgmt::HealthRequest&) { return mgmt::ok_response(mgmt::to_json(health())); },
            [&](const mgmt::HaRequest&) { return mgmt::ok_response(mgmt::to_json(ha())); },
            [&](const mgmt::FleetRequest& r) { return fleet(r); },
        },
        request);
}

}  // namespace dvs::control
