#pragma once
// Writes a Config as YAML that load_config_text() accepts and that loads
// back to the same Config: what `dvsadm save-yaml` returns.

#include <string>

#include "control/config/config.hpp"

namespace dvs::control {

std::string config_to_yaml(const Config& config);

}  // namespace dvs::control
