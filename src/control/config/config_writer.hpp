#pragma once
// Writes a Config as YAML that load_config_text() accepts and that loads
// back to the same Config: what `dvsadm save-yaml` returns.

#include <string>

#include "control/config/config.hpp"

namespace dvs::control {

std::string config_to_yaml(const Config& config);

// A service's keys that ipvsadm rules cannot say, as one YAML flow
// mapping (apply_service_options_text reads it): dvsadm -S's "# dvs:" line.
std::string service_options_yaml(const ServiceConfig& service);

// A real server's own checks (health_check, agent_check overrides) as one
// YAML flow mapping (apply_server_options_text reads it); "" when it has
// none and follows the service's.
std::string server_options_yaml(const RealServerConfig& server);

// The runtime overlay's text (Config::runtime_overlay): a comment saying
// when and by what it was written (`stamp`), then timeouts and services.
std::string runtime_overlay_yaml(const Config& config, const std::string& stamp);

}  // namespace dvs::control
