#pragma once
// The management protocol between dvsd and its clients (dvsadm). This header
// is the contract; mgmt/messages.hpp holds the messages as C++ values and
// request_codec.cpp / response_codec.cpp (over strict_json.hpp) are its only
// readers and writers.
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
//                    drops: {<drop reason>: n, ...}, needs_restart: [<config key>, ...],
//                    counters?: {<worker counter>: n, ...}
//                    (needs_restart: keys changed in the file that only a restart applies;
//                    counters: every entry of common/counter_list.hpp, summed over
//                    the workers; absent from a dvsd older than the field)
//   reload        -> message                       (failure: ok:false, error says why;
//                                                   the running config stays)
//   list          stats?: bool, rate?: bool
//                 -> services: [{name, vip, port, protocol, scheduler, flags: [string],
//                                persistence: null | {timeout, netmask, prefix_length},
//                                conns, pkts_in, pkts_out, bytes_in, bytes_out,   (stats)
//                                rate: {cps, inpps, outpps, inbps, outbps},      (rate)
//                                (both: DVS_TRAFFIC_COUNTERS, common/counter_list.hpp)
//                                real_servers: [{address, port, weight, forward,
//                                                active_conns, inactive_conns,
//                                                conns, pkts_in, pkts_out,       (stats)
//                                                bytes_in, bytes_out,            (stats)
//                                                rate: {...}}]}],                (rate)
//                    timeouts: {tcp, tcp_fin, udp}
//                 The five counters are present when stats is true, rate when
//                 rate is true (dvsd may always send them). Rates are per second.
//   add_service   service: {vip, port, protocol, scheduler?, flags?: [string],
//                           persistence?: null | {timeout?, netmask?,
//                                                 prefix_length?}}            -> (nothing)
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
//                           gap_repairs, authenticated: bool, foreign_datagrams,
//                           unauthenticated, replayed, bad_version, seq_jumps,
//                           ignored_as_master, timeouts_capped,
//                           full_requests_served, full_requests_limited},
//                    dataplane: {<each DVS_HA_DATAPLANE_COUNTERS entry of
//                                common/counter_list.hpp: sync_emitted ...
//                                garps_sent, unsolicited_nas_sent>, ha_backup_drops}
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
//   fleet         action?: "drain" | "undrain"   (absent: show only)
//                 -> enabled: bool (false: no fleet section; then nothing else),
//                    ready, drained, stopping: bool, route_table, interface,
//                    vips: [{vip, announced: bool, reason}],
//                    bird_socket, bird_reachable: bool, bird_error?,
//                    bgp: [{name, state, info?}], bird_polls, bird_poll_failures,
//                    route_errors, last_route_error?
//                 reason: "serving" | "drained" | "stopping" | "not_ready" |
//                 "no_usable_server"; state is BIRD's protocol state ("up" =
//                 established). The answer is the state after the action.
//
// Ranges: weight 0..65535; persistence timeout 1..2592000 (default 300),
// netmask (IPv4 services) default 255.255.255.255, prefix_length (IPv6
// services, ipvsadm -M for IPv6) 1..128, default 128; timeouts 0..2592000. scheduler names and
// flags (sh-fallback, sh-port, mh-fallback, mh-port) are the config's;
// whether a flag suits the scheduler is the daemon's check.
//
// Threads: everything here is pure and may be used from any thread.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mgmt/messages.hpp"

namespace dvs::mgmt {

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

// {"v":1,"ok":true} plus the fields of `body` (an object or null).
json ok_response(json body = json::object());
// {"v":1,"ok":false,"error":message}
json error_response(std::string_view message);

json to_json(const StatusResponse& r);
json to_json(const ListResponse& r);
json to_json(const ConnsResponse& r);
json to_json(const HealthResponse& r);
json to_json(const HaResponse& r);
json to_json(const FleetResponse& r);

// Client side. check_response throws DaemonError for ok:false and
// ProtocolError for a malformed envelope; the parse_* functions call it
// first, then validate the op's fields ("malformed response: ...").
const json& check_response(const json& response);
StatusResponse parse_status_response(const json& response);
ListResponse parse_list_response(const json& response);
ConnsResponse parse_conns_response(const json& response);
HealthResponse parse_health_response(const json& response);
HaResponse parse_ha_response(const json& response);
FleetResponse parse_fleet_response(const json& response);
std::string parse_message_response(const json& response);  // reload: "message"
std::string parse_yaml_response(const json& response);     // save_yaml: "yaml"
std::vector<std::string> parse_changes_response(
    const json& response);  // reload --dry-run: "changes"

// One line on the wire: compact JSON and '\n'. Never throws on bad UTF-8
// (replaced with U+FFFD), so an echoed garbage byte cannot break a reply.
std::string encode_line(const json& message);

}  // namespace dvs::mgmt
