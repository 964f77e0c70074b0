#include "control/config/config_diff.hpp"

namespace dvs::control {

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
    note(a.mbufs != b.mbufs, "dataplane.mbufs");
    note(a.idle_sleep_us != b.idle_sleep_us, "dataplane.idle_sleep_us");
    note(running.ports != next.ports, "ports");
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
