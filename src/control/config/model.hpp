#pragma once
// The operator's configuration as plain values: what the YAML loader
// (yaml_loader.hpp) builds, what validate() checks, what the writer writes
// and what the snapshot builder turns into what the workers read.
//
// Written only on the control thread: by the loader, or by a runtime change
// (management.cpp) on a copy of the running Config. Nothing here is touched
// by a worker. Addresses that may be IPv6 (ports, routes, neighbours, VIPs,
// real servers: issue 15) are IpAddress/IpPrefix; the others are still IPv4
// in host byte order. Every struct compares
// structurally (operator==), which is how a reload tells what changed.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/net_types.hpp"

namespace dvs::control {

// The shared vocabulary (common/net_types.hpp), by its old names here.
using dvs::CheckType;
using dvs::FailureAction;
using dvs::ForwardMethod;
using dvs::IpAddress;
using dvs::IpPrefix;
using dvs::Ipv4Prefix;
using dvs::MacAddress;
using dvs::Protocol;

struct DataplaneConfig {
    std::vector<std::string> eal;      // passed to rte_eal_init after argv[0]
    uint32_t workers = 1;              // worker lcores; the control thread is extra
    uint32_t conn_capacity = 1 << 20;  // connections per worker
    uint32_t conn6_capacity = 0;       // IPv6 connections per worker; 0: conn_capacity / 8, >= 1024
    uint32_t mbufs = 16383;            // mbufs in each socket's pool
    uint32_t idle_sleep_us = 0;  // sleep this long after an idle poll streak (0 = pure polling)
    bool operator==(const DataplaneConfig&) const = default;
};

// The SYN-flood bound of a TCP service that does not write max_half_open,
// per worker: an eighth of the worker's table (issue 20). Eight flooded
// services fill a table; the engine's own cap (half the table half-open)
// keeps room for established connections beyond that.
inline uint32_t default_half_open_per_worker(const DataplaneConfig& d) {
    return d.conn_capacity / 8 > 0 ? d.conn_capacity / 8 : 1;
}

struct PortConfig {
    std::string name;
    std::string device;               // DPDK device name or PCI address
    std::vector<IpPrefix> addresses;  // the balancer's own addresses on this port
    uint16_t mtu = 1500;              // IP MTU; TUN encapsulation must fit it
    std::optional<MacAddress> mac;    // set the port's MAC (default: the device's own)
    std::string kernel_interface;     // exception path interface; empty: "dvs-" + name
    bool operator==(const PortConfig&) const = default;
};

// The exception path: one kernel interface (net_tap) per port carrying the
// port's addresses, so traffic for the balancer itself that the dataplane
// does not consume (health-check replies, SSH, BGP) reaches the kernel, and
// what the kernel sends leaves through the port.
struct ExceptionPathConfig {
    bool enabled = false;
    uint32_t rate_limit_pps = 10000;  // toward the kernel, per worker; 0 = no limit
    uint32_t burst = 256;             // packets passed at once after a quiet spell
    bool install_routes = true;       // give the kernel the `routes` section too
    bool operator==(const ExceptionPathConfig&) const = default;
};

struct RouteConfig {
    IpPrefix prefix;  // host bits clear
    IpAddress via;    // of the prefix's family
    std::string port;
    bool operator==(const RouteConfig&) const = default;
};

struct NeighborConfig {
    IpAddress address;
    MacAddress mac{};
    std::string port;
    bool operator==(const NeighborConfig&) const = default;
};

// Per-state idle timeouts in seconds (IPVS defaults).
struct TimeoutConfig {
    uint32_t tcp = 900;       // ESTABLISHED
    uint32_t tcp_syn = 120;   // SYN seen, handshake not complete
    uint32_t tcp_fin = 120;   // FIN seen / TIME_WAIT
    uint32_t tcp_close = 10;  // RST seen
    uint32_t udp = 300;
    bool operator==(const TimeoutConfig&) const = default;
};

struct ManagementConfig {
    std::string socket = "/run/dvs/dvs.sock";
    // Besides root, members of this group may use the socket (it becomes
    // 0660 root:group). Resolved when the file is read; empty: root only.
    std::string group;
    std::optional<uint32_t> gid;
    bool operator==(const ManagementConfig&) const = default;
};

// The monitoring HTTP listener (control/monitoring/): /metrics and
// /status.json, read-only. Off unless the section is present. It runs on
// the control thread and must not listen on a dataplane VIP.
struct MonitoringConfig {
    bool enabled = false;  // a monitoring: section is present
    IpAddress address;     // listen address, IPv4 or IPv6; 0.0.0.0 and :: allowed
    uint16_t port = 9110;
    std::vector<IpPrefix> allow;         // client networks, either family; empty: anyone
    uint32_t max_connections = 64;       // sessions at once; more are closed at accept
    uint32_t request_timeout_ms = 5000;  // to read a request, and to write its answer
    bool operator==(const MonitoringConfig&) const = default;
};

// What survives a restart (README "Restarts that keep connections"): on
// SIGTERM dvsd writes its connection table and persistence templates to
// state_file; the next start installs them with their remaining timeouts
// and removes the file. Read at shutdown, so a reload changes it at once.
// when_needed: a reload whose changes need a restart (config_diff) is done
// as a controlled restart (control/controlled_restart) instead of being
// refused or kept as running; it needs state_file.
struct RestartConfig {
    std::string state_file;  // absolute path; "": connections are not kept
    bool when_needed = false;
    bool operator==(const RestartConfig&) const = default;
};

// Health checks (control/health_check.hpp runs them). A service's check
// applies to each of its real servers; a real server may override any key.
// What a failed server's entry in the scheduling pool becomes: weight 0
// (inhibit, like keepalived's inhibit_on_failure) or no entry (remove).

struct HealthCheckConfig {
    CheckType type = CheckType::kNone;
    uint16_t port = 0;             // tcp/http/udp: 0 = the real server's port
    std::string path = "/";        // http
    uint16_t expect_status = 200;  // http
    std::string expect_body;       // http: substring of the body; empty = any body
    std::string send;              // udp: the datagram sent
    std::string expect;            // udp: substring of the answer; empty = any answer
    std::string command;           // exec: run by /bin/sh -c; exit 0 = healthy
    uint32_t interval_ms = 2000;
    uint32_t timeout_ms = 1000;  // <= interval_ms
    uint32_t rise = 2;           // consecutive successes that bring a down server up
    uint32_t fall = 3;           // consecutive failures that take an up server down
    FailureAction on_failure = FailureAction::kInhibit;
    bool operator==(const HealthCheckConfig&) const = default;
};

// HAProxy's agent-check: connect to the agent on the real server, read one
// line ("75%", "drain", "down", "up", ...) that scales or overrides the weight.
struct AgentCheckConfig {
    uint16_t port = 0;  // required
    std::string send;   // written to the agent after connecting (optional)
    uint32_t interval_ms = 2000;
    uint32_t timeout_ms = 1000;  // <= interval_ms
    bool operator==(const AgentCheckConfig&) const = default;
};

// Where new connections go while no real server of the service is healthy.
struct SorryServerConfig {
    IpAddress address;  // of the service's VIP's family, like a real server
    uint16_t port = 0;  // defaults to the service port
    ForwardMethod forward = ForwardMethod::kNat;
    bool operator==(const SorryServerConfig&) const = default;
};

struct RealServerConfig {
    IpAddress address;  // of the service's VIP's family
    uint16_t port = 0;  // defaults to the service port
    uint32_t weight = 1;
    ForwardMethod forward = ForwardMethod::kNat;
    // Effective checks: the service's, with this server's overrides merged
    // in (the *_override flags say whether the file had any, so the writer
    // can write them back).
    std::optional<HealthCheckConfig> health_check;
    std::optional<AgentCheckConfig> agent_check;
    bool health_check_override = false;
    bool agent_check_override = false;
    bool operator==(const RealServerConfig&) const = default;
};

// Connection templates pin a client (masked by netmask, or for an IPv6
// service by prefix_length, as ipvsadm -M does per family) to one real server.
struct PersistenceConfig {
    uint32_t timeout = 300;         // seconds
    uint32_t netmask = 0xffffffff;  // IPv4 services: host byte order, contiguous
    uint8_t prefix_length = 128;    // IPv6 services: the client bits kept (1..128)
    bool operator==(const PersistenceConfig&) const = default;
};

struct ServiceConfig {
    std::string name;
    IpAddress vip;      // its family is the service's
    uint16_t port = 0;  // 0: every port of the VIP (needs persistence)
    Protocol protocol = Protocol::kTcp;
    std::string scheduler = "wrr";
    bool sched_fallback = false;     // scheduler_flags: sh-fallback / mh-fallback
    bool sched_port = false;         // scheduler_flags: sh-port / mh-port
    uint32_t mh_table_size = 65537;  // prime
    std::optional<PersistenceConfig> persistence;
    // What happens to connections of a real server that leaves the service
    // (reload, dvsadm -d): they drain (keep forwarding until they end), or
    // the next packet of each is answered with a TCP reset and the
    // connection forgotten (IPVS's expire_nodest_conn, plus the reset).
    bool reset_on_remove = false;  // YAML on_remove: drain | reset
    // A new connection when no real server is usable: answered at once (TCP
    // reset, ICMP port unreachable for UDP), as IPVS's local stack does, or
    // dropped silently. YAML on_no_server: reject | drop.
    bool reject_no_server = true;
    // SYN-flood bound: at most this many half-open (SYN_RECV) connections
    // at a time, shared evenly by the workers; further SYNs are dropped as
    // half_open_limit. Not written: default_max_half_open() of the
    // dataplane (TCP services). 0: no limit of its own.
    std::optional<uint32_t> max_half_open;
    // Maglev continuation (README "Scale-out"): a TCP segment that is not a
    // SYN and finds no connection is scheduled by mh and its connection
    // continues, as another box of the fleet would have placed it. mh only.
    // Unset: on when the file has a fleet section (continuation_on()).
    std::optional<bool> continuation;
    std::optional<HealthCheckConfig> health_check;  // the service-wide check, as written
    std::optional<AgentCheckConfig> agent_check;
    std::optional<SorryServerConfig> sorry_server;
    std::vector<RealServerConfig> real_servers;
    bool operator==(const ServiceConfig&) const = default;
};

// High availability (README "High availability"): VRRP version 3 instances
// on a kernel interface, and the connection sync stream to the peer.
struct VrrpInstanceConfig {
    std::string name;
    uint8_t vrid = 0;                    // 1..255
    uint8_t priority = 100;              // 1..255 (255: the addresses' owner)
    uint32_t advert_interval_ms = 1000;  // 10ms..40950ms (centiseconds on the wire)
    bool preempt = true;
    uint32_t preempt_delay_ms = 0;
    // Floating port addresses and/or service VIPs, all of one family (an
    // IPv4 and an IPv6 virtual router are separate instances, RFC 5798 5.1;
    // they may share a vrid): the instance's family.
    std::vector<IpAddress> addresses;
    AddressFamily family() const {
        return addresses.empty() ? AddressFamily::kIpv4 : addresses.front().family;
    }
    bool operator==(const VrrpInstanceConfig&) const = default;
};

struct HaSyncConfig {
    // The other balancer (unicast UDP, IPv4 or IPv6; an IPv6 link-local
    // address is scoped to `interface`); none: no sync.
    std::optional<IpAddress> peer;
    uint16_t port = 8848;
    uint32_t flush_interval_ms = 10;  // how long a record may wait to be batched
    // The shared key (key_file.hpp): every datagram carries a MAC made with
    // it. Absolute path; "": an unauthenticated stream (dvsd warns).
    std::string key_file;
    bool operator==(const HaSyncConfig&) const = default;
};

struct HaConfig {
    bool enabled = false;   // an ha: section is present
    std::string interface;  // kernel interface for VRRP and the sync stream
    HaSyncConfig sync;
    std::vector<VrrpInstanceConfig> vrrp;
    bool operator==(const HaConfig&) const = default;
};

// Scale-out (README "Scale-out"): this box is one of several behind ECMP
// routers. dvsd keeps a /32 route per announced VIP in a kernel routing
// table of the exception path's namespace; the box's BIRD learns that table
// and announces it over BGP (control/announce/).
struct FleetConfig {
    bool enabled = false;      // a fleet: section is present
    uint32_t route_table = 0;  // required: 1..252 (not main, local or default)
    // The interface the VIP routes point at; "": the first port's kernel
    // interface (the exception path).
    std::string interface;
    bool start_drained = false;          // announce nothing until `dvsadm fleet undrain`
    uint32_t shutdown_grace_ms = 10000;  // SIGTERM: withdraw, forward this long, stop
    std::string bird_socket = "/run/bird/bird.ctl";  // "": do not ask BIRD
    bool operator==(const FleetConfig&) const = default;
};

struct Config {
    std::string source;  // file the config came from, for messages
    // Where `dvsadm save-runtime` writes the running services and timeouts
    // (absolute path; "": runtime changes can only be printed, save-yaml).
    // When the file exists, its services and timeouts replace this file's
    // (README "Runtime changes"): the operator's file is never rewritten.
    std::string runtime_overlay;
    bool overlay_loaded = false;  // services and timeouts came from runtime_overlay
    DataplaneConfig dataplane;
    std::vector<PortConfig> ports;
    std::vector<RouteConfig> routes;
    std::vector<NeighborConfig> neighbors;
    TimeoutConfig timeouts;
    ManagementConfig management;
    ExceptionPathConfig exception_path;
    MonitoringConfig monitoring;
    RestartConfig restart;
    std::vector<ServiceConfig> services;
    HaConfig ha;
    FleetConfig fleet;
    bool operator==(const Config&) const = default;
};

// Whether a service continues connections it has no state for: what the
// file says, else on for mh services of a fleet.
inline bool continuation_on(const Config& c, const ServiceConfig& s) {
    return s.continuation.value_or(c.fleet.enabled && s.scheduler == "mh" && !s.persistence);
}

}  // namespace dvs::control
