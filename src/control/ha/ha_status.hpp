#pragma once
// What high availability reports to the management socket (`ha` op): the
// VRRP instances, the VRRP socket, and the connection sync channel. Plain
// values without DPDK or Boost.Asio, so management.cpp can take them without
// the headers of the classes that fill them (vrrp_socket.hpp,
// vrrp_service.hpp, sync_channel.hpp, ha_manager.hpp include this).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "control/ha/vrrp_instance.hpp"

namespace dvs::control {

// VrrpSocket's counters.
struct VrrpSocketCounters {
    uint64_t received = 0;        // IP packets read
    uint64_t not_for_group = 0;   // not addressed to 224.0.0.18 / ff02::12
    uint64_t own = 0;             // our own source address
    uint64_t bad_ip = 0;          // truncated or not IPv4/112
    uint64_t not_link_local = 0;  // IPv6: not from a link-local address (5.1.2.1)
    uint64_t send_errors = 0;
    uint64_t receive_errors = 0;
};

// One instance as the management socket shows it.
struct VrrpInstanceStatus {
    std::string name;
    uint8_t vrid = 0;
    VrrpState state = VrrpState::kInitialize;
    uint8_t priority = 0;
    std::chrono::milliseconds advert_interval{0};  // effective: the master's as backup
    IpAddress master_ip;                           // unspecified: unknown
    int64_t last_transition_unix_ms = 0;           // 0: none yet
    std::string last_transition_reason;
    VrrpCounters counters;
};

struct VrrpServiceCounters {
    VrrpSocketCounters socket;
    uint64_t other_vrid = 0;  // adverts for a VRID we do not run (not an error)
    uint64_t too_short = 0;   // too short to carry a VRID
};

// SyncChannel's state and counters.
struct SyncStatus {
    std::string peer;  // address:port
    bool requesting_full = false;
    uint64_t records_sent = 0, datagrams_sent = 0, send_errors = 0;
    uint64_t send_blocked = 0;  // socket buffer full: the datagram waited a tick
    uint64_t gap_repairs = 0;   // full transfers asked for after lost datagrams
    uint64_t records_received = 0, datagrams_received = 0, datagrams_lost = 0;
    bool authenticated = false;          // a key is configured: every datagram carries a MAC
    uint64_t bad_datagrams = 0;          // malformed
    uint64_t foreign_datagrams = 0;      // not from the peer's address and port
    uint64_t unauthenticated = 0;        // MAC missing, wrong, or unexpected (no key here)
    uint64_t replayed = 0;               // seen before, or of an older session (with a key)
    uint64_t bad_version = 0;            // another version of the format (an old peer)
    uint64_t seq_jumps = 0;              // gaps too large to count as losses (no key)
    uint64_t ignored_as_master = 0;      // records for a VIP this box is master of
    uint64_t timeouts_capped = 0;        // records whose timeout exceeded ours plus slack
    uint64_t full_requests_limited = 0;  // refused: within kFullRequestEvery of the last
    uint64_t unknown_service = 0, unknown_server = 0, install_ring_full = 0;
    uint64_t full_requests_sent = 0, full_requests_served = 0, full_transfers_received = 0;
    uint64_t last_full_records = 0;
    double last_full_ms = 0;
    uint64_t queued = 0;             // records waiting in the workers' out rings (lag)
    double last_receive_age_s = -1;  // -1: nothing received yet
};

// HaManager::status().
struct HaStatus {
    std::string interface;
    std::vector<VrrpInstanceStatus> instances;
    VrrpServiceCounters vrrp;
    bool has_sync = false;
    SyncStatus sync;
};

}  // namespace dvs::control
