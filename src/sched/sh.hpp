#pragma once
// Source hashing (IPVS ip_vs_sh.c): the client address (and port, with
// hash_port: sh-port) picks one of 256 buckets dealt to the servers in
// proportion to their weights (see bucket_table.hpp). A bucket whose server
// is quiesced gives kNoBackend, or with fallback (sh-fallback) the next
// available server on IPVS's probe sequence. Same hash as IPVS, so a pool in
// the same order maps a client to the same server as the kernel would.

#include "sched/bucket_table.hpp"
#include "sched/scheduler.hpp"

namespace dvs::sched {

class SourceHash final : public Scheduler {
public:
    SourceHash(std::span<const Backend> pool, const SchedulerOptions& options);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "sh"; }

    // The bucket a client falls in (tests).
    static uint32_t bucket(uint32_t client_ip, uint16_t client_port, bool hash_port);
    const detail::BucketTable& table() const { return table_; }

private:
    detail::BucketTable table_;
    bool hash_port_;
};

}  // namespace dvs::sched
