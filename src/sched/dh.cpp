#include "sched/dh.hpp"

#include "sched/hash.hpp"

namespace dvs::sched {

DestinationHash::DestinationHash(std::span<const Backend> pool, const SchedulerOptions& options)
    : table_(pool, /*weighted=*/false, options.fallback), hash_port_(options.hash_port) {}

uint32_t DestinationHash::bucket(uint32_t vip, uint16_t vport, bool hash_port) {
    // ip_vs_dh_hashkey(): hash_32(ntohl(addr), 8); the port is added as sh does.
    const uint32_t port = hash_port ? detail::host16(vport) : 0;
    return detail::hash_32(port + detail::host32(vip), detail::BucketTable::kBits);
}

int32_t DestinationHash::pick(const FlowInfo& flow) {
    return table_.lookup(bucket(flow.vip, flow.vport, hash_port_));
}

}  // namespace dvs::sched
