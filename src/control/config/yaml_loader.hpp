#pragma once
// YAML text -> Config plus where each key was written. Checks what only the
// text can tell (unknown or repeated keys, types, value ranges, names of
// enums and flags) and throws ConfigError "FILE:LINE:COLUMN: KEY.PATH:
// problem" on the first one. Relations between fields and sections are left
// to validate() (validate.hpp); load_config_text() (config.hpp) runs both.

#include <string>

#include "control/config/model.hpp"
#include "control/config/source_map.hpp"

namespace dvs::control {

struct ParsedConfig {
    Config config;
    SourceMap positions;  // key path -> line:column in `source`
};

// `source` names the text in messages (the file name).
ParsedConfig parse_config_text(const std::string& text, const std::string& source);

// A service's keys that ipvsadm rules cannot carry (name, checks, sorry
// server, on_remove, on_no_server, max_half_open, mh_table_size), as one
// YAML mapping: what `dvsadm -S` writes on its "# dvs:" lines. Read over
// `service` as the file would read them.
void apply_service_options_text(const std::string& text, const std::string& source,
                                ServiceConfig& service);

// A real server's own checks (server_options_yaml's mapping: health_check,
// agent_check), read over `server` as the file reads a server's keys, on
// top of `service`'s checks; they become overrides.
void apply_server_options_text(const std::string& text, const std::string& source,
                               const ServiceConfig& service, RealServerConfig& server);

// The runtime overlay (model.hpp Config::runtime_overlay): a mapping with
// `timeouts` and `services`, read as the main file reads them; they replace
// `config`'s. Errors name `source` (the overlay file) and its lines.
void apply_overlay_text(const std::string& text, const std::string& source, Config& config);

}  // namespace dvs::control
