#pragma once
// Relations between fields and sections of a Config: names and endpoints
// that must be unique, references that must resolve (ports, subnets,
// routes), settings that only make sense together (port 0 and persistence,
// forwarding method and port, scheduler and its flags), HA addresses.
//
// Works on the Config alone; `positions` only says where to point. A file's
// map (yaml_loader.hpp) gives "FILE:LINE:COLUMN: KEY.PATH: problem"; a
// runtime change's map is empty and gives "ORIGIN: KEY.PATH: problem".
// Throws ConfigError on the first problem. Control thread only.

#include <string>

#include "control/config/model.hpp"
#include "control/config/source_map.hpp"

namespace dvs::control {

void validate(const Config& config, const SourceMap& positions);

// Linux interface names: empty when `name` is fine, else why it is not
// (the loader checks written names with it, validate() the default ones).
std::string interface_name_problem(const std::string& name);

}  // namespace dvs::control
