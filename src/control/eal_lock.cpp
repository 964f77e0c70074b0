#include "control/eal_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace dvs::control {

namespace {

// EAL's runtime directory (eal_create_runtime_dir): /var/run for root,
// else $XDG_RUNTIME_DIR, else /tmp; then dpdk/PREFIX.
std::string runtime_dir(const std::string& prefix) {
    std::string base = "/var/run";
    if (::getuid() != 0) {
        const char* xdg = std::getenv("XDG_RUNTIME_DIR");
        base = xdg != nullptr ? xdg : "/tmp";
    }
    return base + "/dpdk/" + prefix;
}

std::string process_name(pid_t pid) {
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(comm, name);
    return name;
}

}  // namespace

std::string eal_file_prefix(const std::vector<std::string>& eal) {
    std::string prefix = "rte";
    for (size_t i = 0; i < eal.size(); ++i) {
        if (eal[i].rfind("--file-prefix=", 0) == 0) prefix = eal[i].substr(14);
        if (eal[i] == "--file-prefix" && i + 1 < eal.size()) prefix = eal[i + 1];
    }
    return prefix;
}

std::optional<std::string> eal_prefix_in_use(const std::vector<std::string>& eal) {
    if (std::find(eal.begin(), eal.end(), "--in-memory") != eal.end()) return std::nullopt;
    const std::string prefix = eal_file_prefix(eal);
    const std::string path = runtime_dir(prefix) + "/config";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const int rc = ::fcntl(fd, F_GETLK, &lock);
    ::close(fd);
    if (rc != 0 || lock.l_type == F_UNLCK) return std::nullopt;
    std::string who = "process " + std::to_string(lock.l_pid);
    if (const std::string name = process_name(lock.l_pid); !name.empty()) {
        who += " (" + name + ")";
    }
    return "dataplane.eal: --file-prefix=" + prefix + " is in use by " + who + ", which holds " +
           path + ": is dvsd already running? Every DPDK process on a host needs its own " +
           "--file-prefix";
}

}  // namespace dvs::control
