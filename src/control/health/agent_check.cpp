#include "control/health/agent_check.hpp"

#include "common/name_table.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace dvs::control {

AgentReply parse_agent_reply(std::string_view line) {
    AgentReply reply;
    size_t i = 0;
    while (i < line.size()) {
        const size_t end = line.find_first_of(" ,\t\r\n", i);
        std::string word(line.substr(i, end == std::string_view::npos ? line.size() - i : end - i));
        i = end == std::string_view::npos ? line.size() : end + 1;
        if (word.empty()) continue;
        std::transform(word.begin(), word.end(), word.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (word.back() == '%') {
            uint32_t value = 0;
            const char* last = word.data() + word.size() - 1;
            const auto [ptr, ec] = std::from_chars(word.data(), last, value);
            if (ec == std::errc() && ptr == last && word.size() > 1 && value <= 256) {
                reply.percent = value;
            }
        } else if (word == "up" || word == "ready") {
            reply.state = AgentState::kUp;
        } else if (word == "drain") {
            reply.state = AgentState::kDrain;
        } else if (word == "down" || word == "fail" || word == "failed" || word == "stopped" ||
                   word == "maint") {
            reply.state = AgentState::kDown;
        }
    }
    return reply;
}

constexpr NameTable<AgentState, 3> kAgentStateNames{{
    {AgentState::kUp, "up"},
    {AgentState::kDrain, "drain"},
    {AgentState::kDown, "down"},
}};

const char* to_string(AgentState s) { return name_of(kAgentStateNames, s).data(); }

uint32_t scaled_weight(uint32_t weight, uint32_t percent) {
    if (weight == 0 || percent == 0) return 0;
    const uint64_t w = (uint64_t{weight} * percent + 50) / 100;
    return static_cast<uint32_t>(std::clamp<uint64_t>(w, 1, 65535));
}

}  // namespace dvs::control
