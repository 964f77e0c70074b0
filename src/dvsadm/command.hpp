#pragma once
// One dvsadm invocation (or one line of -R input), as parsed from argv:
// what the operator asked for, before ipvsadm's defaults are applied
// (request.hpp applies them). Plain values; no I/O anywhere near it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/net_types.hpp"
#include "mgmt/messages.hpp"

namespace dvs::dvsadm {

enum class Verb {
    kList,           // -L / -l, and dvsadm without arguments
    kAddService,     // -A
    kEditService,    // -E
    kDeleteService,  // -D
    kAddServer,      // -a
    kEditServer,     // -e
    kDeleteServer,   // -d
    kClear,          // -C
    kZero,           // -Z
    kSetTimeouts,    // --set tcp tcpfin udp
    kSave,           // -S
    kRestore,        // -R
    kHelp,           // -h
    kVersion,        // -v (--version)
    // DVS's own verbs, spelled as words.
    kStatus,
    kReload,
    kSaveYaml,
    kSaveRuntime,
    kServiceOptions,  // -R's "# dvs: -t VIP:PORT { ... }" line (no option spells it)
    kConns,
    kHealth,
    kHa,
    kFleet,  // fleet [drain | undrain]
};

// -L's output switches.
struct ListOptions {
    bool numeric = false;      // -n: accepted; dvsadm always prints numbers
    bool stats = false;        // --stats
    bool rate = false;         // --rate
    bool exact = false;        // --exact
    bool connections = false;  // -c
    bool timeout = false;      // --timeout
    bool nosort = false;       // --nosort
    bool tun_info = false;     // --tun-info
    bool verbose = false;      // --verbose (DVS's): configured and effective weight
    bool operator==(const ListOptions&) const = default;
};

// -r RIP[:port] as typed: the port may be left out.
struct ServerArg {
    IpAddress address;
    std::optional<uint16_t> port;
    bool operator==(const ServerArg&) const = default;
};

struct Command {
    Verb verb = Verb::kList;
    std::optional<std::string> socket;        // --socket PATH
    std::optional<mgmt::ServiceKey> service;  // -t / -u VIP[:port]
    std::optional<std::string> scheduler;     // -s
    std::optional<uint32_t> persistent;       // -p [timeout] (300 without one)
    std::optional<uint32_t> netmask;          // -M of an IPv4 service, host byte order
    std::optional<uint8_t> prefix_length;     // -M of an IPv6 service (1..128)
    std::optional<std::vector<std::string>>
        sched_flags;                       // -b, normalised (flag-1 -> sh-fallback...)
    std::optional<ServerArg> server;       // -r
    std::optional<ForwardMethod> forward;  // -g / -i / -m
    std::optional<uint32_t> weight;        // -w
    ListOptions list;
    mgmt::SetTimeoutsRequest timeouts;        // --set
    mgmt::ConnFilter conn_filter;             // conns --vip/--client/--server/...
    std::optional<uint32_t> conn_limit;       // conns --limit
    bool dry_run = false;                     // reload --dry-run
    bool restart = false;                     // reload --restart
    bool json = false;                        // --json: the answer as JSON, for scripts
    std::string service_options;              // kServiceOptions: the YAML mapping
    std::optional<std::string> fleet_action;  // fleet drain | undrain
    bool operator==(const Command&) const = default;
};

}  // namespace dvs::dvsadm
