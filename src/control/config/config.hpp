#pragma once
// The configuration's entry points: the model (model.hpp), loading a file
// (parse once, yaml_loader.hpp, then validate(), validate.hpp) and the
// formatting helpers logs and stats share. Most of the tree includes this.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "control/config/model.hpp"
#include "control/config/yaml_loader.hpp"

namespace dvs::control {

// The kernel interface name of a port (its kernel_interface, or "dvs-" + name).
std::string kernel_interface_name(const PortConfig& port);

// A configuration error: what() reads "FILE:LINE:COLUMN: KEY.PATH: problem".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads a YAML file, then validates it. Throws ConfigError naming file, line
// and key on the first problem found; never returns a partially valid Config.
Config load_config_file(const std::string& path);

// Same, keeping where each key was written (warnings that name a line).
ParsedConfig read_config_file(const std::string& path);

// Same, from text (tests); `source` is the name used in messages.
Config load_config_text(const std::string& text, const std::string& source);

// Validates a Config that no file describes (a runtime change): the same
// checks as a file gets, with messages "ORIGIN: KEY.PATH: problem".
void validate_runtime_change(const Config& config, const std::string& origin);

// Formatting helpers shared by logs and stats.
std::string format_ipv4(uint32_t host_order);
std::string format_mac(const MacAddress& mac);
const char* to_string(Protocol p);
const char* to_string(ForwardMethod f);
const char* to_string(CheckType t);
const char* to_string(FailureAction a);
// "500ms", "2s": how durations are written in the file.
std::string format_duration_ms(uint32_t ms);

}  // namespace dvs::control
