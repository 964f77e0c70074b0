#pragma once
// Scheduler registry: the one place that maps ipvsadm names to classes.

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "sched/scheduler.hpp"

namespace dvs::sched {

// Names this build implements, in the order shown to operators.
std::span<const std::string_view> available_schedulers();

bool is_available(std::string_view name);

// A new instance over `pool`, or nullptr for a name that is not available.
// Control thread only (may allocate; mh builds its table here). Throws
// std::invalid_argument for what config validation should have refused: a
// weight above kMaxWeight (wlc, sed, nq) or a bad mh table size
// (MaglevHash::table_size_error).
std::unique_ptr<Scheduler> make_scheduler(std::string_view name, std::span<const Backend> pool,
                                          const SchedulerOptions& options = {});

}  // namespace dvs::sched
