#pragma once
// The scheduler interface: picks a real server for a new connection.
//
// Pure code (no DPDK). A Scheduler instance is built by the control thread
// when a Snapshot is made and then used by exactly one worker core, so its
// mutable state (rr position, wrr current weight) needs no synchronisation.
// Each worker keeps its own instance; the weighted sequence holds per core and
// therefore in sum.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace dvs::sched {

// One entry of a service's pool as the scheduler sees it. Weight 0 means
// quiesced: no new connections, existing ones continue.
struct Backend {
    uint32_t weight = 1;
};

// What is known about the new connection when it is scheduled. Hashing
// schedulers (sh, dh, mh) will read it; rr and wrr ignore it.
struct FlowInfo {
    uint32_t client_ip = 0;  // network byte order
    uint16_t client_port = 0;
};

inline constexpr int32_t kNoBackend = -1;

class Scheduler {
public:
    virtual ~Scheduler() = default;
    // Index into the pool given at construction, or kNoBackend when every
    // backend is quiesced (or the pool is empty).
    virtual int32_t pick(const FlowInfo& flow) = 0;
    virtual std::string_view name() const = 0;
};

}  // namespace dvs::sched
