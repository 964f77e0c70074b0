#pragma once
// Writes a Config as YAML that load_config_text() accepts and that loads
// back to the same Config: what `dvsadm save-yaml` returns, and how runtime
// changes are validated (written, then loaded like a file).

#include <string>

#include "control/config/config.hpp"

namespace dvs::control {

std::string config_to_yaml(const Config& config);

// The ha: section alone (empty without one); also how a reload tells
// whether it changed.
std::string ha_to_yaml(const HaConfig& ha);

}  // namespace dvs::control
