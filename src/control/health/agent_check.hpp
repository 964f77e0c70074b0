#pragma once
// What an agent's answer means (HAProxy's agent-check protocol, the way
// Piranha's nanny adapted weights to load): one line of words separated by
// spaces, commas or tabs, case-insensitive.
//   "75%"                          the configured weight times 0.75 (0..256%)
//   "up", "ready"                  in service again (ends drain and down)
//   "drain"                        weight 0: no new connections, existing ones continue
//   "down", "fail", "failed",
//   "stopped", "maint"             out of service: the check's on_failure applies
// Anything else (e.g. "maxconn:30") is ignored, so agents written for
// HAProxy work unchanged. What an answer leaves out keeps its last value.
// Pure; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dvs::control {

enum class AgentState : uint8_t { kUp, kDrain, kDown };

struct AgentReply {
    std::optional<uint32_t> percent;
    std::optional<AgentState> state;
    bool empty() const { return !percent && !state; }
};

AgentReply parse_agent_reply(std::string_view line);

const char* to_string(AgentState s);

// The weight a server is scheduled with: round(weight * percent / 100),
// at least 1 while both are above 0 (so a small percentage never quiesces a
// server by rounding), at most 65535 (the schedulers' limit).
uint32_t scaled_weight(uint32_t weight, uint32_t percent);

}  // namespace dvs::control
