// Loading a configuration: parse the YAML once (yaml_loader.cpp), then check
// the relations (validate.cpp). Both stop at the first problem and report it
// as "FILE:LINE:COLUMN: KEY.PATH: problem", because an operator reloading a
// live balancer needs to find the offending line fast.

#include "control/config/config.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <unistd.h>

#include "common/text_codec.hpp"
#include "control/config/validate.hpp"
#include "control/config/yaml_limits.hpp"
#include "control/config/yaml_loader.hpp"

namespace dvs::control {

namespace {

// Closes the FILE* however we leave load_config_file.
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Config load_config_text(const std::string& text, const std::string& source) {
    ParsedConfig parsed = parse_config_text(text, source);
    validate(parsed.config, parsed.positions);
    return std::move(parsed.config);
}

Config load_config_file(const std::string& path) {
    return std::move(read_config_file(path).config);
}

namespace {

std::string read_text(const std::string& path) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) throw ConfigError(path + ": cannot open: " + std::strerror(errno));
    std::string text;
    char buffer[8192];
    std::size_t n = 0;
    // Read at most one byte past the limit: check_text then names the size
    // without the whole of a huge file ever being in memory.
    while (text.size() <= kYamlLimits.max_bytes &&
           (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, n);
    }
    // fopen() succeeds on a directory; the read is where that shows up.
    if (std::ferror(file.get())) throw ConfigError(path + ": cannot read: " + std::strerror(errno));
    return text;
}

}  // namespace

ParsedConfig read_config_file(const std::string& path) {
    ParsedConfig parsed = parse_config_text(read_text(path), path);
    const std::string& overlay = parsed.config.runtime_overlay;
    if (!overlay.empty() && ::access(overlay.c_str(), F_OK) == 0) {
        apply_overlay_text(read_text(overlay), overlay, parsed.config);
    }
    validate(parsed.config, parsed.positions);
    return parsed;
}

void validate_runtime_change(const Config& config, const std::string& origin) {
    validate(config, SourceMap(origin));
}

std::string kernel_interface_name(const PortConfig& port) {
    return port.kernel_interface.empty() ? "dvs-" + port.name : port.kernel_interface;
}

std::string format_ipv4(uint32_t host_order) { return text::format_ipv4(host_order); }
std::string format_mac(const MacAddress& mac) { return text::format_mac(mac); }
const char* to_string(Protocol p) { return text::name(p).data(); }
const char* to_string(CheckType t) { return text::name(t).data(); }
const char* to_string(FailureAction a) { return text::name(a).data(); }
const char* to_string(ForwardMethod f) { return text::name(f).data(); }
std::string format_duration_ms(uint32_t ms) { return text::format_duration_ms(ms); }

}  // namespace dvs::control
