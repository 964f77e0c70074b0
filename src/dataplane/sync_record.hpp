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
// addresses and ports in network byte order, as in Conn. An IPv6 connection
// (Conn6, issue 15) has kSyncIpv6 set and its addresses in the *6 fields;
// its 32-bit address fields are then 0.

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
inline constexpr uint8_t kSyncIpv6 = 4;          // an IPv6 connection: client_ip6, vip6, rs_ip6

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
    Ip6 client_ip6;
    Ip6 vip6;
    Ip6 rs_ip6;

    bool is_template() const { return (proto & kTemplateProtoFlag) != 0; }
    bool is_v6() const { return (flags & kSyncIpv6) != 0; }
    FlowKey key() const { return {client_ip, vip, client_port, vport, proto}; }
    FlowKey6 key6() const { return {client_ip6, vip6, client_port, vport, proto}; }

    static SyncRecord from_conn(const Conn& c, SyncOp op, uint32_t timeout) {
        SyncRecord r = from_entry(c, op, timeout);
        r.client_ip = c.client_ip;
        r.vip = c.vip;
        r.rs_ip = c.rs_ip;
        return r;
    }

    static SyncRecord from_conn6(const Conn6& c, SyncOp op, uint32_t timeout) {
        SyncRecord r = from_entry(c, op, timeout);
        r.flags = kSyncIpv6;
        r.client_ip6 = c.client_ip;
        r.vip6 = c.vip;
        r.rs_ip6 = c.rs_ip;
        return r;
    }

private:
    // What Conn and Conn6 share: all but the addresses.
    template <class Entry>
    static SyncRecord from_entry(const Entry& c, SyncOp op, uint32_t timeout) {
        SyncRecord r;
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
// 40 bytes of the IPv4 form plus the three IPv6 addresses: one ring element
// type for both families keeps one ring per direction.
static_assert(sizeof(SyncRecord) == 88, "ring element size (a multiple of 4)");

}  // namespace dvs::dataplane
