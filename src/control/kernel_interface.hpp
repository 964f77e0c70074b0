#pragma once
// The exception path's kernel side, set up by the control thread at start-up:
// which net_tap device each port gets, and the `ip` commands that give the
// kernel the port's addresses and the configured routes (IPv4 and IPv6), so
// the kernel routes like the dataplane. The interfaces vanish when dvsd closes their
// ports (net_tap without `persist`), taking addresses and routes with them.

#include <optional>
#include <string>
#include <vector>

#include "control/config/config.hpp"
#include "control/config/config_diff.hpp"

namespace dvs::control {

struct KernelCommand {
    std::vector<std::string> argv;  // run without a shell
    bool required = true;           // a failure stops start-up; otherwise a warning
};

struct KernelInterfacePlan {
    size_t port_index = 0;  // in Config::ports
    std::string port;       // the port's name
    std::string ifname;     // the kernel interface
    std::string device;     // DPDK vdev name (net_tap driver)
    std::string devargs;    // net_tap arguments
    std::vector<KernelCommand> commands;
};

// One plan per port, in port order. Pure: builds names and argv only.
std::vector<KernelInterfacePlan> plan_kernel_interfaces(const Config& c);

// The `ip -4|-6 addr add/del` commands that give a port's kernel interface
// the addresses a reload added and take the removed ones (IPv6 ones added
// with nodad, as at start-up). Pure.
std::vector<KernelCommand> address_change_commands(const PortAddressChange& change,
                                                   const std::string& ifname);

// A command line as a log would show it.
std::string command_text(const std::vector<std::string>& argv);

// Runs argv (PATH lookup, no shell), waits. Returns "" on exit status 0, or
// a description of the failure including what the command printed.
std::string run_command(const std::vector<std::string>& argv);

// The MAC address of a kernel interface (sysfs), if it can be read.
std::optional<MacAddress> read_interface_mac(const std::string& ifname);

// Turns IPv6 off on the interface of a port without IPv6 addresses (its
// router solicitations would only be dropped). Returns "" or what went wrong.
std::string disable_ipv6(const std::string& ifname);

// True if the port has an IPv6 address (its kernel interface carries IPv6).
bool port_has_ipv6(const PortConfig& port);

// Turns IPv6 on for a port with IPv6 addresses: no duplicate address
// detection, no router advertisements accepted, no router solicitations
// sent (the dataplane owns the addresses on the wire; routes come from the
// configuration). Returns "" or what went wrong.
std::string enable_ipv6(const std::string& ifname);

// Turns promote_secondaries on: deleting the interface's primary address of
// a subnet keeps the others of that subnet. Returns "" or what went wrong.
std::string promote_secondaries(const std::string& ifname);

}  // namespace dvs::control
