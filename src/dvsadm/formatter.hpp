#pragma once
// dvsd's answers as ipvsadm prints them (ipvsadm 1.31's formats, column for
// column, so that scripts parsing ipvsadm keep working), plus DVS's own
// status. Pure: typed responses in, text out.
//
// Differences from ipvsadm, by design:
//   - addresses and ports are always numeric (ipvsadm resolves names
//     unless -n); -n is accepted and changes nothing;
//   - the header reports IPVS version 1.2.1 and size 4096, the values of a
//     stock Linux kernel, since scripts match that line; DVS's connection
//     table is not a 4096-bucket hash.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "dvsadm/command.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::dvsadm {

inline constexpr const char* kIpvsHeader = "IP Virtual Server version 1.2.1 (size=4096)";

// -L -t VIP:port for a service dvsd does not have.
class LookupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ipvsadm's print_largenum: 9 columns; K/M/G/T (powers of 1000) from 100
// million up, unless exact.
std::string format_largenum(uint64_t n, bool exact);

// -L [-n] [--stats|--rate|--tun-info] [--exact] [--nosort] [-t|-u VIP:port]:
// the header (not for one service), the title, then each service and its
// real servers, sorted like ipvsadm (protocol, address, port) unless nosort.
std::string format_list(const mgmt::ListResponse& list, const ListOptions& options,
                        const std::optional<mgmt::ServiceKey>& only = std::nullopt);

// -S: "-A ..." and "-a ..." lines that -R reads back.
std::string format_save(const mgmt::ListResponse& list);

// -L --timeout
std::string format_timeouts(const mgmt::Timeouts& timeouts);

// -L -c and dvsadm conns
std::string format_conns(const mgmt::ConnsResponse& conns);

// dvsadm status (DVS's own layout).
std::string format_status(const mgmt::StatusResponse& status);

// dvsadm health: one line per real server (DVS's own layout); `now_ms`
// (unix ms) turns the last check's time into an age.
std::string format_health(const mgmt::HealthResponse& health, int64_t now_ms);
std::string format_health(const mgmt::HealthResponse& health);  // now

// dvsadm ha: each VRRP instance (state, priority, master, last transition
// and why), then the connection sync with the peer and the workers' HA
// counters (DVS's own layout); `now_ms` (unix ms) turns the transition time
// into an age.
std::string format_ha(const mgmt::HaResponse& ha, int64_t now_ms);
std::string format_ha(const mgmt::HaResponse& ha);  // now
// `dvsadm fleet`: each VIP announced or withdrawn with the reason, and BGP.
std::string format_fleet(const mgmt::FleetResponse& fleet);

// "TCP  192.0.2.10:80" (ipvsadm's listing) for messages.
std::string service_label(const mgmt::ServiceKey& key);

}  // namespace dvs::dvsadm
