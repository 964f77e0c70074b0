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

// ipvsadm's weight range; the config enforces it. Load comparisons rely on it
// to stay inside 64 bits (see wlc.hpp).
inline constexpr uint32_t kMaxWeight = 65535;

// One entry of a service's pool as the scheduler sees it. Weight 0 means
// quiesced: no new connections, existing ones continue. Weights are fixed for
// the life of a scheduler instance; a change builds a new one.
struct Backend {
    uint32_t weight = 1;
    // Stable identity of the real server (e.g. its ip:port), used by mh so a
    // server keeps its table slots when others come and go. 0 = use the pool
    // index, which is only stable while the pool does not change.
    uint64_t key = 0;
};

// Connections a backend holds, summed over all workers, as IPVS counts
// them: active = TCP ESTABLISHED, inactive = every other state (and UDP).
struct BackendLoad {
    uint32_t active = 0;
    uint32_t inactive = 0;
};

// What is known about the new connection when it is scheduled. Addresses
// and ports in network byte order. `load` is indexed like the pool and is
// filled only for schedulers whose needs_load() is true (lc, wlc, sed, nq);
// it may be slightly stale (see docs/ARCHITECTURE.md). Backends past the end
// of a shorter span count as idle.
struct FlowInfo {
    uint32_t client_ip = 0;
    uint16_t client_port = 0;
    uint32_t vip = 0;
    uint16_t vport = 0;
    std::span<const BackendLoad> load;
};

// ipvsadm's scheduler flags and Maglev's table size.
struct SchedulerOptions {
    bool fallback = false;   // sh-fallback (dh too): skip a quiesced server; mh: see mh.hpp
    bool hash_port = false;  // sh-port / mh-port: hash the client port too (dh: the VIP port)
    uint32_t mh_table_size = 65537;  // prime
};

inline constexpr int32_t kNoBackend = -1;

class Scheduler {
public:
    virtual ~Scheduler() = default;
    // Index into the pool given at construction, or kNoBackend when every
    // backend is quiesced (or the pool is empty).
    virtual int32_t pick(const FlowInfo& flow) = 0;
    virtual std::string_view name() const = 0;
    // True when pick() reads flow.load (the caller then fills it).
    virtual bool needs_load() const { return false; }
};

}  // namespace dvs::sched
