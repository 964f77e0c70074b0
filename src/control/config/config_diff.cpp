#include "control/config/config_diff.hpp"

#include <algorithm>

namespace dvs::control {

namespace {

bool ports_differ_beyond_addresses(const std::vector<PortConfig>& a,
                                   const std::vector<PortConfig>& b) {
    if (a.size() != b.size()) return true;
    for (size_t i = 0; i < a.size(); ++i) {
        PortConfig x = a[i];
        PortConfig y = b[i];
        x.addresses.clear();
        y.addresses.clear();
        if (x != y) return true;
    }
    return false;
}

// The prefixes of `from` that `in` does not hold.
std::vector<IpPrefix> missing(const std::vector<IpPrefix>& from, const std::vector<IpPrefix>& in) {
    std::vector<IpPrefix> out;
    for (const IpPrefix& p : from) {
        if (std::find(in.begin(), in.end(), p) == in.end()) out.push_back(p);
    }
    return out;
}

}  // namespace

std::vector<PortAddressChange> port_address_changes(const Config& running, const Config& next) {
    std::vector<PortAddressChange> out;
    if (ports_differ_beyond_addresses(running.ports, next.ports)) return out;
    for (size_t i = 0; i < next.ports.size(); ++i) {
        PortAddressChange c;
        c.port = i;
        c.name = next.ports[i].name;
        c.added = missing(next.ports[i].addresses, running.ports[i].addresses);
        c.removed = missing(running.ports[i].addresses, next.ports[i].addresses);
        if (!c.added.empty() || !c.removed.empty()) out.push_back(std::move(c));
    }
    return out;
}

std::vector<std::string> restart_only_changes(const Config& running, const Config& next) {
    std::vector<std::string> changed;
    auto note = [&changed](bool differs, const char* key) {
        if (differs) changed.emplace_back(key);
    };
    const DataplaneConfig& a = running.dataplane;
    const DataplaneConfig& b = next.dataplane;
    note(a.eal != b.eal, "dataplane.eal");
    note(a.workers != b.workers, "dataplane.workers");
    note(a.conn_capacity != b.conn_capacity, "dataplane.conn_capacity");
    note(a.conn6_capacity != b.conn6_capacity, "dataplane.conn6_capacity");
    note(a.mbufs != b.mbufs, "dataplane.mbufs");
    note(a.idle_sleep_us != b.idle_sleep_us, "dataplane.idle_sleep_us");
    note(ports_differ_beyond_addresses(running.ports, next.ports), "ports");
    note(running.management.socket != next.management.socket, "management.socket");
    // The group as resolved: a name and its numeric gid are the same setting.
    note(running.management.gid != next.management.gid, "management.group");
    note(running.exception_path != next.exception_path, "exception_path");
    note(running.ha != next.ha, "ha");
    note(running.monitoring != next.monitoring, "monitoring");
    note(running.fleet != next.fleet, "fleet");
    return changed;
}

Config keep_restart_only(const Config& running, Config next) {
    next.dataplane = running.dataplane;
    next.management = running.management;
    next.exception_path = running.exception_path;
    next.ha = running.ha;
    next.monitoring = running.monitoring;
    next.fleet = running.fleet;
    return next;
}

}  // namespace dvs::control
