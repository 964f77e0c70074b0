#pragma once
// Maglev hashing (Eisenbud et al., NSDI 2016, section 3.4; IPVS ip_vs_mh.c).
//
// A lookup table of prime size M (options.mh_table_size) is filled from one
// permutation of the slots per server, derived from two hashes of the
// server's stable identity (Backend::key, or the pool index when 0): servers
// take turns claiming their next preferred free slot. A server that keeps
// its key keeps most of its slots when others are added or removed.
//
// Weights as in IPVS: each server claims weight / gcd slots per turn, shifted
// right so the largest claims fewer than 64 (ip_vs_mh_shift_weight); a
// non-zero weight claims at least one. So once the largest weight / gcd
// passes 63, ratios lose precision (100:1 claims 50:1, 65535:1 claims 63:1).
// Weight 0 claims nothing. Invariant: with any server of weight > 0 every
// slot points to one, so pick() never meets a quiesced server and
// options.fallback changes nothing. (IPVS keeps a quiesced server's slots,
// built from its last non-zero weight, and drops or, with mh-fallback,
// re-hashes its flows; a Backend does not carry that history.)
//
// The table is built in the constructor (control thread); pick() is one hash
// and one load. Memory: 2 bytes per slot, 128 KiB at the default 65537.

#include <string>

#include "sched/scheduler.hpp"

namespace dvs::sched {

class MaglevHash final : public Scheduler {
public:
    static constexpr uint16_t kEmpty = 0xffff;  // slot value when no server has weight
    static constexpr uint32_t kMaxTableSize = 1u << 24;
    static constexpr size_t kMaxPool = kEmpty;  // pool indices fit a slot

    // Throws std::invalid_argument when table_size_error() is not empty.
    MaglevHash(std::span<const Backend> pool, const SchedulerOptions& options);
    int32_t pick(const FlowInfo& flow) override;
    std::string_view name() const override { return "mh"; }

    // Why `size` cannot serve a pool of `servers`, or "" when it can: it must be
    // prime (the permutations need it), at least the pool size (as IPVS
    // requires), at most kMaxTableSize. For config validation.
    static std::string table_size_error(uint32_t size, size_t servers);

    // Pool index per slot (kEmpty when no server has weight): to measure
    // balance and how many slots a change remaps.
    std::span<const uint16_t> table() const { return table_; }

    // The slot a client falls in.
    static uint32_t slot(uint32_t client_ip, uint16_t client_port, bool hash_port,
                         uint32_t table_size);

private:
    std::vector<uint16_t> table_;
    bool hash_port_;
};

}  // namespace dvs::sched
