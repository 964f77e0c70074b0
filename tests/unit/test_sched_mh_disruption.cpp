// Maglev disruption (issue 16): the fraction of flows remapped when one of N
// real servers leaves or joins. In a fleet every box builds the same table,
// so this fraction is what a change of real servers costs: a moved flow's
// next packet reaches a box that (with continuation) sends it to the new
// pick, and its connection breaks there. The ideal is the leaver's share
// (1/N) on a leave and the joiner's share (1/(N+1)) on a join: consistent
// hashing moves nothing else. Maglev trades a little of that for balance
// (NSDI 2016, section 3.4 and figure 11: at M = 65537 a few percent extra in
// the worst case); we allow 10% over the ideal plus 0.5 points, and print
// the measured figures (README "Scale-out" quotes them).
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "sched/mh.hpp"

using namespace dvs::sched;

namespace {

constexpr size_t kFlows = 100000;

// As the snapshot builder keys servers: address and port, plus one.
uint64_t key_of(uint32_t index) { return ((uint64_t{0x0a000000u + 11 + index}) << 16 | 80) + 1; }

std::vector<Backend> servers(std::initializer_list<uint32_t> indices) {
    std::vector<Backend> p;
    for (uint32_t i : indices) p.push_back({1, key_of(i)});
    return p;
}

std::vector<Backend> servers_upto(uint32_t n, uint32_t skip = UINT32_MAX) {
    std::vector<Backend> p;
    for (uint32_t i = 0; i < n; ++i) {
        if (i != skip) p.push_back({1, key_of(i)});
    }
    return p;
}

struct Flow {
    uint32_t ip;
    uint16_t port;
};

std::vector<Flow> flows() {
    std::mt19937 rng(16);
    std::vector<Flow> f(kFlows);
    for (Flow& x : f) {
        x.ip = htonl(0xc6120000u | (rng() & 0xffffu));  // 198.18.0.0/16
        x.port = htons(static_cast<uint16_t>(1024 + rng() % 64000));
    }
    return f;
}

// The key of each flow's pick, so pools of different shapes compare.
std::vector<uint64_t> picks(const std::vector<Backend>& pool, const std::vector<Flow>& fl) {
    SchedulerOptions o;
    o.hash_port = true;  // mh-port: flows of one client spread too
    MaglevHash m(pool, o);
    std::vector<uint64_t> out;
    out.reserve(fl.size());
    for (const Flow& x : fl) {
        const int32_t i = m.pick({x.ip, x.port, htonl(0xc0000246), htons(80), {}});
        out.push_back(i < 0 ? 0 : pool[static_cast<size_t>(i)].key);
    }
    return out;
}

double moved(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
    size_t n = 0;
    for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
    return static_cast<double>(n) / static_cast<double>(a.size());
}

}  // namespace

TEST_CASE("mh disruption: 1 of N servers leaves or joins, 100k flows, near 1/N", "[sched]") {
    const std::vector<Flow> fl = flows();
    for (uint32_t n : {3u, 5u, 10u}) {
        const std::vector<uint64_t> before = picks(servers_upto(n), fl);
        // Leave: the middle server goes (the others keep their keys).
        const std::vector<uint64_t> after_leave = picks(servers_upto(n, n / 2), fl);
        const double leave = moved(before, after_leave);
        const double leave_ideal = 1.0 / n;
        // Join: server n arrives at the end of the pool.
        const std::vector<uint64_t> after_join = picks(servers_upto(n + 1), fl);
        const double join = moved(before, after_join);
        const double join_ideal = 1.0 / (n + 1);
        // A health failure: weight 0, the server stays in the pool.
        std::vector<Backend> failed = servers_upto(n);
        failed[n / 2].weight = 0;
        const double fail = moved(before, picks(failed, fl));
        std::printf(
            "mh disruption N=%u: leave %.4f (ideal %.4f), join %.4f (ideal %.4f), "
            "weight 0 %.4f\n",
            n, leave, leave_ideal, join, join_ideal, fail);
        INFO("N=" << n << " leave " << leave << " join " << join << " weight0 " << fail);
        // Every flow of the leaver moves; little else does.
        CHECK(leave >= leave_ideal * 0.9);
        CHECK(leave <= leave_ideal * 1.1 + 0.005);
        CHECK(join >= join_ideal * 0.9);
        CHECK(join <= join_ideal * 1.1 + 0.005);
        CHECK(fail <= leave_ideal * 1.1 + 0.005);
    }
}

TEST_CASE("mh disruption: the same pool gives the same picks on every box", "[sched]") {
    // Two boxes build their tables independently (another process, another
    // order of reloads): continuation relies on equal answers.
    const std::vector<Flow> fl = flows();
    CHECK(moved(picks(servers({0, 1, 2, 3}), fl), picks(servers({0, 1, 2, 3}), fl)) == 0.0);
}
