// libFuzzer target: the YAML config loader (control::load_config_text).
//
// Any text either loads or is refused with a ConfigError naming where
// ("SOURCE:LINE:COLUMN: ..."); any other exception escapes and is reported
// as a crash. A config that loads is written back as YAML (config_to_yaml,
// what save-yaml uses) and must load again to an equal Config: what dvsd
// accepts, it can also write and reload. It must also pass validate() with
// no positions at all, as a runtime change does: validation depends on the
// Config, the positions only say where to point.

#include <string>

#include "control/config/config.hpp"
#include "control/config/config_writer.hpp"
#include "fuzz_check.hpp"

using dvs::control::ConfigError;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    dvs::control::Config config;
    try {
        config = dvs::control::load_config_text(text, "fuzz.yaml");
    } catch (const ConfigError& e) {
        FUZZ_CHECK(std::string(e.what()).rfind("fuzz.yaml", 0) == 0);
        return 0;
    }
    try {
        dvs::control::validate_runtime_change(config, "runtime change");
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "loaded config fails validate() without positions: %s\n", e.what());
        FUZZ_CHECK(!"validate() must not depend on the source positions");
    }
    const std::string yaml = dvs::control::config_to_yaml(config);
    dvs::control::Config again;
    try {
        again = dvs::control::load_config_text(yaml, config.source);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "written config refused: %s\n---\n%s---\n", e.what(), yaml.c_str());
        FUZZ_CHECK(!"a config dvsd accepted and wrote back must load again");
    }
    FUZZ_CHECK(again == config);
    FUZZ_CHECK(dvs::control::config_to_yaml(again) == yaml);
    return 0;
}
