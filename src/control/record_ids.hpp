#pragma once
// A connection record from outside this process (the HA peer's sync stream,
// or the state file the previous run of dvsd saved on SIGTERM) refers to
// services and real servers by address. Before a worker can install it, it
// gets this box's ids, found by address in the running Snapshot, and its
// owner core. Shared by control/ha/sync_channel.cpp and
// control/conn_carry.cpp. Pure code: no rings, no sockets.

#include <cstdint>

#include "dataplane/snapshot.hpp"
#include "dataplane/sync_record.hpp"

namespace dvs::control {

enum class RecordIds : uint8_t { kOk, kUnknownService, kUnknownServer };

// Sets r.service_id and, for an update, r.rs_id. A server that left the
// pool (drained by a health check, or a sorry server) still matches: its
// connections live on. Caps r.timeout at ours for its state plus slack
// (sync_limits.hpp); `capped` tells whether it did.
RecordIds assign_record_ids(dataplane::SyncRecord& r, const dataplane::Snapshot& snap,
                            bool& capped);

// The worker that owns the record's flow: the hash the dataplane uses.
uint32_t record_owner(const dataplane::SyncRecord& r, uint32_t workers);

}  // namespace dvs::control
