#include "sched/mh.hpp"

#include <algorithm>
#include <bit>
#include <numeric>
#include <stdexcept>

#include "sched/hash.hpp"

namespace dvs::sched {

namespace {

// Two unrelated seeds give the two independent hashes of the paper (IPVS:
// hsiphash with two fixed keys). The flow hash uses a third.
constexpr uint64_t kOffsetSeed = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kSkipSeed = 0xc2b2ae3d27d4eb4full;
constexpr uint64_t kFlowSeed = 0x165667b19e3779f9ull;

// IP_VS_MH_TAB_BITS: the largest weight / gcd is shifted below 2^6 turns.
constexpr int kTurnBits = 6;

bool is_prime(uint32_t n) {
    if (n < 2) return false;
    if (n % 2 == 0) return n == 2;
    for (uint32_t d = 3; static_cast<uint64_t>(d) * d <= n; d += 2) {
        if (n % d == 0) return false;
    }
    return true;
}

struct Permutation {
    uint32_t next;  // current preferred slot (offset + j * skip mod M)
    uint32_t skip;
    uint32_t turns;  // slots claimed per round
};

}  // namespace

std::string MaglevHash::table_size_error(uint32_t size, size_t servers) {
    if (!is_prime(size)) return "mh table size " + std::to_string(size) + " is not prime";
    if (size > kMaxTableSize) {
        return "mh table size " + std::to_string(size) + " exceeds " +
               std::to_string(kMaxTableSize);
    }
    if (servers > kMaxPool) return "mh supports at most " + std::to_string(kMaxPool) + " servers";
    if (size < servers) {
        return "mh table size " + std::to_string(size) + " is smaller than the " +
               std::to_string(servers) + " servers";
    }
    return "";
}

MaglevHash::MaglevHash(std::span<const Backend> pool, const SchedulerOptions& options)
    : hash_port_(options.hash_port) {
    const uint32_t m = options.mh_table_size;
    if (std::string error = table_size_error(m, pool.size()); !error.empty()) {
        throw std::invalid_argument(error);
    }
    table_.assign(m, kEmpty);

    // ip_vs_mh_gcd_weight() and ip_vs_mh_shift_weight().
    uint32_t g = 0;
    uint32_t max_weight = 0;
    for (const Backend& b : pool) {
        if (b.weight > 0) g = std::gcd(g, b.weight);
        max_weight = std::max(max_weight, b.weight);
    }
    if (g == 0) return;  // no server with weight: every slot stays empty
    const int shift = std::max(0, static_cast<int>(std::bit_width(max_weight / g)) - kTurnBits);

    // ip_vs_mh_permutate().
    std::vector<Permutation> perm(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) {
        const uint64_t key = pool[i].key != 0 ? pool[i].key : i;
        perm[i].next = static_cast<uint32_t>(detail::mix64(key ^ kOffsetSeed) % m);
        perm[i].skip = static_cast<uint32_t>(detail::mix64(key ^ kSkipSeed) % (m - 1)) + 1;
        const uint32_t w = pool[i].weight;
        perm[i].turns = w == 0 ? 0 : std::max(1u, (w / g) >> shift);
    }

    // ip_vs_mh_populate(): servers in pool order, each claiming `turns` slots,
    // each slot the next free one on its permutation, until the table is full.
    std::vector<bool> taken(m, false);
    uint32_t filled = 0;
    while (filled < m) {
        for (size_t i = 0; i < pool.size() && filled < m; ++i) {
            Permutation& p = perm[i];
            for (uint32_t t = 0; t < p.turns && filled < m; ++t) {
                while (taken[p.next]) {
                    p.next += p.skip;
                    if (p.next >= m) p.next -= m;
                }
                taken[p.next] = true;
                table_[p.next] = static_cast<uint16_t>(i);
                ++filled;
            }
        }
    }
}

uint32_t MaglevHash::slot(uint32_t client_ip, uint16_t client_port, bool hash_port,
                          uint32_t table_size) {
    // IPVS hashes ntohl(addr) + ntohs(port); keeping the two apart avoids
    // (ip, port) and (ip + 1, port - 1) colliding.
    const uint64_t port = hash_port ? detail::host16(client_port) : 0;
    const uint64_t key = (static_cast<uint64_t>(detail::host32(client_ip)) << 16) | port;
    const uint64_t h = detail::mix64(key ^ kFlowSeed);
    return detail::reduce(static_cast<uint32_t>(h >> 32), table_size);
}

int32_t MaglevHash::pick(const FlowInfo& flow) {
    const uint16_t s = table_[slot(flow.client_ip, flow.client_port, hash_port_,
                                   static_cast<uint32_t>(table_.size()))];
    return s == kEmpty ? kNoBackend : s;
}

}  // namespace dvs::sched
