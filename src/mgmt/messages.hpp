#pragma once
// The management protocol's messages as C++ values (the contract and the
// wire format are in mgmt/protocol.hpp). Plain structs, compared with ==;
// IPv4-only addresses are uint32_t in host byte order; those that may be
// IPv6 too (services, real servers, connections: issue 15) are IpAddress,
// "192.0.2.10" or "2001:db8::10" on the wire. The protocol has its own types so that
// dvsadm and the protocol need nothing from dvsd's configuration.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/counter_list.hpp"
#include "common/net_types.hpp"

namespace dvs::mgmt {

// ---------------------------------------------------------------- requests

struct ServiceKey {
    IpAddress vip;  // its family is the service's
    uint16_t port = 0;
    Protocol protocol = Protocol::kTcp;
    bool operator==(const ServiceKey&) const = default;
};

struct Persistence {
    uint32_t timeout = 300;
    uint32_t netmask = 0xffffffff;  // IPv4 services: host byte order
    // IPv6 services: the client prefix (ipvsadm -M for IPv6); absent: 128.
    // Absent from IPv4 services, so an older dvsd still reads their requests.
    std::optional<uint32_t> prefix_length;
    bool operator==(const Persistence&) const = default;
};

struct ServiceSpec {
    ServiceKey key;
    std::optional<std::string> scheduler;
    std::optional<std::vector<std::string>> flags;
    // Outer empty: field absent. Inner empty: null (not persistent).
    std::optional<std::optional<Persistence>> persistence;
    bool operator==(const ServiceSpec&) const = default;
};

struct ServerKey {
    IpAddress address;  // of the service's family
    uint16_t port = 0;
    bool operator==(const ServerKey&) const = default;
};

struct ServerSpec {
    ServerKey key;
    std::optional<uint32_t> weight;
    std::optional<ForwardMethod> forward;
    bool operator==(const ServerSpec&) const = default;
};

struct ConnFilter {
    std::optional<IpAddress> vip;
    std::optional<uint16_t> port;
    std::optional<IpAddress> client;
    std::optional<IpAddress> server;
    std::optional<Protocol> protocol;
    bool operator==(const ConnFilter&) const = default;
};

struct StatusRequest {
    bool operator==(const StatusRequest&) const = default;
};
struct ReloadRequest {
    bool dry_run = false;  // load and compare only: the answer lists what would change
    bool restart = false;  // apply by a controlled restart (re-execute dvsd)
    bool operator==(const ReloadRequest&) const = default;
};
struct ListRequest {
    bool stats = false;
    bool rate = false;
    bool operator==(const ListRequest&) const = default;
};
struct AddServiceRequest {
    ServiceSpec service;
    bool operator==(const AddServiceRequest&) const = default;
};
struct EditServiceRequest {
    ServiceSpec service;
    bool operator==(const EditServiceRequest&) const = default;
};
struct DelServiceRequest {
    ServiceKey service;
    bool operator==(const DelServiceRequest&) const = default;
};
struct AddServerRequest {
    ServiceKey service;
    ServerSpec server;
    bool operator==(const AddServerRequest&) const = default;
};
struct EditServerRequest {
    ServiceKey service;
    ServerSpec server;
    bool operator==(const EditServerRequest&) const = default;
};
struct DelServerRequest {
    ServiceKey service;
    ServerKey server;
    bool operator==(const DelServerRequest&) const = default;
};
struct ClearRequest {
    bool operator==(const ClearRequest&) const = default;
};
struct ZeroRequest {
    std::optional<ServiceKey> service;
    bool operator==(const ZeroRequest&) const = default;
};
struct SetTimeoutsRequest {
    uint32_t tcp = 0;  // 0 = unchanged
    uint32_t tcp_fin = 0;
    uint32_t udp = 0;
    bool operator==(const SetTimeoutsRequest&) const = default;
};
// dvsadm -R's "# dvs:" line: the keys ipvsadm cannot say, as YAML.
struct SetServiceOptionsRequest {
    ServiceKey service;
    std::string options;  // a YAML mapping (name, health_check, ...)
    // Set: the options are one real server's own checks (health_check,
    // agent_check), from a "# dvs: -t VIP:PORT -r RIP:PORT { ... }" line.
    std::optional<ServerKey> server;
    bool operator==(const SetServiceOptionsRequest&) const = default;
};
struct SaveRuntimeRequest {
    bool operator==(const SaveRuntimeRequest&) const = default;
};
struct SaveYamlRequest {
    bool operator==(const SaveYamlRequest&) const = default;
};
struct HealthRequest {
    bool operator==(const HealthRequest&) const = default;
};
struct HaRequest {
    bool operator==(const HaRequest&) const = default;
};
// The fleet (README "Scale-out"): show, or drain / undrain this box.
struct FleetRequest {
    std::optional<std::string> action;  // absent: show; "drain" | "undrain"
    bool operator==(const FleetRequest&) const = default;
};
struct ConnsRequest {
    ConnFilter filter;
    std::optional<uint32_t> limit;
    bool operator==(const ConnsRequest&) const = default;
};

using Request = std::variant<StatusRequest, ReloadRequest, ListRequest, AddServiceRequest,
                             EditServiceRequest, DelServiceRequest, AddServerRequest,
                             EditServerRequest, DelServerRequest, ClearRequest, ZeroRequest,
                             SetTimeoutsRequest, SaveYamlRequest, ConnsRequest, HealthRequest,
                             HaRequest, SaveRuntimeRequest, SetServiceOptionsRequest, FleetRequest>;

// --------------------------------------------------------------- responses

// A service's or real server's traffic (common/counter_list.hpp).
struct Counters {
#define DVS_TRAFFIC_FIELD(name, rate_name, help) uint64_t name = 0;
    DVS_TRAFFIC_COUNTERS(DVS_TRAFFIC_FIELD)
#undef DVS_TRAFFIC_FIELD
    bool operator==(const Counters&) const = default;
};

// The same, per second.
struct Rates {
#define DVS_RATE_FIELD(name, rate_name, help) uint64_t rate_name = 0;
    DVS_TRAFFIC_COUNTERS(DVS_RATE_FIELD)
#undef DVS_RATE_FIELD
    bool operator==(const Rates&) const = default;
};

struct RealServerInfo {
    ServerKey key;
    uint32_t weight = 1;  // configured
    // What the schedulers use now: 0 out of the pool (check failed, drained,
    // removed), the agent-scaled weight otherwise. Absent from older dvsd.
    std::optional<uint32_t> effective_weight;
    ForwardMethod forward = ForwardMethod::kNat;
    // The server's own checks (overriding the service's) as a YAML mapping,
    // for -S's "# dvs: ... -r" line; empty when it follows the service.
    std::string options;
    uint64_t active_conns = 0;
    uint64_t inactive_conns = 0;
    std::optional<Counters> stats;
    std::optional<Rates> rate;
    bool operator==(const RealServerInfo&) const = default;
};

struct ServiceInfo {
    std::string name;
    // What ipvsadm rules cannot say (name, checks, ...) as a YAML mapping,
    // for -S's "# dvs:" line; empty from an older dvsd.
    std::string options;
    ServiceKey key;
    std::string scheduler;
    std::vector<std::string> flags;
    std::optional<Persistence> persistence;
    std::optional<Counters> stats;
    std::optional<Rates> rate;
    std::vector<RealServerInfo> real_servers;
    bool operator==(const ServiceInfo&) const = default;
};

struct Timeouts {
    uint32_t tcp = 900;
    uint32_t tcp_fin = 120;
    uint32_t udp = 300;
    bool operator==(const Timeouts&) const = default;
};

struct ListResponse {
    std::vector<ServiceInfo> services;
    Timeouts timeouts;
    bool operator==(const ListResponse&) const = default;
};

struct LastReload {
    bool ok = true;
    int64_t time = 0;  // unix seconds
    std::string message;
    bool operator==(const LastReload&) const = default;
};

struct StatusResponse {
    uint32_t workers = 0;
    uint64_t snapshot_version = 0;
    std::string config_file;
    std::optional<LastReload> last_reload;
    std::map<std::string, uint64_t> drops;
    std::vector<std::string> needs_restart;
    // The workers' counters summed, by name (common/counter_list.hpp);
    // empty from a dvsd older than the field.
    std::map<std::string, uint64_t> counters;
    // dvsadm changes since the file was last loaded (a reload discards them).
    uint64_t unsaved_changes = 0;
    bool operator==(const StatusResponse&) const = default;
};

struct ConnInfo {
    Protocol protocol = Protocol::kTcp;
    IpAddress client;  // the three of one family
    uint16_t client_port = 0;
    IpAddress vip;
    uint16_t vport = 0;
    IpAddress server;
    uint16_t server_port = 0;
    std::string state;
    uint32_t expires_in = 0;
    bool operator==(const ConnInfo&) const = default;
};

struct ConnsResponse {
    std::vector<ConnInfo> conns;
    bool truncated = false;
    bool operator==(const ConnsResponse&) const = default;
};

struct AgentHealth {
    uint32_t percent = 100;
    std::string last;
    bool operator==(const AgentHealth&) const = default;
};

struct ServerHealth {
    ServerKey key;
    uint32_t weight = 1;
    uint32_t effective_weight = 1;
    bool in_pool = true;
    std::string check = "none";
    std::string state = "up";
    int64_t since = 0;
    int64_t last_check = 0;
    bool last_ok = true;
    std::string last_reason;
    std::optional<AgentHealth> agent;
    uint64_t checks = 0, failures = 0, transitions = 0, agent_checks = 0, agent_failures = 0;
    bool operator==(const ServerHealth&) const = default;
};

struct SorryHealth {
    ServerKey key;
    bool active = false;
    bool operator==(const SorryHealth&) const = default;
};

struct ServiceHealth {
    std::string name;
    ServiceKey key;
    std::optional<SorryHealth> sorry_server;
    std::vector<ServerHealth> real_servers;
    bool operator==(const ServiceHealth&) const = default;
};

struct HealthResponse {
    std::vector<ServiceHealth> services;
    bool operator==(const HealthResponse&) const = default;
};

struct VrrpCountersInfo {
    uint64_t adverts_sent = 0, adverts_received = 0;
    uint64_t became_master = 0, became_backup = 0;
    uint64_t priority_zero_sent = 0, priority_zero_received = 0;
    uint64_t dropped = 0;  // every refused advert, whatever the reason
    uint64_t address_mismatch = 0, interval_mismatch = 0;
    bool operator==(const VrrpCountersInfo&) const = default;
};

struct VrrpInstanceInfo {
    std::string name;
    uint32_t vrid = 0;
    std::string state = "INIT";  // "INIT" | "BACKUP" | "MASTER"
    uint32_t priority = 0;
    uint32_t advert_interval_ms = 0;
    IpAddress master;      // unspecified: unknown ("" on the wire); IPv6 for an IPv6 instance
    int64_t since_ms = 0;  // unix ms of the last transition; 0: none yet
    std::string reason;
    VrrpCountersInfo counters;
    bool operator==(const VrrpInstanceInfo&) const = default;
};

struct HaSyncInfo {
    bool configured = false;
    std::string peer;  // address:port
    bool requesting_full = false;
    uint64_t records_sent = 0, records_received = 0, datagrams_lost = 0;
    uint64_t queued = 0;             // records waiting to be sent: the lag
    double last_receive_age_s = -1;  // -1: nothing received yet
    uint64_t full_transfers_received = 0, last_full_records = 0;
    double last_full_ms = 0;
    uint64_t unknown_server = 0, install_ring_full = 0, bad_datagrams = 0;
    uint64_t send_blocked = 0, gap_repairs = 0;
    // What the stream refused or limited (control/ha/ha_status.hpp says each).
    bool authenticated = false;
    uint64_t foreign_datagrams = 0, unauthenticated = 0, replayed = 0, bad_version = 0;
    uint64_t seq_jumps = 0, ignored_as_master = 0, timeouts_capped = 0;
    uint64_t full_requests_served = 0, full_requests_limited = 0;
    bool operator==(const HaSyncInfo&) const = default;
};

// The workers' HA counters, summed (common/counter_list.hpp), and the
// drops of traffic for addresses this box is backup for.
struct HaDataplaneInfo {
#define DVS_HA_FIELD(group, name, kind, label, help) uint64_t name = 0;
    DVS_HA_DATAPLANE_COUNTERS(DVS_HA_FIELD)
#undef DVS_HA_FIELD
    uint64_t ha_backup_drops = 0;
    bool operator==(const HaDataplaneInfo&) const = default;
};

// What the VRRP sockets read before any instance saw it: packets no
// instance could be given (control/ha/ha_status.hpp says each reason).
struct VrrpSocketInfo {
    uint64_t received = 0;
    uint64_t not_for_group = 0, own = 0, bad_ip = 0, not_link_local = 0;
    uint64_t other_vrid = 0, too_short = 0;
    uint64_t send_errors = 0, receive_errors = 0;
    bool operator==(const VrrpSocketInfo&) const = default;
};

struct HaResponse {
    bool enabled = false;  // false: no ha section, the rest is empty
    std::string interface;
    std::vector<VrrpInstanceInfo> instances;
    VrrpSocketInfo vrrp_socket;
    HaSyncInfo sync;
    HaDataplaneInfo dataplane;
    bool operator==(const HaResponse&) const = default;
};

// fleet: what this box announces, and its BIRD's BGP sessions.
struct FleetVip {
    IpAddress vip;  // IPv4 or IPv6
    bool announced = false;
    std::string reason;  // "serving", "drained", "stopping", "not_ready", "no_usable_server"
    bool operator==(const FleetVip&) const = default;
};

struct FleetBgpSession {
    std::string name;
    std::string state;  // BIRD's protocol state: "up" when established
    std::string info;
    bool operator==(const FleetBgpSession&) const = default;
};

struct FleetResponse {
    bool enabled = false;  // false: no fleet section; then nothing else
    bool ready = false;
    bool drained = false;
    bool stopping = false;
    uint32_t route_table = 0;
    std::string interface;
    std::vector<FleetVip> vips;
    std::string bird_socket;
    bool bird_reachable = false;
    std::string bird_error;
    std::vector<FleetBgpSession> bgp;
    uint64_t bird_polls = 0;
    uint64_t bird_poll_failures = 0;
    uint64_t route_errors = 0;
    std::string last_route_error;
    bool operator==(const FleetResponse&) const = default;
};

}  // namespace dvs::mgmt
