#pragma once
// One health-check probe of one real server: tcp (connect), http (GET and
// look at status and body), udp (send, expect an answer), ping (ICMP echo on
// a raw socket) or exec (a command with a timeout, exit 0 = healthy, like
// keepalived's MISC_CHECK).
//
// Probes run on the control thread's io_context and never block it: every
// step is asynchronous and bounded by the check's timeout. Each probe uses
// ordinary kernel sockets, so it reaches the real server through whatever
// interface the kernel routes it to (a management NIC, or later the
// exception path); nothing here knows about DPDK ports.
//
// Control thread only.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "control/config/config.hpp"

namespace dvs::control {

struct ProbeTarget {
    IpAddress address;  // IPv4 or IPv6
    uint16_t port = 0;  // the real server's port; a check's own port overrides it
    std::string label;  // "service/address:port", for exec's environment
};

struct ProbeResult {
    bool ok = false;
    std::string reason;  // for an operator: "HTTP 503", "connect refused", "timeout after 1000 ms"
};

using ProbeDone = std::function<void(const ProbeResult&)>;

// A running probe. Destroying the handle does not stop it; cancel() does
// (the callback is then never called).
class Probe {
public:
    virtual ~Probe() = default;
    virtual void cancel() = 0;
};

// Starts one probe of `check` against `target`; `done` is called exactly
// once, later, on the io_context (unless cancelled). check.type must not be
// kNone.
std::shared_ptr<Probe> start_probe(boost::asio::io_context& io, const HealthCheckConfig& check,
                                   const ProbeTarget& target, ProbeDone done);

// The agent-check exchange (agent_check.hpp reads the answer): connect to
// address:port, write `send` if any, read until the agent closes or ends a
// line (at most 1 KiB). ok = a line was read; reason holds it (or the error).
std::shared_ptr<Probe> start_agent_probe(boost::asio::io_context& io, const AgentCheckConfig& agent,
                                         const IpAddress& address, ProbeDone done);

}  // namespace dvs::control
