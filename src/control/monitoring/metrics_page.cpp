#include "control/monitoring/metrics_page.hpp"

#include <string_view>
#include <vector>

#include "common/text_codec.hpp"
#include "control/counter_sums.hpp"
#include "control/monitoring/build_info.hpp"
#include "control/monitoring/exposition.hpp"

namespace dvs::control::monitoring {

namespace {

using dataplane::DropReason;

constexpr auto kCounter = MetricType::kCounter;
constexpr auto kGauge = MetricType::kGauge;

// One real server's figures, gathered once and then written family by family.
struct ServerRow {
    std::string labels;
    TrafficSum traffic;
    int64_t active = 0, inactive = 0;
    uint32_t weight = 0, effective_weight = 0;
    bool up = true;
    uint64_t checks = 0, check_failures = 0;
};

struct ServiceRow {
    std::string labels;
    TrafficSum traffic;
};

std::string endpoint(const IpAddress& address, uint16_t port) {
    return text::format_ip_bracketed(address) + ":" + std::to_string(port);
}

void write_process(Exposition& e, const MonitoringView& v) {
    e.family("dvs_build_info", kGauge, "always 1; the labels name the build");
    e.sample(Labels().add("version", kVersion).add("compiler", kCompiler).text(), uint64_t{1});
    e.family("dvs_snapshot_version", kGauge,
             "version of the configuration snapshot the workers use");
    e.sample({}, v.stats.snapshot->version);
    e.family("dvs_reloads_total", kCounter,
             "reloads of the configuration file attempted (SIGHUP, dvsadm reload)");
    e.sample({}, v.reloads.attempts);
    e.family("dvs_reload_failures_total", kCounter,
             "reloads refused (the running configuration stayed)");
    e.sample({}, v.reloads.failures);
    e.family("dvs_last_reload_success", kGauge,
             "1 if the last reload was applied (also 1 before any reload)");
    e.sample({}, uint64_t{v.stats.last_reload_ok ? 1u : 0u});
    e.family("dvs_last_reload_timestamp_seconds", kGauge,
             "unix time of the last reload (0: none since start)");
    e.sample({}, v.reloads.last_unix_s);
}

// Every DVS_WORKER_COUNTERS entry per worker, then drops by reason.
void write_workers(Exposition& e, const MonitoringView& v) {
    std::vector<WorkerSum> sums(v.stats.workers.size());
    std::vector<std::string> labels;
    for (size_t w = 0; w < sums.size(); ++w) {
        sums[w].add(*v.stats.workers[w]);
        labels.push_back(Labels().add("worker", w).text());
    }
    for (size_t i = 0; i < counters::kWorker.size(); ++i) {
        const counters::Info& info = counters::kWorker[i];
        const bool counter = info.kind == counters::Kind::kCounter;
        e.family("dvs_worker_" + std::string(info.name) + (counter ? "_total" : ""),
                 counter ? kCounter : kGauge, info.help);
        for (size_t w = 0; w < sums.size(); ++w) e.sample(labels[w], sums[w].at(i));
    }
    e.family("dvs_drops_total", kCounter,
             "packets not forwarded, by worker and reason (reasons: packet/drop_reason.hpp, "
             "/status.json drop_reasons)");
    for (size_t w = 0; w < sums.size(); ++w) {
        for (size_t r = 0; r < static_cast<size_t>(DropReason::kCount); ++r) {
            e.sample(labels[w], Labels().add("reason", dataplane::kDropReasonNames[r]).text(),
                     sums[w].drops[r]);
        }
    }
    e.family("dvs_conn_table_capacity", kGauge,
             "connections each worker's table holds (entries: dvs_worker_conns_active)");
    for (size_t w = 0; w < sums.size(); ++w) {
        e.sample(labels[w], uint64_t{v.stats.config->dataplane.conn_capacity});
    }
}

void write_mbufs(Exposition& e, const MonitoringView& v) {
    e.family("dvs_mbuf_pool_size", kGauge, "mbufs in the pools (summed over NUMA sockets)");
    e.sample({}, v.stats.mbuf_pool_size);
    e.family("dvs_mbuf_pool_free", kGauge, "mbufs free in the pools, per-lcore caches included");
    e.sample({}, v.stats.mbuf_pool_free);
    e.family("dvs_rx_nombuf_total", kCounter,
             "packets the NICs dropped for want of an mbuf (summed over ports)");
    e.sample({}, v.stats.rx_nombuf);
}

// Rows for every service and real server of the running config, by the ids
// the snapshot was built with.
void gather(const MonitoringView& v, std::vector<ServiceRow>& services,
            std::vector<ServerRow>& servers) {
    const Config& c = *v.stats.config;
    const IdAssignment* ids = v.stats.ids;
    for (size_t s = 0; s < c.services.size(); ++s) {
        if (ids == nullptr || s >= ids->service.size() || s >= ids->real_server.size()) break;
        const ServiceConfig& sc = c.services[s];
        Labels service;
        service.add("service", sc.name)
            .add("vip", text::format_ip(sc.vip))
            .add("port", uint64_t{sc.port})
            .add("protocol", text::name(sc.protocol));
        services.push_back({service.text(), service_traffic(v.stats.workers, ids->service[s])});
        for (size_t r = 0; r < sc.real_servers.size() && r < ids->real_server[s].size(); ++r) {
            const RealServerConfig& rc = sc.real_servers[r];
            const uint32_t id = ids->real_server[s][r];
            ServerRow row;
            row.labels = Labels(service)
                             .add("real_server", endpoint(rc.address, rc.port ? rc.port : sc.port))
                             .text();
            row.traffic = server_traffic(v.stats.workers, id);
            std::tie(row.active, row.inactive) = server_load(v.stats.workers, id);
            row.weight = rc.weight;
            // The builder sets a failed, drained or agent-scaled server's
            // weight in the snapshot; a removed one (on_failure: remove) has 0.
            row.effective_weight = v.stats.snapshot->real_servers[id].weight;
            if (s < v.health.size() && r < v.health[s].size()) {
                const ServerHealthInfo& h = v.health[s][r];
                row.up = h.state != "down";
                row.checks = h.checks;
                row.check_failures = h.failures;
            }
            servers.push_back(std::move(row));
        }
    }
}

void write_traffic(Exposition& e, const MonitoringView& v) {
    std::vector<ServiceRow> services;
    std::vector<ServerRow> servers;
    gather(v, services, servers);
#define DVS_TRAFFIC_FAMILY(name, rate_name, help)                            \
    e.family("dvs_service_" #name "_total", kCounter, help);                 \
    for (const ServiceRow& s : services) e.sample(s.labels, s.traffic.name); \
    e.family("dvs_real_server_" #name "_total", kCounter, help);             \
    for (const ServerRow& r : servers) e.sample(r.labels, r.traffic.name);
    DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FAMILY)
#undef DVS_TRAFFIC_FAMILY
    auto each_server = [&](std::string_view name, std::string_view help, auto value) {
        e.family(name, kGauge, help);
        for (const ServerRow& r : servers) e.sample(r.labels, value(r));
    };
    each_server("dvs_real_server_active_conns", "connections ESTABLISHED now",
                [](const ServerRow& r) { return r.active; });
    each_server("dvs_real_server_inactive_conns", "connections in any other state now",
                [](const ServerRow& r) { return r.inactive; });
    each_server("dvs_real_server_weight", "weight as configured",
                [](const ServerRow& r) { return uint64_t{r.weight}; });
    each_server("dvs_real_server_effective_weight",
                "weight the scheduler uses: 0 when the check failed or the agent drains it, "
                "scaled by the agent's percentage",
                [](const ServerRow& r) { return uint64_t{r.effective_weight}; });
    each_server("dvs_real_server_up", "1 unless the health check found the server down",
                [](const ServerRow& r) { return uint64_t{r.up ? 1u : 0u}; });
    e.family("dvs_real_server_checks_total", kCounter, "health checks run");
    for (const ServerRow& r : servers) e.sample(r.labels, r.checks);
    e.family("dvs_real_server_check_failures_total", kCounter, "health checks that failed");
    for (const ServerRow& r : servers) e.sample(r.labels, r.check_failures);
}

void write_ha(Exposition& e, const HaStatus& ha) {
    std::vector<std::string> labels;
    for (const VrrpInstanceStatus& i : ha.instances) {
        labels.push_back(Labels().add("instance", i.name).add("vrid", uint64_t{i.vrid}).text());
    }
    e.family("dvs_vrrp_state", kGauge, "1 for the VRRP instance's current state, else 0");
    for (size_t n = 0; n < ha.instances.size(); ++n) {
        for (VrrpState s : {VrrpState::kInitialize, VrrpState::kBackup, VrrpState::kMaster}) {
            e.sample(labels[n], Labels().add("state", to_string(s)).text(),
                     uint64_t{ha.instances[n].state == s ? 1u : 0u});
        }
    }
    e.family("dvs_vrrp_priority", kGauge, "the instance's VRRP priority");
    for (size_t n = 0; n < ha.instances.size(); ++n) {
        e.sample(labels[n], uint64_t{ha.instances[n].priority});
    }
    e.family("dvs_vrrp_adverts_sent_total", kCounter, "VRRP advertisements sent");
    for (size_t n = 0; n < ha.instances.size(); ++n) {
        e.sample(labels[n], ha.instances[n].counters.adverts_sent);
    }
    e.family("dvs_vrrp_adverts_received_total", kCounter, "VRRP advertisements received");
    for (size_t n = 0; n < ha.instances.size(); ++n) {
        e.sample(labels[n], ha.instances[n].counters.adverts_received);
    }
    e.family("dvs_vrrp_became_master_total", kCounter, "transitions to MASTER");
    for (size_t n = 0; n < ha.instances.size(); ++n) {
        e.sample(labels[n], ha.instances[n].counters.became_master);
    }
    e.family("dvs_vrrp_adverts_dropped_total", kCounter,
             "adverts for the instance that it refused, by reason");
    for (size_t n = 0; n < ha.instances.size(); ++n) {
        const VrrpCounters& c = ha.instances[n].counters;
        for (const auto& [reason, value] :
             {std::pair{"bad_ttl", c.bad_ttl}, std::pair{"too_short", c.too_short},
              std::pair{"bad_version", c.bad_version}, std::pair{"bad_type", c.bad_type},
              std::pair{"length_mismatch", c.length_mismatch},
              std::pair{"bad_checksum", c.bad_checksum},
              std::pair{"zero_interval", c.zero_interval}}) {
            e.sample(labels[n], Labels().add("reason", reason).text(), value);
        }
    }
    // The sockets' own: what was read before any instance saw it.
    const VrrpServiceCounters& v = ha.vrrp;
    e.family("dvs_vrrp_socket_packets_total", kCounter, "IP packets the VRRP sockets read");
    e.sample({}, v.socket.received);
    e.family("dvs_vrrp_socket_dropped_total", kCounter,
             "packets the VRRP sockets gave to no instance, by reason");
    for (const auto& [reason, value] :
         {std::pair{"other_vrid", v.other_vrid}, std::pair{"not_for_group", v.socket.not_for_group},
          std::pair{"own", v.socket.own}, std::pair{"bad_ip", v.socket.bad_ip},
          std::pair{"not_link_local", v.socket.not_link_local},
          std::pair{"too_short", v.too_short}}) {
        e.sample(Labels().add("reason", reason).text(), value);
    }
    e.family("dvs_vrrp_socket_errors_total", kCounter, "VRRP socket calls that failed");
    e.sample(Labels().add("op", "send").text(), v.socket.send_errors);
    e.sample(Labels().add("op", "receive").text(), v.socket.receive_errors);
    if (!ha.has_sync) return;
    const SyncStatus& s = ha.sync;
    e.family("dvs_sync_records_sent_total", kCounter, "connection records sent to the peer");
    e.sample({}, s.records_sent);
    e.family("dvs_sync_records_received_total", kCounter,
             "connection records received from the peer");
    e.sample({}, s.records_received);
    e.family("dvs_sync_datagrams_lost_total", kCounter,
             "sync datagrams from the peer missing in the sequence");
    e.sample({}, s.datagrams_lost);
    e.family("dvs_sync_queued_records", kGauge,
             "records waiting in the workers' out rings (the sync lag)");
    e.sample({}, s.queued);
    if (s.last_receive_age_s >= 0) {
        e.family("dvs_sync_last_receive_age_seconds", kGauge,
                 "seconds since the last datagram from the peer");
        e.sample({}, s.last_receive_age_s);
    }
}

}  // namespace

std::string render_metrics(const MonitoringView& v) {
    Exposition e;
    // About 110 bytes per line, 12 lines per real server.
    size_t servers = 0;
    for (const ServiceConfig& s : v.stats.config->services) servers += s.real_servers.size();
    e.reserve(16384 + servers * 1400);
    write_process(e, v);
    write_workers(e, v);
    write_mbufs(e, v);
    write_traffic(e, v);
    if (v.ha) write_ha(e, *v.ha);
    return e.take();
}

}  // namespace dvs::control::monitoring
