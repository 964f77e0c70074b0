#include "control/kernel_interface.hpp"

#include "common/text_codec.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

extern char** environ;

namespace dvs::control {

namespace {

// `ip -4 addr VERB A/L dev IF`, or for IPv6 `ip -6 addr VERB A/L dev IF
// nodad` (nodad only when adding).
std::vector<std::string> address_command(const IpPrefix& ip, const char* verb,
                                         const std::string& ifname) {
    std::vector<std::string> argv = {"ip",  ip.is_v6() ? "-6" : "-4",        "addr",
                                     verb,  dvs::text::format_ip_prefix(ip), "dev",
                                     ifname};
    if (ip.is_v6() && std::string(verb) == "add") argv.push_back("nodad");
    return argv;
}

}  // namespace

std::vector<KernelInterfacePlan> plan_kernel_interfaces(const Config& c) {
    std::vector<KernelInterfacePlan> plans;
    for (size_t i = 0; i < c.ports.size(); ++i) {
        const PortConfig& port = c.ports[i];
        KernelInterfacePlan k;
        k.port_index = i;
        k.port = port.name;
        k.ifname = kernel_interface_name(port);
        // The vdev name must start with the driver's name; the index keeps it
        // short and unique within the process.
        k.device = "net_tap_dvs" + std::to_string(i);
        k.devargs = "iface=" + k.ifname;
        k.commands.push_back(
            {{"ip", "link", "set", "dev", k.ifname, "mtu", std::to_string(port.mtu), "up"}, true});
        // IPv6 addresses without duplicate address detection: the
        // dataplane owns them on the wire, and the kernel's probes never
        // leave the tap (kernel.ipp).
        for (const IpPrefix& ip : port.addresses)
            k.commands.push_back({address_command(ip, "add", k.ifname), true});
        if (c.exception_path.install_routes) {
            // A route the kernel already has (a management default route,
            // say) is not replaced: a warning, and the kernel keeps its own.
            for (const RouteConfig& r : c.routes) {
                if (r.port != port.name) continue;
                k.commands.push_back({{"ip", r.prefix.is_v6() ? "-6" : "-4", "route", "add",
                                       dvs::text::format_ip_prefix(r.prefix), "via",
                                       dvs::text::format_ip(r.via), "dev", k.ifname},
                                      false});
            }
        }
        plans.push_back(std::move(k));
    }
    return plans;
}

std::vector<KernelCommand> address_change_commands(const PortAddressChange& change,
                                                   const std::string& ifname) {
    std::vector<KernelCommand> out;
    auto add = [&](const IpPrefix& ip, const char* verb) {
        out.push_back({address_command(ip, verb, ifname), false});
    };
    // Removed first: an address moved to another length is deleted, then added.
    for (const IpPrefix& ip : change.removed) add(ip, "del");
    for (const IpPrefix& ip : change.added) add(ip, "add");
    return out;
}

std::string command_text(const std::vector<std::string>& argv) {
    std::string s;
    for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
    return s;
}

std::string run_command(const std::vector<std::string>& argv) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        return "cannot run " + argv[0] + ": " + std::strerror(rc);
    }
    std::string output;
    char buf[512];
    ssize_t n = 0;
    while ((n = read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) output.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    const std::string how = WIFEXITED(status)
                                ? "exit status " + std::to_string(WEXITSTATUS(status))
                                : "killed by signal " + std::to_string(WTERMSIG(status));
    return how + (output.empty() ? "" : ": " + output);
}

std::optional<MacAddress> read_interface_mac(const std::string& ifname) {
    std::ifstream f("/sys/class/net/" + ifname + "/address");
    std::string text;
    if (!(f >> text) || text.size() != 17) return std::nullopt;
    MacAddress mac{};
    for (size_t i = 0; i < 6; ++i) {
        unsigned v = 0;
        if (std::sscanf(text.c_str() + i * 3, "%2x", &v) != 1) return std::nullopt;
        mac[i] = static_cast<uint8_t>(v);
    }
    return mac;
}

namespace {

std::string write_sysctl(const std::string& path, const char* value = "1") {
    std::ofstream f(path);
    if (!f) return "cannot open " + path;
    f << value << "\n";
    f.flush();
    if (!f) return "cannot write " + path;
    return {};
}

}  // namespace

std::string promote_secondaries(const std::string& ifname) {
    return write_sysctl("/proc/sys/net/ipv4/conf/" + ifname + "/promote_secondaries");
}

std::string disable_ipv6(const std::string& ifname) {
    return write_sysctl("/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6");
}

bool port_has_ipv6(const PortConfig& port) {
    for (const IpPrefix& ip : port.addresses) {
        if (ip.is_v6()) return true;
    }
    return false;
}

std::string enable_ipv6(const std::string& ifname) {
    const std::string dir = "/proc/sys/net/ipv6/conf/" + ifname + "/";
    // Before IPv6 comes on, so the link-local address is born without
    // duplicate address detection and no router is ever asked for.
    for (const char* key : {"accept_dad", "accept_ra", "router_solicitations"}) {
        if (std::string err = write_sysctl(dir + key, "0"); !err.empty()) return err;
    }
    return write_sysctl(dir + "disable_ipv6", "0");
}

}  // namespace dvs::control
