#pragma once
// Copying a worker's connections out for the control thread (dvsadm -c).
//
// The table belongs to its worker, so the control thread never reads it.
// Instead it fills a ConnDump (filter, buffer) and sets state to kRequested;
// the worker copies matching entries a slice per housekeeping pass (so a
// large table never stalls packet processing) and sets kDone. The buffer
// belongs to the requester and must outlive the request.

#include <atomic>
#include <cstdint>

#include "dataplane/conn.hpp"

namespace dvs::dataplane {

struct ConnDumpFilter {  // network byte order; 0 = any
    uint32_t vip = 0;
    uint16_t vport = 0;
    uint32_t client = 0;
    uint32_t server = 0;
    uint8_t proto = 0;
    bool templates = false;  // persistence templates too (the restart state file)

    bool matches(const Conn& c) const {
        return (vip == 0 || c.vip == vip) && (vport == 0 || c.vport == vport) &&
               (client == 0 || c.client_ip == client) && (server == 0 || c.rs_ip == server) &&
               (proto == 0 || c.proto == proto);
    }
};

struct ConnDumpEntry {
    Conn conn;
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
    // Written by the worker while kRequested, read by the control thread after kDone.
    uint32_t count = 0;
    uint32_t cursor = 0;
    bool truncated = false;
};

}  // namespace dvs::dataplane
