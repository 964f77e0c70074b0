#pragma once
// What each dvsadm change request (-A/-E/-D/-a/-e/-d/-C, --set, -R's
// "# dvs:" lines) does to a copy of the running Config. Management::change
// then validates and applies the copy as a reload of the file would.
//
// Each apply() throws mgmt::DaemonError naming the service or real server
// when the request does not fit the configuration (no such service, a
// server of the other family, options that do not parse). Control thread only.

#include <cstdint>

#include "control/config/config.hpp"
#include "mgmt/messages.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::control::edits {

void apply(Config& c, const mgmt::AddServiceRequest& r);
void apply(Config& c, const mgmt::EditServiceRequest& r);
void apply(Config& c, const mgmt::DelServiceRequest& r);
void apply(Config& c, const mgmt::AddServerRequest& r);
void apply(Config& c, const mgmt::EditServerRequest& r);
void apply(Config& c, const mgmt::DelServerRequest& r);
void apply(Config& c, const mgmt::SetServiceOptionsRequest& r);
void apply(Config& c, const mgmt::SetTimeoutsRequest& r);
void apply(Config& c, const mgmt::ClearRequest& r);

// The port a real server is known by: an omitted port (0) means the
// service's.
uint16_t server_port(const ServiceConfig& s, uint16_t requested);

}  // namespace dvs::control::edits
