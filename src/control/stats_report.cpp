#include "control/stats_report.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>
#include <utility>

#include "common/text_codec.hpp"
#include "control/counter_sums.hpp"

namespace dvs::control {

namespace {

using dataplane::DropReason;
using dataplane::TrafficCounters;
using dataplane::WorkerCounters;

using Traffic = TrafficSum;
using WorkerTotals = WorkerSum;

std::string ip_string(uint32_t net) { return format_ipv4(ntohl(net)); }

// A service's VIP and its servers' addresses, of the service's family;
// `bracketed` for the text table's ADDRESS:PORT.
std::string ip_string(const dataplane::Service& svc, uint32_t v4, const dataplane::Ip6& v6,
                      bool bracketed) {
    if (!svc.v6) return ip_string(v4);
    std::array<uint8_t, 16> bytes;
    std::copy(std::begin(v6.b), std::end(v6.b), bytes.begin());
    return bracketed ? "[" + text::format_ipv6(bytes) + "]" : text::format_ipv6(bytes);
}

// Names come from the config (refused unless UTF-8) or dvsadm (JSON, so
// UTF-8); what is not valid UTF-8 anyway becomes U+FFFD, so the file is
// always valid JSON text (issue 20).
std::string json_escape(const std::string& raw) {
    const std::string s = text::to_valid_utf8(raw);
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

// Every worker counter under its own name, then the drops.
void json_worker(std::ostringstream& o, const WorkerTotals& t) {
#define DVS_WORKER_FIELD(group, name, kind, label, help) o << "\"" #name "\":" << t.name << ',';
    DVS_WORKER_COUNTERS(DVS_WORKER_FIELD)
#undef DVS_WORKER_FIELD
    o << "\"drops\":{";
    for (size_t i = 0; i < static_cast<size_t>(DropReason::kCount); ++i) {
        o << (i ? "," : "") << '"' << dataplane::kDropReasonNames[i] << "\":" << t.drops[i];
    }
    o << '}';
}

void json_traffic(std::ostringstream& o, const Traffic& t) {
    const char* separator = "";
#define DVS_TRAFFIC_FIELD(name, rate_name, help)  \
    o << separator << "\"" #name "\":" << t.name; \
    separator = ",";
    DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
}

Traffic service_traffic(const StatsView& v, uint16_t id) {
    return control::service_traffic(v.workers, id);
}

std::pair<int64_t, int64_t> rs_load(const StatsView& v, uint32_t id) {
    return server_load(v.workers, id);
}

Traffic rs_traffic(const StatsView& v, uint32_t id) { return server_traffic(v.workers, id); }

}  // namespace

std::string render_stats_json(const StatsView& v) {
    std::ostringstream o;
    WorkerTotals totals;
    o << "{\"snapshot_version\":" << v.snapshot->version
      << ",\"last_reload\":{\"ok\":" << (v.last_reload_ok ? "true" : "false") << ",\"message\":\""
      << json_escape(v.last_reload_message) << "\"},\"mbuf_pool_size\":" << v.mbuf_pool_size
      << ",\"mbuf_pool_free\":" << v.mbuf_pool_free << ",\"rx_nombuf\":" << v.rx_nombuf
      << ",\"workers\":[";
    for (size_t i = 0; i < v.workers.size(); ++i) {
        WorkerTotals w;
        w.add(*v.workers[i]);
        totals.add(*v.workers[i]);
        o << (i ? "," : "") << "{\"id\":" << i << ',';
        json_worker(o, w);
        o << '}';
    }
    o << "],\"totals\":{";
    json_worker(o, totals);
    o << "},\"services\":[";
    bool first_service = true;
    for (const dataplane::Service& svc : v.snapshot->services) {
        if (!svc.present) continue;
        o << (first_service ? "" : ",") << "{\"name\":\"" << json_escape(svc.name)
          << "\",\"vip\":\"" << ip_string(svc, svc.vip, svc.vip6, false)
          << "\",\"port\":" << ntohs(svc.port) << ",\"protocol\":\""
          << (svc.proto == 6 ? "tcp" : "udp") << "\",\"scheduler\":\""
          << (svc.schedulers.empty() ? "" : std::string(svc.schedulers[0]->name())) << "\",";
        first_service = false;
        json_traffic(o, service_traffic(v, svc.id));
        o << ",\"real_servers\":[";
        for (size_t r = 0; r < svc.pool.size(); ++r) {
            const dataplane::RealServer& rs = v.snapshot->real_servers[svc.pool[r]];
            o << (r ? "," : "") << "{\"address\":\"" << ip_string(svc, rs.ip, rs.ip6, false)
              << "\",\"port\":" << ntohs(rs.port) << ",\"weight\":" << rs.weight
              << ",\"forward\":\"" << to_string(static_cast<ForwardMethod>(rs.method)) << "\",";
            json_traffic(o, rs_traffic(v, rs.id));
            const auto [active, inactive] = rs_load(v, rs.id);
            o << ",\"active_conns\":" << active << ",\"inactive_conns\":" << inactive << '}';
        }
        o << "]}";
    }
    o << "]}\n";
    return o.str();
}

std::string render_stats_table(const StatsView& v) {
    std::ostringstream o;
    char line[256];
    std::snprintf(line, sizeof line, "%-8s %12s %12s %12s %12s %10s %10s %10s\n", "worker", "rx",
                  "tx", "handoff_out", "handoff_in", "conns", "active", "drops");
    o << line;
    WorkerTotals totals;
    for (size_t i = 0; i < v.workers.size(); ++i) {
        WorkerTotals w;
        w.add(*v.workers[i]);
        totals.add(*v.workers[i]);
        std::snprintf(line, sizeof line, "%-8zu %12lu %12lu %12lu %12lu %10lu %10lu %10lu\n", i,
                      w.rx, w.tx, w.handoff_out, w.handoff_in, w.conns_created, w.conns_active,
                      w.total_drops());
        o << line;
    }
    std::snprintf(line, sizeof line, "%-8s %12lu %12lu %12lu %12lu %10lu %10lu %10lu\n", "total",
                  totals.rx, totals.tx, totals.handoff_out, totals.handoff_in, totals.conns_created,
                  totals.conns_active, totals.total_drops());
    o << line;
    if (v.mbuf_pool_size) {
        std::snprintf(line, sizeof line, "mbufs: %lu of %lu free, rx_nombuf %lu\n",
                      v.mbuf_pool_free, v.mbuf_pool_size, v.rx_nombuf);
        o << line;
    }
    if (totals.to_kernel || totals.from_kernel) {
        std::snprintf(line, sizeof line,
                      "exception path: to kernel %lu, from kernel %lu, kernel ARP answered %lu, "
                      "kernel ND answered %lu, rate-limited %lu\n",
                      totals.to_kernel, totals.from_kernel, totals.kernel_arp_replies,
                      totals.kernel_nd_adverts,
                      totals.drops[static_cast<size_t>(DropReason::kKernelRateLimited)]);
        o << line;
    }
    if (totals.total_drops()) {
        o << "drops by reason:\n";
        for (size_t i = 0; i < static_cast<size_t>(DropReason::kCount); ++i) {
            if (totals.drops[i] == 0) continue;
            std::snprintf(line, sizeof line, "  %-22s %12lu\n",
                          std::string(dataplane::kDropReasonNames[i]).c_str(), totals.drops[i]);
            o << line;
        }
    }
    for (const dataplane::Service& svc : v.snapshot->services) {
        if (!svc.present) continue;
        const Traffic t = service_traffic(v, svc.id);
        std::snprintf(line, sizeof line,
                      "service %s %s:%u/%s conns %lu pkts in/out %lu/%lu bytes in/out %lu/%lu\n",
                      svc.name.c_str(), ip_string(svc, svc.vip, svc.vip6, true).c_str(),
                      ntohs(svc.port), svc.proto == 6 ? "tcp" : "udp", t.conns, t.pkts_in,
                      t.pkts_out, t.bytes_in, t.bytes_out);
        o << line;
        for (uint32_t id : svc.pool) {
            const dataplane::RealServer& rs = v.snapshot->real_servers[id];
            const Traffic r = rs_traffic(v, id);
            std::snprintf(line, sizeof line,
                          "  -> %s:%u %s weight %u conns %lu pkts in/out %lu/%lu bytes in/out "
                          "%lu/%lu\n",
                          ip_string(svc, rs.ip, rs.ip6, true).c_str(), ntohs(rs.port),
                          to_string(static_cast<ForwardMethod>(rs.method)), rs.weight, r.conns,
                          r.pkts_in, r.pkts_out, r.bytes_in, r.bytes_out);
            o << line;
        }
    }
    return o.str();
}

}  // namespace dvs::control
