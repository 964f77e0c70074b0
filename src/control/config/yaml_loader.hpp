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

}  // namespace dvs::control
