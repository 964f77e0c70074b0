#include "control/runtime_changes.hpp"

#include <spdlog/spdlog.h>

#include <ctime>

namespace dvs::control {

namespace {

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
}

}  // namespace

std::vector<std::string> RuntimeChanges::record(const Caller& who, const std::string& request,
                                                const std::vector<std::string>& changes) {
    const std::string caller =
        "dvsadm uid " + std::to_string(who.uid) + " pid " + std::to_string(who.pid);
    std::vector<std::string> lines;
    if (changes.empty()) {
        lines.push_back("audit: " + caller + ": " + request + ": no change");
    }
    for (const std::string& c : changes) {
        lines.push_back("audit: " + caller + ": " + c);
        unsaved_.push_back({c, caller + ", " + utc_now()});
    }
    for (const std::string& l : lines) spdlog::info("{}", l);
    return lines;
}

void RuntimeChanges::discard(const std::string& file) {
    for (const Entry& e : unsaved_) {
        spdlog::warn("reload of {} discards runtime change: {} ({})", file, e.change, e.who);
    }
    unsaved_.clear();
}

}  // namespace dvs::control
