#include "control/preflight.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"

namespace dvs::control {

namespace {

// A descriptor closed however we leave.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::optional<std::string> kernel_route_error(const IpAddress& address) {
    sockaddr_storage to{};
    socklen_t length = 0;
    if (address.is_v4()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&to);
        in->sin_family = AF_INET;
        in->sin_port = htons(9);
        in->sin_addr.s_addr = htonl(address.to_v4());
        length = sizeof(sockaddr_in);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&to);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(9);
        std::memcpy(&in6->sin6_addr, address.bytes.data(), 16);
        length = sizeof(sockaddr_in6);
    }
    Fd s{::socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return std::nullopt;  // cannot ask (no IPv6 in the kernel?): say nothing
    if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), length) == 0) return std::nullopt;
    return std::string(std::strerror(errno));
}

KernelProbe::Interface kernel_interface_state(const std::string& name) {
    if (name.size() >= IFNAMSIZ) return {false, std::nullopt};
    Fd s{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) return {};
    ifreq req{};
    std::memcpy(req.ifr_name, name.data(), name.size());
    if (::ioctl(s.fd, SIOCGIFFLAGS, &req) != 0) return {errno != ENODEV, std::nullopt};
    if ((req.ifr_flags & IFF_UP) == 0) {
        return {true, "is down (administratively: ip link set dev " + name + " up)"};
    }
    if ((req.ifr_flags & IFF_RUNNING) == 0) {
        return {true,
                "is up but not running (operstate down: no carrier, or its veth peer is down)"};
    }
    return {};
}

// The check's position: the server's own health_check if it wrote one, else
// the service's.
std::string check_path(size_t service, size_t server, bool override_written, const char* key) {
    const std::string s = "services[" + std::to_string(service) + "]";
    if (override_written) return s + ".real_servers[" + std::to_string(server) + "]." + key;
    return s + "." + key;
}

// One warning per check as written (the service's, or a server's own), with
// every unreachable server it covers: a pool of 1,000 gives one line.
void health_warnings(const Config& config, const SourceMap& positions, const KernelProbe& probe,
                     std::vector<PreflightWarning>& out) {
    if (config.exception_path.enabled || !probe.route_error) return;
    constexpr size_t kNamed = 8;  // servers named in one warning; the rest are counted
    for (size_t i = 0; i < config.services.size(); ++i) {
        const ServiceConfig& s = config.services[i];
        struct Group {
            std::string path, key, why, servers;
            size_t count = 0;
        };
        std::vector<Group> groups;
        for (size_t j = 0; j < s.real_servers.size(); ++j) {
            const RealServerConfig& rs = s.real_servers[j];
            const bool checked = rs.health_check && rs.health_check->type != CheckType::kExec;
            if (!checked && !rs.agent_check) continue;
            const std::optional<std::string> why = probe.route_error(rs.address);
            if (!why) continue;
            const char* key = checked ? "health_check" : "agent_check";
            const bool own = checked ? rs.health_check_override : rs.agent_check_override;
            const std::string path = check_path(i, j, own, key);
            auto g = std::find_if(groups.begin(), groups.end(),
                                  [&](const Group& x) { return x.path == path; });
            if (g == groups.end()) g = groups.insert(groups.end(), Group{path, key, *why, "", 0});
            if (g->count < kNamed) {
                g->servers += (g->count == 0 ? "" : ", ") + text::format_ip(rs.address);
            }
            ++g->count;
        }
        for (const Group& g : groups) {
            std::string who = (g.count == 1 ? "real server " : "real servers ") + g.servers;
            if (g.count > kNamed) who += " and " + std::to_string(g.count - kNamed) + " more";
            out.push_back({positions.message(
                g.path, "service " + s.name + ": no path to " + who + " for its " + g.key + " (" +
                            g.why +
                            "): the exception path is off and the kernel has no route, so the "
                            "check will fail and the server go down; enable exception_path or "
                            "give dvsd's network namespace a route")});
        }
    }
}

void interface_warnings(const Config& config, const SourceMap& positions, const KernelProbe& probe,
                        std::vector<PreflightWarning>& out) {
    if (!probe.interface_state) return;
    for (size_t i = 0; i < config.ports.size(); ++i) {
        const PortConfig& p = config.ports[i];
        const std::string iface = port_kernel_interface(config.dataplane, p.device);
        if (iface.empty()) continue;
        const KernelProbe::Interface state = probe.interface_state(iface);
        const std::string path = "ports[" + std::to_string(i) + "].device";
        const std::string what = "port " + p.name + ": interface " + iface + " (" + p.device + ") ";
        if (!state.exists) {
            out.push_back(
                {positions.message(path, what + "does not exist in dvsd's network namespace"),
                 true});
        } else if (state.problem) {
            out.push_back({positions.message(path, what + *state.problem)});
        }
    }
}

int read_sysctl_int(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) return -1;
    int value = -1;
    if (std::fscanf(f, "%d", &value) != 1) value = -1;
    std::fclose(f);
    return value;
}

}  // namespace

std::string af_packet_kernel_settings_missing(const std::string& iface, bool ipv6) {
    std::string missing;
    // The kernel uses the larger of conf/all and conf/IFACE.
    const int all = read_sysctl_int("/proc/sys/net/ipv4/conf/all/rp_filter");
    const int own = read_sysctl_int("/proc/sys/net/ipv4/conf/" + iface + "/rp_filter");
    const int rp = std::max(all, own);
    if (rp != 1) missing = "rp_filter is " + std::to_string(rp) + " (want 1)";
    Fd s{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    ifreq req{};
    if (s.fd >= 0 && iface.size() < IFNAMSIZ) {
        std::memcpy(req.ifr_name, iface.data(), iface.size());
        if (::ioctl(s.fd, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_NOARP) == 0) {
            missing += (missing.empty() ? "" : ", ") + std::string("ARP is on (want 'arp off')");
        }
    }
    if (ipv6 && read_sysctl_int("/proc/sys/net/ipv6/conf/" + iface + "/disable_ipv6") == 0) {
        missing += (missing.empty() ? "" : ", ") + std::string("IPv6 is on (want disable_ipv6=1)");
    }
    return missing;
}

KernelProbe kernel_probe() { return {kernel_route_error, kernel_interface_state}; }

std::string port_kernel_interface(const DataplaneConfig& dataplane, const std::string& device) {
    if (device.rfind("net_af_packet", 0) != 0 && device.rfind("net_pcap", 0) != 0) return "";
    for (size_t i = 0; i < dataplane.eal.size(); ++i) {
        std::string arg = dataplane.eal[i];
        if (arg == "--vdev" && i + 1 < dataplane.eal.size()) {
            arg = dataplane.eal[i + 1];
        } else if (arg.rfind("--vdev=", 0) == 0) {
            arg = arg.substr(7);
        } else {
            continue;
        }
        if (arg.substr(0, arg.find(',')) != device) continue;
        // net_af_packet: iface=NAME; net_pcap: iface=NAME (rx_iface/tx_iface: other layouts).
        for (size_t at = arg.find(','); at != std::string::npos; at = arg.find(',', at + 1)) {
            if (arg.compare(at + 1, 6, "iface=") == 0) {
                const size_t end = arg.find(',', at + 1);
                return arg.substr(at + 7, end == std::string::npos ? end : end - at - 7);
            }
        }
    }
    return "";
}

std::vector<PreflightWarning> preflight_warnings(const Config& config, const SourceMap& positions,
                                                 const KernelProbe& probe) {
    std::vector<PreflightWarning> out;
    health_warnings(config, positions, probe, out);
    interface_warnings(config, positions, probe, out);
    return out;
}

}  // namespace dvs::control
