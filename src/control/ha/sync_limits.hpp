#pragma once
// Bounds on what a peer's record may ask of this box (issue 20), whoever
// sent it. Pure.

#include <cstdint>

#include "dataplane/conn.hpp"
#include "dataplane/sync_record.hpp"

namespace dvs::control::sync {

// A synced entry may live at most this box's own timeout for its state
// (a template: its service's persistence timeout) plus this much: the
// master's remaining time is never more than its own timeout, and the two
// boxes normally share a config. Room for a reload changing one first.
inline constexpr uint32_t kTimeoutSlackSeconds = 60;

inline uint32_t timeout_cap(const dataplane::SyncRecord& r, const dataplane::StateTimeouts& local,
                            uint32_t persistence_timeout) {
    const uint32_t own = r.is_template() ? persistence_timeout : local.of(r.state);
    return own + kTimeoutSlackSeconds;
}

}  // namespace dvs::control::sync
