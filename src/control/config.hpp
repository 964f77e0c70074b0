#pragma once
// The operator's configuration, as read from YAML and validated.
//
// A Config is a plain value: the loader builds it on the control thread, the
// snapshot builder turns it into what the workers read. Nothing here is
// touched by a worker. Addresses are IPv4 in host byte order.

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dvs::control {

struct Ipv4Prefix {
    uint32_t address = 0;  // host byte order, host bits may be set (port addresses keep them)
    uint8_t length = 0;    // 0..32

    uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
    bool contains(uint32_t ip) const { return (ip & mask()) == (address & mask()); }
};

using MacAddress = std::array<uint8_t, 6>;

enum class Protocol : uint8_t { kTcp = 6, kUdp = 17 };
enum class ForwardMethod : uint8_t { kNat, kDr, kTun };

struct DataplaneConfig {
    std::vector<std::string> eal;    // passed to rte_eal_init after argv[0]
    uint32_t workers = 1;            // worker lcores; the control thread is extra
    uint32_t conn_capacity = 1 << 20;  // connections per worker
    uint32_t mbufs = 16383;          // mbufs in each socket's pool
    uint32_t idle_sleep_us = 0;      // sleep this long after an idle poll streak (0 = pure polling)
};

struct PortConfig {
    std::string name;
    std::string device;                  // DPDK device name or PCI address
    std::vector<Ipv4Prefix> addresses;   // the balancer's own addresses on this port
    uint16_t mtu = 1500;                 // IP MTU; TUN encapsulation must fit it
    std::optional<MacAddress> mac;       // set the port's MAC (default: the device's own)
    std::string kernel_interface;        // exception path interface; empty: "dvs-" + name
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
};

struct RouteConfig {
    Ipv4Prefix prefix;
    uint32_t via = 0;
    std::string port;
};

struct NeighborConfig {
    uint32_t address = 0;
    MacAddress mac{};
    std::string port;
};

// Per-state idle timeouts in seconds (IPVS defaults).
struct TimeoutConfig {
    uint32_t tcp = 900;       // ESTABLISHED
    uint32_t tcp_syn = 120;   // SYN seen, handshake not complete
    uint32_t tcp_fin = 120;   // FIN seen / TIME_WAIT
    uint32_t tcp_close = 10;  // RST seen
    uint32_t udp = 300;
};

struct ManagementConfig {
    std::string socket = "/run/dvs/dvs.sock";
};

struct RealServerConfig {
    uint32_t address = 0;
    uint16_t port = 0;  // defaults to the service port
    uint32_t weight = 1;
    ForwardMethod forward = ForwardMethod::kNat;
};

// Connection templates pin a client (masked by netmask) to one real server.
struct PersistenceConfig {
    uint32_t timeout = 300;               // seconds
    uint32_t netmask = 0xffffffff;        // host byte order, contiguous
};

struct ServiceConfig {
    std::string name;
    uint32_t vip = 0;
    uint16_t port = 0;                    // 0: every port of the VIP (needs persistence)
    Protocol protocol = Protocol::kTcp;
    std::string scheduler = "wrr";
    bool sched_fallback = false;          // scheduler_flags: sh-fallback / mh-fallback
    bool sched_port = false;              // scheduler_flags: sh-port / mh-port
    uint32_t mh_table_size = 65537;       // prime
    std::optional<PersistenceConfig> persistence;
    std::vector<RealServerConfig> real_servers;
};

struct Config {
    std::string source;  // file the config came from, for messages
    DataplaneConfig dataplane;
    std::vector<PortConfig> ports;
    std::vector<RouteConfig> routes;
    std::vector<NeighborConfig> neighbors;
    TimeoutConfig timeouts;
    ManagementConfig management;
    ExceptionPathConfig exception_path;
    std::vector<ServiceConfig> services;
};

// The kernel interface name of a port (its kernel_interface, or "dvs-" + name).
std::string kernel_interface_name(const PortConfig& port);

// A configuration error: what() reads "FILE:LINE:COLUMN: KEY.PATH: problem".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads and validates a YAML file. Throws ConfigError naming file, line and
// key on the first problem found; never returns a partially valid Config.
Config load_config_file(const std::string& path);

// Same, from text (tests); `source` is the name used in messages.
Config load_config_text(const std::string& text, const std::string& source);

// Formatting helpers shared by logs and stats.
std::string format_ipv4(uint32_t host_order);
std::string format_mac(const MacAddress& mac);
const char* to_string(Protocol p);
const char* to_string(ForwardMethod f);

}  // namespace dvs::control
