#pragma once
// A parsed Command to the protocol request it sends, with ipvsadm's defaults
// applied here and nowhere else:
//   -A/-E   scheduler wlc; -E replaces every field of the service, as
//           ipvsadm's edit does (no -p means "not persistent").
//   -a/-e   forwarding -g (direct routing), weight 1; -e replaces both.
//   -r      without a port takes the service's port; with -g or -i the
//           port is always the service's (DR and TUN cannot change it).
//   -p      without a timeout: 300 s; -M default 255.255.255.255.
// Pure.

#include "dvsadm/command.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::dvsadm {

// Every verb that is one request (all but -R, -h and -v, which throw
// std::logic_error). -L picks list or conns; -S and --timeout use list.
mgmt::Request to_request(const Command& cmd);

}  // namespace dvs::dvsadm
