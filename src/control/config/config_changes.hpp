#pragma once
// What a change of the running Config does, said in dvsadm's terms
// (issue 19): the audit line of a runtime change, the list of runtime
// changes a reload of the file discards, and `dvsadm reload --dry-run`.
//
//   -A -t 192.0.2.10:80 (web) -s wrr
//   -E -t 192.0.2.10:80 (web): scheduler wrr -> rr
//   -e -t 192.0.2.10:80 (web) -r 10.0.0.12:8080: weight 2 -> 5
//   -d -t 192.0.2.10:80 (web) -r 10.0.0.13:8080
//   --set: tcp 900 -> 600
//   ports: changed (needs a restart)
//
// Services are matched by VIP, port and protocol, real servers by address
// and port, as dvsadm names them. Pure; control thread.

#include <string>
#include <vector>

#include "control/config/model.hpp"

namespace dvs::control {

// One line per change, services in `after`'s order then removals; empty
// when the two describe the same running state.
std::vector<std::string> describe_changes(const Config& before, const Config& after);

// A validation message about a runtime change ("runtime change:
// services[3].real_servers[1].weight: problem") in dvsadm's terms, with
// `config` (the refused Config) naming the positions: "-t 192.0.2.10:80
// (web) -r 10.0.0.12:8080: weight: problem". The origin and any position
// are dropped: no file is involved.
std::string in_dvsadm_terms(const Config& config, const std::string& message);

}  // namespace dvs::control
