#include "control/hugepage_check.hpp"

#include <filesystem>
#include <fstream>

#include "dataplane/conn_table.hpp"

namespace dvs::control {

namespace {

// One mbuf in a pool: RTE_MBUF_DEFAULT_BUF_SIZE (2,176) + struct rte_mbuf
// (128) + the mempool's object header and alignment (about 64).
constexpr uint64_t kMbufBytes = 2368;
constexpr uint64_t kMiB = 1 << 20;

uint64_t read_number(const std::filesystem::path& file) {
    std::ifstream in(file);
    uint64_t n = 0;
    in >> n;
    return in ? n : 0;
}

std::string mib(uint64_t bytes) { return std::to_string((bytes + kMiB - 1) / kMiB) + " MiB"; }

}  // namespace

HugepageMemory read_hugepages(const std::string& sysfs_dir) {
    HugepageMemory out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(sysfs_dir, ec)) {
        const std::string name = entry.path().filename().string();  // hugepages-2048kB
        if (name.rfind("hugepages-", 0) != 0 || name.size() < 13) continue;
        const uint64_t kb = std::strtoull(name.c_str() + 10, nullptr, 10);
        out.total_bytes += read_number(entry.path() / "nr_hugepages") * kb * 1024;
        out.free_bytes += read_number(entry.path() / "free_hugepages") * kb * 1024;
    }
    return out;
}

uint64_t dataplane_hugepage_bytes(const DataplaneConfig& d) {
    return uint64_t{d.workers} * dataplane::worker_tables_bytes(d.conn_capacity, d.conn6_capacity) +
           uint64_t{d.mbufs} * kMbufBytes;
}

void check_hugepage_memory(const Config& config, const HugepageMemory& present) {
    const DataplaneConfig& d = config.dataplane;
    for (const std::string& a : d.eal) {
        if (a == "--no-huge") return;
    }
    // No hugepages at all: a machine that checks files for another one (a
    // build host); start-up there fails in EAL anyway, with its own message.
    if (present.total_bytes == 0) return;
    const uint64_t tables =
        uint64_t{d.workers} * dataplane::worker_tables_bytes(d.conn_capacity, d.conn6_capacity);
    const uint64_t mbufs = uint64_t{d.mbufs} * kMbufBytes;
    if (tables + mbufs <= present.total_bytes) return;
    throw ConfigError(
        config.source + ": dataplane.conn_capacity: " + std::to_string(d.conn_capacity) +
        " connections (and " +
        std::to_string(dataplane::conn6_capacity(d.conn_capacity, d.conn6_capacity)) + " IPv6) x " +
        std::to_string(d.workers) + " workers need " + mib(tables) + " of hugepages, and " +
        std::to_string(d.mbufs) + " mbufs " + mib(mbufs) + ": " + mib(tables + mbufs) +
        " in all; this machine has " + mib(present.total_bytes) + " of hugepages (" +
        mib(present.free_bytes) +
        " free). Lower conn_capacity (or conn6_capacity) or add hugepages (vm.nr_hugepages)");
}

}  // namespace dvs::control
