#include "sched/sh.hpp"

#include "sched/hash.hpp"

namespace dvs::sched {

SourceHash::SourceHash(std::span<const Backend> pool, const SchedulerOptions& options)
    : table_(pool, /*weighted=*/true, options.fallback), hash_port_(options.hash_port) {}

uint32_t SourceHash::bucket(uint32_t client_ip, uint16_t client_port, bool hash_port) {
    // ip_vs_sh_hashkey(): hash_32(ntohs(port) + ntohl(addr), 8); port 0 without sh-port.
    const uint32_t port = hash_port ? detail::host16(client_port) : 0;
    return detail::hash_32(port + detail::host32(client_ip), detail::BucketTable::kBits);
}

int32_t SourceHash::pick(const FlowInfo& flow) {
    return table_.lookup(bucket(flow.client_ip, flow.client_port, hash_port_));
}

}  // namespace dvs::sched
