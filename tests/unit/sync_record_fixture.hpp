#pragma once
// A NAT connection record as the sync stream and the restart state file
// carry it: client 10.0.1.2:PORT -> 192.0.2.10:80 -> 10.0.0.11:8080,
// established. Shared by the sync and restart tests.

#include <arpa/inet.h>

#include "dataplane/sync_record.hpp"

namespace dvs::test {

inline dataplane::SyncRecord nat_sync_record(uint16_t client_port, uint32_t timeout = 899) {
    dataplane::SyncRecord r;
    r.client_ip = htonl(0x0a000102);
    r.vip = htonl(0xc000020a);
    r.rs_ip = htonl(0x0a00000b);
    r.client_port = htons(client_port);
    r.vport = htons(80);
    r.rs_port = htons(8080);
    r.proto = 6;
    r.state = dataplane::ConnState::kTcpEstablished;
    r.method = dataplane::kMethodNat;
    r.op = dataplane::SyncOp::kUpdate;
    r.timeout = timeout;
    return r;
}

// Its IPv6 sibling: [2001:db8:1::2]:PORT -> [2001:db8:10::80]:80 ->
// [2001:db8:2::11]:8080, established (NAT66).
inline dataplane::SyncRecord nat6_sync_record(uint16_t client_port, uint32_t timeout = 899) {
    const auto ip6 = [](const char* text) {
        dataplane::Ip6 a;
        inet_pton(AF_INET6, text, a.b);
        return a;
    };
    dataplane::Conn6 c{};
    c.client_ip = ip6("2001:db8:1::2");
    c.vip = ip6("2001:db8:10::80");
    c.rs_ip = ip6("2001:db8:2::11");
    c.client_port = htons(client_port);
    c.vport = htons(80);
    c.rs_port = htons(8080);
    c.proto = 6;
    c.state = dataplane::ConnState::kTcpEstablished;
    c.method = dataplane::kMethodNat;
    return dataplane::SyncRecord::from_conn6(c, dataplane::SyncOp::kUpdate, timeout);
}

// Whether b carries every field the wire carries as a does (ids are local).
inline bool same_wire_fields(const dataplane::SyncRecord& a, const dataplane::SyncRecord& b) {
    return a.client_ip == b.client_ip && a.vip == b.vip && a.rs_ip == b.rs_ip &&
           a.client_port == b.client_port && a.vport == b.vport && a.rs_port == b.rs_port &&
           a.proto == b.proto && a.state == b.state && a.method == b.method && a.op == b.op &&
           a.timeout == b.timeout;
}

// The same for IPv6 records (b decoded: its 32-bit addresses are 0).
inline bool same_wire_fields6(const dataplane::SyncRecord& a, const dataplane::SyncRecord& b) {
    return a.client_ip6 == b.client_ip6 && a.vip6 == b.vip6 && a.rs_ip6 == b.rs_ip6 &&
           a.client_port == b.client_port && a.vport == b.vport && a.rs_port == b.rs_port &&
           a.proto == b.proto && a.state == b.state && a.method == b.method && a.op == b.op &&
           a.timeout == b.timeout && b.is_v6() && b.client_ip == 0 && b.vip == 0 && b.rs_ip == 0;
}

}  // namespace dvs::test
