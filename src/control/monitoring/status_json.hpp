#pragma once
// /status.json: the machine interface to what the status page shows.
// Stable: keys are only ever added ("format": 1 changes when one must go).
// Counters are totals since start (rates are a difference over time, as
// Prometheus computes them); names come from the counter lists.
//
//   { "format": 1, "version", "snapshot_version",
//     "time_unix_ms" (when the counters were read: rates are differences
//         over this clock; the status page skips an answer with no news),
//     "reloads": { attempts, failures, last_ok, last_message, last_unix_s },
//     "mbufs": { pool_size, pool_free, rx_nombuf },
//     "workers": [ { id, conn_capacity, counters: {...}, drops: {...} } ],
//     "totals": { counters: {...}, drops: {...} },
//     "drop_reasons": { name: help },
//     "services": [ { name, vip, port, protocol, scheduler, counters: {...},
//         real_servers: [ { address, port, forward, weight, effective_weight,
//             active_conns, inactive_conns, counters: {...},
//             health: { check, state, since_unix_ms, last_check_unix_ms,
//                       last_ok, last_reason, agent_percent } } ] } ],
//     "vrrp": [ { name, vrid, state, priority, master } ],
//     "sync": { peer, records_sent, records_received, datagrams_lost,
//               queued_records, last_receive_age_s } | null }

#include <string>

#include "control/monitoring/monitoring_view.hpp"

namespace dvs::control::monitoring {

std::string render_status_json(const MonitoringView& view);

}  // namespace dvs::control::monitoring
