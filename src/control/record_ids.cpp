#include "control/record_ids.hpp"

#include "control/ha/sync_limits.hpp"
#include "dataplane/flow_hash.hpp"

namespace dvs::control {

RecordIds assign_record_ids(dataplane::SyncRecord& r, const dataplane::Snapshot& snap,
                            bool& capped) {
    capped = false;
    const auto l4 = static_cast<uint8_t>(r.proto & ~dataplane::kTemplateProtoFlag);
    const dataplane::Service* svc = r.is_v6()         ? snap.find_service6(r.vip6, r.vport, l4)
                                    : r.is_template() ? snap.find_exact_service(r.vip, r.vport, l4)
                                                      : snap.find_service(r.vip, r.vport, l4);
    if (svc == nullptr) return RecordIds::kUnknownService;
    // A template names its service exactly (find_service6 falls back to port 0).
    if (r.is_v6() && r.is_template() && svc->port != r.vport) return RecordIds::kUnknownService;
    r.service_id = svc->id;
    if (r.op == dataplane::SyncOp::kUpdate) {
        const auto matches = [&](const dataplane::RealServer& rs) {
            const bool port_ok =
                rs.method != dataplane::kMethodNat || rs.port == 0 || rs.port == r.rs_port;
            const bool address_ok = r.is_v6() ? rs.ip == 0 && rs.ip6 == r.rs_ip6 : rs.ip == r.rs_ip;
            return rs.present && address_ok && rs.method == r.method && port_ok;
        };
        bool found = false;
        for (uint32_t id : svc->pool) {
            if (matches(snap.real_servers[id])) {
                r.rs_id = id;
                found = true;
                break;
            }
        }
        for (size_t id = 0; !found && id < snap.real_servers.size(); ++id) {
            if (matches(snap.real_servers[id])) {
                r.rs_id = static_cast<uint32_t>(id);
                found = true;
            }
        }
        if (!found) return RecordIds::kUnknownServer;
    }
    const uint32_t cap = sync::timeout_cap(r, snap.timeouts, svc->persistence_timeout);
    if (r.timeout > cap) {
        r.timeout = cap;
        capped = true;
    }
    return RecordIds::kOk;
}

uint32_t record_owner(const dataplane::SyncRecord& r, uint32_t workers) {
    // A template lives on its template core: the masked client and the service port.
    if (r.is_v6()) {
        return dataplane::owner_core(r.client_ip6, r.is_template() ? r.vport : r.client_port,
                                     workers);
    }
    return r.is_template() ? dataplane::owner_core(r.client_ip, r.vport, workers)
                           : dataplane::owner_core(r.client_ip, r.client_port, workers);
}

}  // namespace dvs::control
