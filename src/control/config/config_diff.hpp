#pragma once
// What differs between the running Config and the next one, section by
// section, by structural comparison (model.hpp's operator==): the settings a
// running dvsd cannot change, reported as needing a restart and kept.

#include <string>
#include <vector>

#include "control/config/model.hpp"

namespace dvs::control {

// Key paths ("dataplane.workers", "ports", "management.socket", "ha", ...)
// whose values differ, in file order; empty when a reload can apply all.
// A port's `addresses` are hot (port_address_changes): "ports" is listed
// only when ports were added, removed, reordered or changed in another key.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

// The addresses a reload adds to and removes from one port (same name and
// position in both Configs). The Snapshot's local addresses and connected
// routes follow from the Config; the exception path's kernel interface
// gets `ip addr add/del` for them.
struct PortAddressChange {
    size_t port = 0;  // index in Config::ports
    std::string name;
    std::vector<IpPrefix> added, removed;
};

// One entry per port whose address list differs (as a set); empty when none
// does or when the ports differ otherwise (then a restart is needed anyway).
std::vector<PortAddressChange> port_address_changes(const Config& running, const Config& next);

// `next` with every restart-only section taken from `running`: what a
// reload applies when it only warns about them.
Config keep_restart_only(const Config& running, Config next);

}  // namespace dvs::control
