#pragma once
// Destination hashing (IPVS ip_vs_dh.c): the destination address picks one of
// 256 buckets dealt one per server in turn; weights only decide availability,
// as in IPVS. The destination is the VIP the client asked for, so on a
// VIP:port service every flow goes to one server; dh is for services that
// match many destinations (a transparent cache cluster).
//
// Beyond IPVS (whose dh has no flags): hash_port adds the destination port
// and fallback probes like sh-fallback; without it a quiesced bucket gives
// kNoBackend, as in IPVS.

#include "sched/bucket_table.hpp"
#include "sched/scheduler.hpp"

namespace dvs::sched {

class DestinationHash final : public Scheduler {
public:
    DestinationHash(std::span<const Backend> pool, const SchedulerOptions& options);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "dh"; }

    static uint32_t bucket(uint32_t vip, uint16_t vport, bool hash_port);
    const detail::BucketTable& table() const { return table_; }

private:
    detail::BucketTable table_;
    bool hash_port_;
};

}  // namespace dvs::sched
