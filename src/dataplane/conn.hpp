#pragma once
// One tracked connection and its TCP state machine.
//
// A Conn holds everything needed to forward its packets without the Snapshot
// (real server address/port, method, ids), so a reload never breaks an
// established flow. Written only by the worker core that owns the flow.

#include <cstdint>

#include "packet/flow_key.hpp"
#include "packet/wire.hpp"

namespace dvs::dataplane {

enum class ConnState : uint8_t {
    kUdp,         // UDP: one state, one timeout
    kTcpSynRecv,  // client SYN seen, handshake not complete
    kTcpEstablished,
    kTcpFinWait,  // a FIN seen from either side (covers FIN_WAIT/CLOSE_WAIT/TIME_WAIT)
    kTcpClose,    // RST seen
    kTemplate,    // a persistence template, not a connection (see Conn)
    kCount
};

// A template's key has this bit set in its protocol so it can never equal a
// connection's key.
inline constexpr uint8_t kTemplateProtoFlag = 0x80;

const char* conn_state_name(ConnState s);

// Forwarding method of a connection (values of control::ForwardMethod).
inline constexpr uint8_t kMethodNat = 0;
inline constexpr uint8_t kMethodDr = 1;
inline constexpr uint8_t kMethodTun = 2;

enum class Direction : uint8_t { kInbound = 0, kReply = 1 };

// Widths of Conn's packed fields: real server ids below 2^17
// (kMaxRealServers), timer-wheel slots below 2^10 (ConnTable::kWheelSlots).
inline constexpr uint32_t kConnRsIdBits = 17;
inline constexpr uint32_t kConnWheelSlotBits = 10;

// A persistence template (state kTemplate) reuses the layout: client_ip is
// the client address masked by the service's netmask, client_port 0, vport
// the service port (0 for a port-0 service), proto | kTemplateProtoFlag; the
// real server fields say where the client is pinned, and `controls` counts
// the live connections it placed, which keep it from expiring.
//
// 32 bytes, so an entry never straddles two cache lines and a lookup reads
// one line of entries: the timer wheel's links live in the table's own
// array (ConnTable), and the ids and flags are packed to their real widths
// (kMaxServices = 2^14, kMaxRealServers = 2^17: snapshot.hpp asserts both).
struct Conn {
    // Inbound key: client_ip:client_port -> vip:vport. The reply key (NAT) is
    // rs_ip:rs_port -> client_ip:client_port.
    uint32_t client_ip;
    uint32_t vip;
    uint32_t rs_ip;
    uint16_t client_port;
    uint16_t vport;
    uint16_t rs_port;
    uint8_t proto;
    ConnState state;
    uint16_t service_id;  // stable ids (kept across reloads): index into per-core counters
    union {
        // Templates: connections placed by this template and still alive.
        uint16_t controls;
        // Connections placed by a persistence template (released on expiry):
        // the netmask's prefix length + 1 (Templates::template_mark); 0: not
        // placed so. Never read on a template (the two share the bytes).
        uint8_t from_template;
    };
    uint32_t rs_id : kConnRsIdBits;
    uint32_t method : 2;                       // control::ForwardMethod value
    uint32_t has_reply_key : 1;                // NAT: the reply key is indexed too
    uint32_t wheel_slot : kConnWheelSlotBits;  // the timer-wheel slot the entry sits in
    uint32_t expires;                          // tick (seconds) at which the entry dies if idle

    FlowKey inbound_key() const { return {client_ip, vip, client_port, vport, proto}; }
    FlowKey reply_key() const { return {rs_ip, client_ip, rs_port, client_port, proto}; }
};
static_assert(sizeof(Conn) == 32, "a connection entry is half a cache line");

// An IPv6 connection: Conn's fields with 128-bit addresses, in its own
// table (ConnTable6), so Conn stays 32 bytes. An IPv6 persistence template
// is a Conn6 as a template is a Conn: client_ip masked to the service's
// prefix_length, client_port 0, proto | kTemplateProtoFlag, `controls`
// counting the connections it placed.
struct Conn6 {
    Ip6 client_ip;
    Ip6 vip;
    Ip6 rs_ip;
    uint16_t client_port;
    uint16_t vport;
    uint16_t rs_port;
    uint8_t proto;
    ConnState state;
    uint16_t service_id;
    union {
        // As in Conn: a template's count of the connections it placed; a
        // connection's template mark (prefix length + 1, 1..129; 0: none).
        uint16_t controls;
        uint8_t from_template;
    };
    uint32_t rs_id : kConnRsIdBits;
    uint32_t method : 2;
    uint32_t has_reply_key : 1;
    uint32_t wheel_slot : kConnWheelSlotBits;
    uint32_t expires;

    FlowKey6 inbound_key() const { return {client_ip, vip, client_port, vport, proto}; }
    FlowKey6 reply_key() const { return {rs_ip, client_ip, rs_port, client_port, proto}; }
};
static_assert(sizeof(Conn6) <= 72);

// The key of the IPv6 template that pins `client` of a service (vip, port
// vport, 0 for a port-0 service; protocol proto) when the service keeps
// `prefix` bits of the client: one key per client prefix, never equal to
// a connection's (its protocol carries kTemplateProtoFlag).
inline FlowKey6 template_key6(const Ip6& client, uint8_t prefix, const Ip6& vip, uint16_t vport,
                              uint8_t proto) {
    return {client.masked(prefix), vip, 0, vport, static_cast<uint8_t>(proto | kTemplateProtoFlag)};
}

// Per-state idle timeouts, in ticks (seconds).
struct StateTimeouts {
    // kTemplate's entry is unused: templates take the service's persistence timeout.
    uint32_t by_state[static_cast<int>(ConnState::kCount)] = {300, 120, 900, 120, 10, 300};
    uint32_t of(ConnState s) const { return by_state[static_cast<int>(s)]; }
};

// The state after a packet with `flags` in direction `dir`: a compact form
// of IPVS's tcp_states table. RST closes, FIN moves to the fin-wait family,
// the client's first ACK after its SYN establishes. Inline: every TCP
// packet of an established connection runs it.
[[gnu::always_inline]] inline ConnState tcp_next_state(ConnState s, Direction dir, uint8_t flags) {
    if (flags & kTcpRst) return ConnState::kTcpClose;
    if (flags & kTcpFin) return s == ConnState::kTcpClose ? s : ConnState::kTcpFinWait;
    if (s == ConnState::kTcpSynRecv && dir == Direction::kInbound && (flags & kTcpAck) &&
        !(flags & kTcpSyn)) {
        return ConnState::kTcpEstablished;
    }
    return s;
}

// IPVS counts ESTABLISHED connections as active, all others as inactive.
inline bool conn_is_active(ConnState s) { return s == ConnState::kTcpEstablished; }

// A SYN for a connection in one of these states starts a new connection on
// the same tuple (the client reused its port).
inline bool tcp_reusable(ConnState s) {
    return s == ConnState::kTcpFinWait || s == ConnState::kTcpClose;
}

}  // namespace dvs::dataplane
