#include "control/config/source_map.hpp"

#include "control/config/config.hpp"

namespace dvs::control {

const SourcePosition* SourceMap::find(std::string path) const {
    while (true) {
        if (const auto it = positions_.find(path); it != positions_.end()) return &it->second;
        if (path.empty()) return nullptr;
        // Up one level: "a.b[3].c" -> "a.b[3]" -> "a.b" -> "a" -> "".
        const std::size_t cut = path.find_last_of(".[");
        path.resize(cut == std::string::npos ? 0 : cut);
    }
}

std::string SourceMap::message(const std::string& path, const std::string& problem) const {
    std::string out = origin_;
    if (const SourcePosition* at = find(path)) {
        out += ":" + std::to_string(at->line) + ":" + std::to_string(at->column);
    }
    out += ": ";
    if (!path.empty()) out += path + ": ";
    return out + problem;
}

void SourceMap::fail(const std::string& path, const std::string& problem) const {
    throw ConfigError(message(path, problem));
}

}  // namespace dvs::control
