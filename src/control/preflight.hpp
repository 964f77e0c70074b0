#pragma once
// What will not work, said before it fails quietly (issue 19): `--check`
// prints these as warnings and start-up logs them. Each names the file
// position of the key that causes it ("FILE:LINE:COLUMN: key.path: ...").
//
// - A health or agent check whose target the kernel has no route to while
//   the exception path is off: the probes use kernel sockets in dvsd's
//   network namespace, so every check fails and the server goes down.
// - A port whose kernel interface (net_af_packet / net_pcap `iface=` in
//   dataplane.eal) does not exist or is down.
//
// The kernel is asked through a KernelProbe, so the rules are unit-tested
// without touching the host's routes. Control thread (or --check) only.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "control/config/model.hpp"
#include "control/config/source_map.hpp"

namespace dvs::control {

struct KernelProbe {
    // Why the kernel cannot route to `address` (IPv4 or IPv6), or nullopt if it can.
    std::function<std::optional<std::string>(const IpAddress& address)> route_error;
    // Whether interface `name` exists, and if it cannot carry traffic, why
    // ("is down ...", "is up but not running ..."); nullopt: it is up.
    struct Interface {
        bool exists = true;
        std::optional<std::string> problem;
    };
    std::function<Interface(const std::string& name)> interface_state;
};

// The probe of this process's network namespace: a route lookup as
// `ip route get` does it (connect() of a UDP socket: the kernel resolves
// the route and sends nothing), and the interface flags (SIOCGIFFLAGS:
// IFF_UP, and IFF_RUNNING for the operational state: carrier, veth peer).
KernelProbe kernel_probe();

// The kernel interface behind a port's device, from the `--vdev=DEVICE,...
// iface=NAME` argument in dataplane.eal (net_af_packet, net_pcap); "" when
// the device is not backed by an existing kernel interface.
std::string port_kernel_interface(const DataplaneConfig& dataplane, const std::string& device);

struct PreflightWarning {
    std::string text;
    // dvsd cannot start with it (a port's interface that does not exist):
    // start-up fails with this text; --check, perhaps on a build host, warns.
    bool stops_start = false;
};

// With the exception path on a net_af_packet port, the kernel also reads
// the frames of the interface DPDK reads; it must neither answer ARP there
// nor accept what comes back through the tap on it (rp_filter=1). What of
// that is missing on `iface`, e.g. "rp_filter is 0 (want 1), ARP is on";
// "" when both are set (issue 19: the warning came even then). With
// `ipv6` (the port has IPv6 addresses, which its tap carries too) IPv6 must
// be off on `iface`, or the kernel answers TCP to those addresses itself.
std::string af_packet_kernel_settings_missing(const std::string& iface, bool ipv6 = false);

// Every warning, in file order: health checks first, then interfaces.
std::vector<PreflightWarning> preflight_warnings(const Config& config, const SourceMap& positions,
                                                 const KernelProbe& probe);

}  // namespace dvs::control
