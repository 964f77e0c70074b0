#pragma once
// What differs between the running Config and the next one, section by
// section, by structural comparison (model.hpp's operator==): the settings a
// running dvsd cannot change, reported as needing a restart and kept.

#include <string>
#include <vector>

#include "control/config/model.hpp"

namespace dvs::control {

// Key paths ("dataplane.workers", "ports", "management.socket", "ha", ...)
// whose values differ, in file order; empty when a reload can apply all.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

// `next` with every restart-only section taken from `running`: what a
// reload applies when it only warns about them.
Config keep_restart_only(const Config& running, Config next);

}  // namespace dvs::control
