#pragma once
// Does the dataplane fit in the hugepages this machine has? `dvsd --check`
// and start-up refuse a conn_capacity (or mbufs) that cannot, saying how
// much is needed (issue 20: such a file passed --check and failed to start).
// Control thread; reads sysfs.

#include <cstdint>
#include <string>

#include "control/config/config.hpp"

namespace dvs::control {

struct HugepageMemory {
    uint64_t total_bytes = 0;  // nr_hugepages x page size, over every page size
    uint64_t free_bytes = 0;
};

// Sums /sys/kernel/mm/hugepages/hugepages-*kB/{nr,free}_hugepages.
HugepageMemory read_hugepages(const std::string& sysfs_dir = "/sys/kernel/mm/hugepages");

// What the connection tables and the mbuf pools take from hugepages.
uint64_t dataplane_hugepage_bytes(const DataplaneConfig& d);

// Throws ConfigError ("FILE: dataplane.conn_capacity: ...") when the
// dataplane needs more than `present` holds. Nothing to check when the EAL
// arguments say --no-huge, or when the machine has no hugepages at all (a
// build host checking a file for another machine).
void check_hugepage_memory(const Config& config, const HugepageMemory& present);

}  // namespace dvs::control
