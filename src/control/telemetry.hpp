#pragma once
// DPDK telemetry (rte_telemetry): dvs commands beside DPDK's own, so
// `dpdk-telemetry.py -f FILE_PREFIX` shows dvsd's services and counters:
//   /dvs/services   one string per service: name, VIP:port/protocol,
//                   scheduler, real servers
//   /dvs/counters   the worker counters summed over workers, and drops
//   /dvs/drops      drops by reason (the non-zero ones)
// The callbacks run on DPDK's telemetry thread, not the control thread, so
// they read only what is safe there, under one mutex no worker takes: the
// workers' counters (relaxed loads of fields each worker alone writes, as
// the stats report does) and the service lines the control thread
// replaces at every publish. Nothing per packet.

#include <string>
#include <vector>

#include "control/config/model.hpp"
#include "dataplane/counters.hpp"

namespace dvs::control::telemetry {

// After rte_eal_init, once the workers exist (their counters outlive EAL).
void register_commands(std::vector<const dataplane::WorkerCounters*> workers);

// Before the workers are freed: the counters commands then report nothing.
void forget_workers();

// Control thread, at every publish: the services as /dvs/services shows them.
void set_services(const Config& config);

// One line of /dvs/services (pure; unit-tested).
std::string service_line(const ServiceConfig& service);

}  // namespace dvs::control::telemetry
