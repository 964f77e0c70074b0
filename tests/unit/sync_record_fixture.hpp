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

// Whether b carries every field the wire carries as a does (ids are local).
inline bool same_wire_fields(const dataplane::SyncRecord& a, const dataplane::SyncRecord& b) {
    return a.client_ip == b.client_ip && a.vip == b.vip && a.rs_ip == b.rs_ip &&
           a.client_port == b.client_port && a.vport == b.vport && a.rs_port == b.rs_port &&
           a.proto == b.proto && a.state == b.state && a.method == b.method && a.op == b.op &&
           a.timeout == b.timeout;
}

}  // namespace dvs::test
