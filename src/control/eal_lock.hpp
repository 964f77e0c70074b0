#pragma once
// Who holds a DPDK file prefix (issue 19: a second dvsd with the same
// --file-prefix failed with "EAL initialisation failed: Success", since
// EAL leaves rte_errno unset there). A primary process keeps a write lock
// (fcntl) on RUNTIME_DIR/PREFIX/config; asking the kernel who holds it
// names the other process before EAL is started. Control thread only.

#include <optional>
#include <string>
#include <vector>

namespace dvs::control {

// The --file-prefix of EAL arguments ("rte" when none is given).
std::string eal_file_prefix(const std::vector<std::string>& eal);

// "--file-prefix=PREFIX is in use by process PID ..." when another process
// holds the prefix's lock; nullopt when it is free (or --in-memory, where
// EAL keeps no such file).
std::optional<std::string> eal_prefix_in_use(const std::vector<std::string>& eal);

}  // namespace dvs::control
