#include "control/monitoring/status_json.hpp"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "common/text_codec.hpp"
#include "control/counter_sums.hpp"
#include "control/monitoring/build_info.hpp"

namespace dvs::control::monitoring {

namespace {

using nlohmann::json;

json traffic_json(const TrafficSum& t) {
    json o = json::object();
#define DVS_TRAFFIC_FIELD(name, rate_name, help) o[#name] = t.name;
    DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
    return o;
}

void worker_json(json& o, const WorkerSum& w) {
    json counters_out = json::object();
    for (size_t i = 0; i < counters::kWorker.size(); ++i) {
        counters_out[std::string(counters::kWorker[i].name)] = w.at(i);
    }
    json drops = json::object();
    for (size_t r = 0; r < dataplane::kDropReasonNames.size(); ++r) {
        drops[std::string(dataplane::kDropReasonNames[r])] = w.drops[r];
    }
    o["counters"] = std::move(counters_out);
    o["drops"] = std::move(drops);
}

json health_json(const ServerHealthInfo& h) {
    json o = {{"check", h.check},
              {"state", h.state},
              {"since_unix_ms", h.since_ms},
              {"last_check_unix_ms", h.last_check_ms},
              {"last_ok", h.last_ok},
              {"last_reason", h.last_reason}};
    o["agent_percent"] = h.agent ? json(h.agent_percent) : json(nullptr);
    return o;
}

json services_json(const MonitoringView& v) {
    const Config& c = *v.stats.config;
    const IdAssignment* ids = v.stats.ids;
    json out = json::array();
    for (size_t s = 0; s < c.services.size(); ++s) {
        if (ids == nullptr || s >= ids->service.size() || s >= ids->real_server.size()) break;
        const ServiceConfig& sc = c.services[s];
        json svc = {{"name", sc.name},
                    {"vip", text::format_ip(sc.vip)},
                    {"port", sc.port},
                    {"protocol", text::name(sc.protocol)},
                    {"scheduler", sc.scheduler},
                    {"counters", traffic_json(service_traffic(v.stats.workers, ids->service[s]))}};
        json servers = json::array();
        for (size_t r = 0; r < sc.real_servers.size() && r < ids->real_server[s].size(); ++r) {
            const RealServerConfig& rc = sc.real_servers[r];
            const uint32_t id = ids->real_server[s][r];
            const auto [active, inactive] = server_load(v.stats.workers, id);
            const bool reported = s < v.health.size() && r < v.health[s].size();
            servers.push_back(
                {{"address", text::format_ip(rc.address)},
                 {"port", rc.port ? rc.port : sc.port},
                 {"forward", text::name(rc.forward)},
                 {"weight", rc.weight},
                 {"effective_weight", v.stats.snapshot->real_servers[id].weight},
                 {"active_conns", active},
                 {"inactive_conns", inactive},
                 {"counters", traffic_json(server_traffic(v.stats.workers, id))},
                 {"health", reported ? health_json(v.health[s][r]) : health_json({})}});
        }
        svc["real_servers"] = std::move(servers);
        out.push_back(std::move(svc));
    }
    return out;
}

json ha_json(const HaStatus& ha, json& sync) {
    json vrrp = json::array();
    for (const VrrpInstanceStatus& i : ha.instances) {
        vrrp.push_back(
            {{"name", i.name},
             {"vrid", i.vrid},
             {"state", to_string(i.state)},
             {"priority", i.priority},
             {"master", i.master_ip.is_unspecified() ? "" : text::format_ip(i.master_ip)}});
    }
    if (ha.has_sync) {
        const SyncStatus& s = ha.sync;
        sync = {{"peer", s.peer},
                {"records_sent", s.records_sent},
                {"records_received", s.records_received},
                {"datagrams_lost", s.datagrams_lost},
                {"queued_records", s.queued},
                {"last_receive_age_s", s.last_receive_age_s}};
    }
    return vrrp;
}

}  // namespace

std::string render_status_json(const MonitoringView& v) {
    json o;
    o["format"] = 1;
    o["version"] = kVersion;
    o["snapshot_version"] = v.stats.snapshot->version;
    o["time_unix_ms"] = v.now_unix_ms;
    o["reloads"] = {{"attempts", v.reloads.attempts},
                    {"failures", v.reloads.failures},
                    {"last_ok", v.stats.last_reload_ok},
                    {"last_message", v.stats.last_reload_message},
                    {"last_unix_s", v.reloads.last_unix_s}};
    o["mbufs"] = {{"pool_size", v.stats.mbuf_pool_size},
                  {"pool_free", v.stats.mbuf_pool_free},
                  {"rx_nombuf", v.stats.rx_nombuf}};
    WorkerSum totals;
    json workers = json::array();
    for (size_t w = 0; w < v.stats.workers.size(); ++w) {
        WorkerSum one;
        one.add(*v.stats.workers[w]);
        totals.add(*v.stats.workers[w]);
        json entry = {{"id", w}, {"conn_capacity", v.stats.config->dataplane.conn_capacity}};
        worker_json(entry, one);
        workers.push_back(std::move(entry));
    }
    o["workers"] = std::move(workers);
    json totals_out = json::object();
    worker_json(totals_out, totals);
    o["totals"] = std::move(totals_out);
    json reasons = json::object();
    for (size_t r = 0; r < dataplane::kDropReasonNames.size(); ++r) {
        reasons[std::string(dataplane::kDropReasonNames[r])] = dataplane::kDropReasonHelp[r];
    }
    o["drop_reasons"] = std::move(reasons);
    o["services"] = services_json(v);
    json sync = nullptr;
    o["vrrp"] = v.ha ? ha_json(*v.ha, sync) : json::array();
    o["sync"] = std::move(sync);
    // Names are the operator's: replace anything that is not UTF-8.
    return o.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace dvs::control::monitoring
