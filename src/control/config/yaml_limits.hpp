#pragma once
// Bounds on a configuration text, checked before any YAML tree is built, so
// that a huge or hostile file is refused quickly and with little memory
// (issue 20: a 12 MB file with 100,000 services took 7-14 s and 850 MB to be
// refused after the whole tree was built). Every refusal reads
// "FILE:LINE:COLUMN: key.path: problem" like the loader's.
//
// Pure functions; exceptions (ConfigError) on the first problem.

#include <cstddef>
#include <string>
#include <string_view>

namespace dvs::control {

struct YamlLimits {
    std::size_t max_bytes = 32u << 20;      // the largest legal config is about 10 MB
    std::size_t max_nodes = 3'000'000;      // scalars, lists and mappings
    std::size_t max_depth = 32;             // a configuration needs 6
    std::size_t max_services = 16384;       // dataplane::kMaxServices
    std::size_t max_real_servers = 131072;  // dataplane::kMaxRealServers
};

inline constexpr YamlLimits kYamlLimits{};

// The text as bytes: at most max_bytes, and valid UTF-8 (YAML's encoding;
// names travel on to the stats JSON and the management protocol).
void check_text(std::string_view text, const std::string& source,
                const YamlLimits& limits = kYamlLimits);

// One pass over the parse events, no tree: a single document, no deeper
// than max_depth, at most max_nodes nodes, max_services entries under
// `services` and max_real_servers `real_servers` entries in all. Malformed
// YAML is left to the loader (which reports it with its position).
void check_structure(const std::string& text, const std::string& source,
                     const YamlLimits& limits = kYamlLimits);

}  // namespace dvs::control
