#pragma once
// Copying a worker's connections out for the control thread (dvsadm -c).
//
// The table belongs to its worker, so the control thread never reads it.
// Instead it fills a ConnDump (filter, buffer) and sets state to kRequested;
// the worker copies matching entries a slice per housekeeping pass (so a
// large table never stalls packet processing) and sets kDone. The buffer
// belongs to the requester and must outlive the request. IPv6 connections
// (ConnTable6) go to a second buffer, out6, after the IPv4 table is walked;
// a requester that wants none leaves capacity6 at 0.

#include <atomic>
#include <cstdint>

#include "dataplane/conn.hpp"

namespace dvs::dataplane {

struct ConnDumpFilter {  // network byte order; 0 (all-zero) = any
    // 0: both families; 4 or 6: that family only (an address filter names one).
    uint8_t family = 0;
    uint32_t vip = 0;
    uint16_t vport = 0;
    uint32_t client = 0;
    uint32_t server = 0;
    Ip6 vip6;
    Ip6 client6;
    Ip6 server6;
    uint8_t proto = 0;
    bool templates = false;  // persistence templates too (dvsadm -c, the restart state file)

    bool matches(const Conn& c) const {
        return family != 6 && (vip == 0 || c.vip == vip) && (vport == 0 || c.vport == vport) &&
               (client == 0 || c.client_ip == client) && (server == 0 || c.rs_ip == server) &&
               matches_proto(c.proto);
    }
    bool matches(const Conn6& c) const {
        return family != 4 && (vip6.is_unspecified() || c.vip == vip6) &&
               (vport == 0 || c.vport == vport) &&
               (client6.is_unspecified() || c.client_ip == client6) &&
               (server6.is_unspecified() || c.rs_ip == server6) && matches_proto(c.proto);
    }
    // A template's protocol carries kTemplateProtoFlag; -t/-u name both.
    bool matches_proto(uint8_t p) const { return proto == 0 || (p & ~kTemplateProtoFlag) == proto; }
};

struct ConnDumpEntry {
    Conn conn;
    uint32_t expires_in;  // seconds
};

struct ConnDumpEntry6 {
    Conn6 conn;
    uint32_t expires_in;  // seconds
};

struct ConnDump {
    enum State : int { kIdle, kRequested, kDone };
    static constexpr uint32_t kSlice = 16384;  // table slots looked at per housekeeping pass

    std::atomic<int> state{kIdle};  // control: kIdle/kDone -> kRequested; worker: -> kDone
    // Written by the control thread before kRequested, read by the worker.
    ConnDumpFilter filter;
    ConnDumpEntry* out = nullptr;
    uint32_t capacity = 0;
    ConnDumpEntry6* out6 = nullptr;
    uint32_t capacity6 = 0;
    // Written by the worker while kRequested, read by the control thread after kDone.
    uint32_t count = 0;
    uint32_t cursor = 0;  // in the IPv4 table, then cursor6 in the IPv6 one
    uint32_t count6 = 0;
    uint32_t cursor6 = 0;
    bool truncated = false;

    // What the requester does before kRequested: start both walks over.
    void restart() {
        count = cursor = count6 = cursor6 = 0;
        truncated = false;
    }
};

}  // namespace dvs::dataplane
