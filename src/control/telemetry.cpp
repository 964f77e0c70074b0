#include "control/telemetry.hpp"

#include <rte_telemetry.h>

#include <mutex>

#include "common/text_codec.hpp"
#include "control/counter_sums.hpp"

namespace dvs::control::telemetry {

namespace {

// Shared by the control thread (register, publish, stop) and DPDK's
// telemetry thread (the commands); a request or a publish holds it for
// microseconds, and no worker ever takes it.
std::mutex g_mutex;
std::vector<const dataplane::WorkerCounters*> g_workers;  // empty once they are gone
std::vector<std::string> g_services;

// Caller holds g_mutex.
WorkerSum sum() {
    WorkerSum s;
    for (const dataplane::WorkerCounters* w : g_workers) s.add(*w);
    return s;
}

int services_cmd(const char*, const char*, rte_tel_data* d) {
    const std::lock_guard<std::mutex> lock(g_mutex);
    rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
    for (size_t i = 0; i < g_services.size() && i < RTE_TEL_MAX_ARRAY_ENTRIES; ++i) {
        rte_tel_data_add_array_string(d, g_services[i].c_str());
    }
    return 0;
}

int counters_cmd(const char*, const char*, rte_tel_data* d) {
    const std::lock_guard<std::mutex> lock(g_mutex);
    const WorkerSum s = sum();
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "workers", g_workers.size());
    for (size_t i = 0; i < counters::kWorker.size(); ++i) {
        rte_tel_data_add_dict_u64(d, std::string(counters::kWorker[i].name).c_str(), s.at(i));
    }
    rte_tel_data_add_dict_u64(d, "drops", s.total_drops());
    return 0;
}

int drops_cmd(const char*, const char*, rte_tel_data* d) {
    const std::lock_guard<std::mutex> lock(g_mutex);
    const WorkerSum s = sum();
    rte_tel_data_start_dict(d);
    for (size_t r = 0; r < dataplane::kDropReasonNames.size(); ++r) {
        if (s.drops[r] == 0) continue;
        rte_tel_data_add_dict_u64(d, std::string(dataplane::kDropReasonNames[r]).c_str(),
                                  s.drops[r]);
    }
    return 0;
}

}  // namespace

std::string service_line(const ServiceConfig& s) {
    // RTE_TEL_MAX_STRING_LEN bounds a string; the name goes first.
    std::string line = s.name + " " + text::format_ip_bracketed(s.vip) + ":" +
                       std::to_string(s.port) + "/" + std::string(text::name(s.protocol)) + " " +
                       s.scheduler + ", " + std::to_string(s.real_servers.size()) + " real servers";
    if (line.size() >= RTE_TEL_MAX_STRING_LEN) line.resize(RTE_TEL_MAX_STRING_LEN - 1);
    return line;
}

void register_commands(std::vector<const dataplane::WorkerCounters*> workers) {
    {
        const std::lock_guard<std::mutex> lock(g_mutex);
        g_workers = std::move(workers);
    }
    rte_telemetry_register_cmd("/dvs/services", services_cmd,
                               "dvs services: name, VIP:port/protocol, scheduler. No parameters");
    rte_telemetry_register_cmd("/dvs/counters", counters_cmd,
                               "dvs worker counters summed over workers. No parameters");
    rte_telemetry_register_cmd("/dvs/drops", drops_cmd,
                               "dvs drops by reason (non-zero). No parameters");
}

void forget_workers() {
    const std::lock_guard<std::mutex> lock(g_mutex);
    g_workers.clear();
}

void set_services(const Config& config) {
    std::vector<std::string> lines;
    for (const ServiceConfig& s : config.services) lines.push_back(service_line(s));
    const std::lock_guard<std::mutex> lock(g_mutex);
    g_services = std::move(lines);
}

}  // namespace dvs::control::telemetry
