#pragma once
// One connection change on its way between a worker and the control thread
// (connection sync, docs/ARCHITECTURE.md "High availability").
//
// A master's workers write one record per connection created, state
// changed, refreshed (its timer re-armed while active) or removed before its
// time; the control thread batches them into datagrams to the peer
// (control/sync_protocol.hpp is the wire format). A backup's control thread
// turns received records back into this form, with its own service and real
// server ids, and hands each to the worker that owns the flow. Plain value:
// addresses and ports in network byte order, as in Conn.

#include <cstdint>

#include "dataplane/conn.hpp"

namespace dvs::dataplane {

enum class SyncOp : uint8_t {
    kUpdate = 1,  // create, or overwrite state/server/timeout
    kRemove = 2,  // the master removed it before its timeout
};

// SyncRecord::flags
inline constexpr uint8_t kSyncKeepExisting = 1;  // install only if absent (we are master too)
inline constexpr uint8_t kSyncRestored = 2;      // from the state file of our previous run

struct SyncRecord {
    uint32_t client_ip = 0;  // a template: the masked client address
    uint32_t vip = 0;
    uint32_t rs_ip = 0;
    uint16_t client_port = 0;
    uint16_t vport = 0;
    uint16_t rs_port = 0;
    uint8_t proto = 0;  // | kTemplateProtoFlag for a persistence template
    ConnState state = ConnState::kUdp;
    uint8_t method = 0;
    SyncOp op = SyncOp::kUpdate;
    uint8_t flags = 0;
    uint8_t pad = 0;
    uint32_t timeout = 0;  // seconds the entry has left
    uint16_t service_id =
        0;  // the holder's ids (sender's on the way out, receiver's on the way in)
    uint16_t pad2 = 0;
    uint32_t rs_id = 0;
    uint32_t pad3 = 0;

    bool is_template() const { return (proto & kTemplateProtoFlag) != 0; }
    FlowKey key() const { return {client_ip, vip, client_port, vport, proto}; }

    static SyncRecord from_conn(const Conn& c, SyncOp op, uint32_t timeout) {
        SyncRecord r;
        r.client_ip = c.client_ip;
        r.vip = c.vip;
        r.rs_ip = c.rs_ip;
        r.client_port = c.client_port;
        r.vport = c.vport;
        r.rs_port = c.rs_port;
        r.proto = c.proto;
        r.state = c.state;
        r.method = c.method;
        r.op = op;
        r.timeout = timeout;
        r.service_id = c.service_id;
        r.rs_id = c.rs_id;
        return r;
    }
};
static_assert(sizeof(SyncRecord) == 40, "ring element size (a multiple of 4)");

}  // namespace dvs::dataplane
