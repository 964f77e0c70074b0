#pragma once
// /metrics: every counter dvsd keeps, in the Prometheus text exposition
// format. Families are generated from the lists that declare the counters
// (common/counter_list.hpp, packet/drop_reason.hpp), never spelled out
// again: a counter added there appears here.
//
// Names follow Prometheus's conventions: dvs_ prefix, counters end in
// _total, base units (bytes, seconds). Labels: worker; service, vip, port,
// protocol; real_server (address:port); reason; instance, vrid, state.

#include <string>

#include "control/monitoring/monitoring_view.hpp"

namespace dvs::control::monitoring {

std::string render_metrics(const MonitoringView& view);

}  // namespace dvs::control::monitoring
