// Port addresses added or removed by a reload, without a restart (issue 19).
// The dataplane's side needs nothing here: the Snapshot's local addresses
// (ARP and ND answers, echo replies, what goes to the kernel) and connected
// routes are built from the Config at every publish. The exception path's
// kernel interface holds the port's addresses too: it gets them here.

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/text_codec.hpp"
#include "control/daemon_process.hpp"

namespace dvs::control {

void Daemon::apply_port_addresses(const std::vector<PortAddressChange>& changes) {
    for (const PortAddressChange& c : changes) {
        for (const IpPrefix& p : c.added) {
            spdlog::info("reload: port {}: address {} added", c.name, text::format_ip_prefix(p));
        }
        for (const IpPrefix& p : c.removed) {
            spdlog::info("reload: port {}: address {} removed", c.name, text::format_ip_prefix(p));
        }
        for (const KernelInterfacePlan& k : kernel_plans_) {
            if (k.port_index != c.port) continue;
            // A failure leaves the kernel's view behind the dataplane's
            // (its own traffic from or to that address); the dataplane
            // answers ARP and echo for it either way.
            // The first IPv6 address of a port: its kernel interface had
            // IPv6 off (dataplane_startup.cpp).
            const bool adds_v6 = std::any_of(c.added.begin(), c.added.end(),
                                             [](const IpPrefix& p) { return p.is_v6(); });
            if (adds_v6) {
                if (const std::string err = enable_ipv6(k.ifname); !err.empty()) {
                    spdlog::warn("exception path: {}: IPv6 not turned on: {}", k.ifname, err);
                }
            }
            for (const KernelCommand& cmd : address_change_commands(c, k.ifname)) {
                const std::string text = command_text(cmd.argv);
                if (const std::string err = run_command(cmd.argv); !err.empty()) {
                    spdlog::warn("exception path: {} failed: {}", text, err);
                } else {
                    spdlog::info("exception path: {}", text);
                }
            }
        }
    }
}

}  // namespace dvs::control
