#pragma once
// The management protocol between dvsd and its clients (dvsadm). This header
// is the contract; mgmt_protocol.cpp is its only reader and writer.
//
// Transport: a Unix stream socket (config `management.socket`, default
// /run/dvs/dvs.sock), root only (mode 0600) or root + one group (0660).
// A connection carries any number of requests; each gets exactly one
// response, in order. Both are one line of UTF-8 JSON ending in '\n'. A
// request line is at most kMaxRequestBytes including the newline; a longer
// one is answered with an error and the connection is closed. Blank lines
// are ignored.
//
// Envelope (version 1):
//   request   {"v":1, "op":"<op>", <the op's fields>}
//   success   {"v":1, "ok":true, <the op's answer fields>}
//   failure   {"v":1, "ok":false, "error":"<one line for an operator>"}
// A request with an unknown field is refused (a typo must not silently mean
// "default"). A client ignores answer fields it does not know, so dvsd may
// add some without a version change. Garbage gets
// {"ok":false,"error":"malformed request: ..."} and the connection stays usable.
//
// Value types:
//   address   dotted-quad IPv4 string ("192.0.2.10")
//   port      integer 0..65535
//   protocol  "tcp" | "udp"
//   forward   "nat" | "dr" | "tun"
//   netmask   dotted-quad string, contiguous ("255.255.255.0")
//   service   {vip, port, protocol}: identifies a virtual service
//   counters  unsigned 64-bit integers
//
// Ops: request fields -> answer fields ('?' = optional)
//
//   status        -> workers, snapshot_version, config_file,
//                    last_reload: null | {ok: bool, time: unix seconds, message},
//                    drops: {<drop reason>: n, ...}, needs_restart: [<config key>, ...]
//                    (needs_restart: keys changed in the file that only a restart applies)
//   reload        -> message                       (failure: ok:false, error says why;
//                                                   the running config stays)
//   list          stats?: bool, rate?: bool
//                 -> services: [{name, vip, port, protocol, scheduler, flags: [string],
//                                persistence: null | {timeout, netmask},
//                                conns, pkts_in, pkts_out, bytes_in, bytes_out,   (stats)
//                                rate: {cps, inpps, outpps, inbps, outbps},      (rate)
//                                real_servers: [{address, port, weight, forward,
//                                                active_conns, inactive_conns,
//                                                conns, pkts_in, pkts_out,       (stats)
//                                                bytes_in, bytes_out,            (stats)
//                                                rate: {...}}]}],                (rate)
//                    timeouts: {tcp, tcp_fin, udp}
//                 The five counters are present when stats is true, rate when
//                 rate is true (dvsd may always send them). Rates are per second.
//   add_service   service: {vip, port, protocol, scheduler?, flags?: [string],
//                           persistence?: null | {timeout?, netmask?}}        -> (nothing)
//   edit_service  same fields; an absent field is left unchanged,
//                 persistence: null turns persistence off                     -> (nothing)
//   del_service   service: {vip, port, protocol}                              -> (nothing)
//   add_server    service: {vip, port, protocol},
//                 server: {address, port, weight?, forward?}                  -> (nothing)
//   edit_server   same; an absent weight/forward is left unchanged            -> (nothing)
//   del_server    service: {...}, server: {address, port}                     -> (nothing)
//   clear         (removes every service)                                     -> (nothing)
//   zero          service?: {...} (one service, default all)                  -> (nothing)
//   set_timeouts  tcp, tcp_fin, udp: seconds, 0 = unchanged (as ipvsadm --set) -> (nothing)
//   save_yaml     -> yaml: the running configuration as a config file
//   conns         filter?: {vip?, port?, client?, server?, protocol?}, limit?: 1..
//                 -> conns: [{protocol, client, client_port, vip, vport, server,
//                             server_port, state, expires_in}], truncated?: bool
//                 state is the IPVS name: "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
//                 "CLOSE" for TCP, "UDP" for UDP; expires_in is seconds.
//   health        -> services: [{name, vip, port, protocol,
//                                sorry_server: null | {address, port, active: bool},
//                                real_servers: [{address, port, weight, effective_weight,
//                                  in_pool: bool, check, state, since, last_check,
//                                  last_ok: bool, last_reason,
//                                  agent: null | {percent, last},
//                                  checks, failures, transitions,
//                                  agent_checks, agent_failures}]}]
//                 check: "tcp" | "http" | "udp" | "ping" | "exec" | "none";
//                 state: "up" | "down" | "drain"; since, last_check: unix
//                 milliseconds, 0 = never; weight is the configured one,
//                 effective_weight the one scheduled (0 when inhibited or
//                 drained, agent-scaled otherwise); in_pool false: removed.
//   ha            -> enabled: bool (false: no ha section; then nothing else),
//                    interface,
//                    instances: [{name, vrid, state, priority, advert_interval_ms,
//                                 master, since_ms, reason,
//                                 counters: {adverts_sent, adverts_received,
//                                   became_master, became_backup, priority_zero_sent,
//                                   priority_zero_received, dropped,
//                                   address_mismatch, interval_mismatch}}],
//                    sync: {configured: bool, peer, requesting_full: bool,
//                           records_sent, records_received, datagrams_lost, queued,
//                           last_receive_age_s, full_transfers_received,
//                           last_full_records, last_full_ms, unknown_server,
//                           install_ring_full, bad_datagrams, send_blocked,
//                           gap_repairs},
//                    dataplane: {sync_emitted, sync_lost, sync_installed, sync_updated,
//                                sync_removed, sync_kept, sync_install_failed,
//                                garps_sent, ha_backup_drops}
//                 state: "INIT" | "BACKUP" | "MASTER"; master: the current
//                 master's address, "" when unknown; since_ms: unix ms of the
//                 last transition, 0 = none yet, reason says why; advert_interval_ms
//                 is the effective one (the master's, as backup); dropped sums
//                 the adverts refused (TTL, length, version, type, checksum,
//                 interval 0). queued: records waiting to be sent (the sync
//                 lag); last_receive_age_s: seconds (fractional), -1 = never;
//                 last_full_ms: milliseconds (fractional). When sync is not
//                 configured, its other fields are zero. dataplane: the
//                 workers' counters, summed.
//
// Ranges: weight 0..65535; persistence timeout 1..2592000 (default 300),
// netmask default 255.255.255.255; timeouts 0..2592000. scheduler names and
// flags (sh-fallback, sh-port, mh-fallback, mh-port) are the config's;
// whether a flag suits the scheduler is the daemon's check.
//
// Threads: everything here is pure and may be used from any thread.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "control/config/config.hpp"

namespace dvs::control::mgmt {

using nlohmann::json;

inline constexpr int kVersion = 1;
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;  // including the '\n'
inline constexpr uint32_t kMaxTimeoutSeconds = 2592000;     // 30 days, as the config allows

// A request or response that does not follow this contract; what() is the
// message for the peer ("missing field 'service.vip'").
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A well-formed {"ok":false} answer; what() is the daemon's message.
class DaemonError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------- requests

struct ServiceKey {
    uint32_t vip = 0;  // host byte order
    uint16_t port = 0;
    Protocol protocol = Protocol::kTcp;
    bool operator==(const ServiceKey&) const = default;
};

struct Persistence {
    uint32_t timeout = 300;
    uint32_t netmask = 0xffffffff;  // host byte order
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
    uint32_t address = 0;
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
    std::optional<uint32_t> vip;
    std::optional<uint16_t> port;
    std::optional<uint32_t> client;
    std::optional<uint32_t> server;
    std::optional<Protocol> protocol;
    bool operator==(const ConnFilter&) const = default;
};

struct StatusRequest {
    bool operator==(const StatusRequest&) const = default;
};
struct ReloadRequest {
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
struct SaveYamlRequest {
    bool operator==(const SaveYamlRequest&) const = default;
};
struct HealthRequest {
    bool operator==(const HealthRequest&) const = default;
};
struct HaRequest {
    bool operator==(const HaRequest&) const = default;
};
struct ConnsRequest {
    ConnFilter filter;
    std::optional<uint32_t> limit;
    bool operator==(const ConnsRequest&) const = default;
};

using Request =
    std::variant<StatusRequest, ReloadRequest, ListRequest, AddServiceRequest, EditServiceRequest,
                 DelServiceRequest, AddServerRequest, EditServerRequest, DelServerRequest,
                 ClearRequest, ZeroRequest, SetTimeoutsRequest, SaveYamlRequest, ConnsRequest,
                 HealthRequest, HaRequest>;

// Every op, in the order the contract lists them.
const std::vector<std::string_view>& known_ops();

// The "op" string of a request.
std::string_view op_name(const Request& request);

// Validates a whole request (envelope and the op's fields) and returns it
// typed. Throws ProtocolError naming the field and the problem.
Request parse_request(const json& request);

// Parses one request line: JSON errors become ProtocolError("malformed
// request: ...").
json parse_request_line(std::string_view line);

json to_json(const Request& request);

// --------------------------------------------------------------- responses

struct Counters {
    uint64_t conns = 0;
    uint64_t pkts_in = 0;
    uint64_t pkts_out = 0;
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    bool operator==(const Counters&) const = default;
};

struct Rates {
    uint64_t cps = 0;
    uint64_t inpps = 0;
    uint64_t outpps = 0;
    uint64_t inbps = 0;
    uint64_t outbps = 0;
    bool operator==(const Rates&) const = default;
};

struct RealServerInfo {
    ServerKey key;
    uint32_t weight = 1;
    ForwardMethod forward = ForwardMethod::kNat;
    uint64_t active_conns = 0;
    uint64_t inactive_conns = 0;
    std::optional<Counters> stats;
    std::optional<Rates> rate;
    bool operator==(const RealServerInfo&) const = default;
};

struct ServiceInfo {
    std::string name;
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
    bool operator==(const StatusResponse&) const = default;
};

struct ConnInfo {
    Protocol protocol = Protocol::kTcp;
    uint32_t client = 0;
    uint16_t client_port = 0;
    uint32_t vip = 0;
    uint16_t vport = 0;
    uint32_t server = 0;
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
    uint32_t master = 0;   // host byte order; 0: unknown ("" on the wire)
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
    bool operator==(const HaSyncInfo&) const = default;
};

// The workers' HA counters, summed.
struct HaDataplaneInfo {
    uint64_t sync_emitted = 0, sync_lost = 0, sync_installed = 0, sync_updated = 0;
    uint64_t sync_removed = 0, sync_kept = 0, sync_install_failed = 0;
    uint64_t garps_sent = 0, ha_backup_drops = 0;
    bool operator==(const HaDataplaneInfo&) const = default;
};

struct HaResponse {
    bool enabled = false;  // false: no ha section, the rest is empty
    std::string interface;
    std::vector<VrrpInstanceInfo> instances;
    HaSyncInfo sync;
    HaDataplaneInfo dataplane;
    bool operator==(const HaResponse&) const = default;
};

// {"v":1,"ok":true} plus the fields of `body` (an object or null).
json ok_response(json body = json::object());
// {"v":1,"ok":false,"error":message}
json error_response(std::string_view message);

json to_json(const StatusResponse& r);
json to_json(const ListResponse& r);
json to_json(const ConnsResponse& r);
json to_json(const HealthResponse& r);
json to_json(const HaResponse& r);

// Client side. check_response throws DaemonError for ok:false and
// ProtocolError for a malformed envelope; the parse_* functions call it
// first, then validate the op's fields ("malformed response: ...").
const json& check_response(const json& response);
StatusResponse parse_status_response(const json& response);
ListResponse parse_list_response(const json& response);
ConnsResponse parse_conns_response(const json& response);
HealthResponse parse_health_response(const json& response);
HaResponse parse_ha_response(const json& response);
std::string parse_message_response(const json& response);  // reload: "message"
std::string parse_yaml_response(const json& response);     // save_yaml: "yaml"

// One line on the wire: compact JSON and '\n'. Never throws on bad UTF-8
// (replaced with U+FFFD), so an echoed garbage byte cannot break a reply.
std::string encode_line(const json& message);

// Value helpers shared with dvsadm.
std::string ipv4_to_string(uint32_t host_order);
std::optional<uint32_t> parse_ipv4(std::string_view text);  // strict dotted quad
bool is_contiguous_netmask(uint32_t mask);
std::string_view protocol_name(Protocol p);      // "tcp" | "udp"
std::string_view forward_name(ForwardMethod f);  // "nat" | "dr" | "tun"

}  // namespace dvs::control::mgmt
