// lc, wlc, sed, nq and fo: exact picks over synthetic loads, as IPVS's
// ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sed.c, ip_vs_nq.c and ip_vs_fo.c decide them.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "sched/registry.hpp"

using namespace dvs::sched;

namespace {

constexpr uint32_t kMax32 = std::numeric_limits<uint32_t>::max();

std::vector<Backend> pool(std::initializer_list<uint32_t> weights) {
    std::vector<Backend> p;
    for (uint32_t w : weights) p.push_back({w});
    return p;
}

int32_t pick(std::string_view name, const std::vector<Backend>& backends,
             std::initializer_list<BackendLoad> loads) {
    const std::vector<BackendLoad> l(loads);
    auto s = make_scheduler(name, backends);
    REQUIRE(s);
    REQUIRE(s->needs_load());
    FlowInfo flow;
    flow.load = l;
    return s->pick(flow);
}

}  // namespace

TEST_CASE("registry lists all schedulers in ipvsadm order", "[sched]") {
    const std::vector<std::string_view> expected = {"rr", "wrr", "lc", "wlc", "sed",
                                                    "nq", "sh",  "dh", "mh",  "fo"};
    const auto names = available_schedulers();
    REQUIRE(std::vector<std::string_view>(names.begin(), names.end()) == expected);
    for (std::string_view n : expected) {
        REQUIRE(is_available(n));
        auto s = make_scheduler(n, pool({1, 2}));
        REQUIRE(s);
        CHECK(s->name() == n);
        const bool load_based = n == "lc" || n == "wlc" || n == "sed" || n == "nq";
        CHECK(s->needs_load() == load_based);
    }
    REQUIRE_FALSE(is_available("lblc"));
    REQUIRE(make_scheduler("lblc", pool({1})) == nullptr);
}

TEST_CASE("every scheduler returns none for an empty or all-quiesced pool", "[sched]") {
    SchedulerOptions fallback;
    fallback.fallback = true;
    for (std::string_view n : available_schedulers()) {
        for (const SchedulerOptions& o : {SchedulerOptions{}, fallback}) {
            INFO(n);
            const std::vector<BackendLoad> load(3);
            FlowInfo flow{0x0100000a, 1234, 0x0200000a, 80, load};
            CHECK(make_scheduler(n, pool({}), o)->pick(flow) == kNoBackend);
            CHECK(make_scheduler(n, pool({0, 0, 0}), o)->pick(flow) == kNoBackend);
        }
    }
}

TEST_CASE("lc: lowest active*256 + inactive, ties to the first", "[sched]") {
    CHECK(pick("lc", pool({1, 1, 1}), {{1, 0}, {0, 5}, {0, 3}}) == 2);
    CHECK(pick("lc", pool({1, 1, 1}), {{0, 4}, {0, 4}, {0, 4}}) == 0);
    // One active weighs 256 inactive: 255 beats it, 256 ties (first wins).
    CHECK(pick("lc", pool({1, 1}), {{1, 0}, {0, 255}}) == 1);
    CHECK(pick("lc", pool({1, 1}), {{1, 0}, {0, 256}}) == 0);
    CHECK(pick("lc", pool({1, 1}), {{0, 256}, {1, 0}}) == 0);
}

TEST_CASE("lc: weight only decides availability", "[sched]") {
    CHECK(pick("lc", pool({1, 100}), {{0, 1}, {0, 2}}) == 0);
    CHECK(pick("lc", pool({0, 1}), {{0, 0}, {9, 9}}) == 1);
    CHECK(pick("lc", pool({5, 0, 1}), {{3, 0}, {0, 0}, {2, 0}}) == 2);
}

TEST_CASE("lc: overheads past 32 bits compare right", "[sched]") {
    // 2^24 active = 2^32 overhead: a 32-bit overhead would wrap to 0 and win.
    CHECK(pick("lc", pool({1, 1}), {{1u << 24, 0}, {0, kMax32}}) == 1);
    CHECK(pick("lc", pool({1, 1}), {{kMax32, kMax32}, {kMax32, kMax32 - 1}}) == 1);
    CHECK(pick("lc", pool({1, 1}), {{kMax32, kMax32}, {kMax32, kMax32}}) == 0);
}

TEST_CASE("load-based schedulers treat missing load entries as idle", "[sched]") {
    CHECK(pick("lc", pool({1, 1, 1}), {{0, 1}}) == 1);
    CHECK(pick("wlc", pool({1, 1}), {}) == 0);
    CHECK(pick("nq", pool({1, 1}), {{1, 0}}) == 1);
}

TEST_CASE("wlc: overhead/weight by cross-multiplication, ties to the first", "[sched]") {
    // 256/1 vs 512/2: equal, the first stays.
    CHECK(pick("wlc", pool({1, 2}), {{1, 0}, {2, 0}}) == 0);
    // 256/1 vs 511/2: the second is lower.
    CHECK(pick("wlc", pool({1, 2}), {{1, 0}, {1, 255}}) == 1);
    // 256/1 vs 513/2: the first is lower.
    CHECK(pick("wlc", pool({1, 2}), {{1, 0}, {2, 1}}) == 0);
    // Inactive connections count.
    CHECK(pick("wlc", pool({1, 1}), {{0, 3}, {0, 2}}) == 1);
    // Three-way: 600/3=200, 300/2=150, 160/1=160.
    CHECK(pick("wlc", pool({3, 2, 1}), {{2, 88}, {1, 44}, {0, 160}}) == 1);
}

TEST_CASE("wlc: weight 0 is skipped, first stage included", "[sched]") {
    CHECK(pick("wlc", pool({0, 1}), {{0, 0}, {5, 5}}) == 1);
    CHECK(pick("wlc", pool({2, 0, 1}), {{4, 0}, {0, 0}, {3, 0}}) == 0);  // 512 vs 768
    CHECK(pick("wlc", pool({2, 0, 1}), {{4, 0}, {0, 0}, {1, 0}}) == 2);  // 512 vs 256
    CHECK(pick("wlc", pool({0, 0, 1}), {{0, 0}, {0, 0}, {7, 0}}) == 2);
}

TEST_CASE("wlc: exact at values where 32 bits wrap and doubles round", "[sched]") {
    // overhead 65535 * 2^24 at weight 65535 vs 65534 * 2^24 at weight 65534:
    // equal ratios, products near 2^56 (beyond a double's 53-bit mantissa).
    const uint32_t a0 = 65535u << 16;  // active * 256 = 65535 * 2^24
    const uint32_t a1 = 65534u << 16;
    CHECK(pick("wlc", pool({65535, 65534}), {{a0, 0}, {a1, 0}}) == 0);
    // One inactive connection less on the second tips it.
    CHECK(pick("wlc", pool({65535, 65534}), {{a0, 0}, {a1 - 1, 255}}) == 1);
    // The largest loads: UINT32_MAX active and inactive.
    CHECK(pick("wlc", pool({65535, 65535}), {{kMax32, kMax32}, {kMax32, kMax32 - 1}}) == 1);
    CHECK(pick("wlc", pool({65535, 65535}), {{kMax32, kMax32}, {kMax32, kMax32}}) == 0);
}

TEST_CASE("sed: (active + 1) / weight, inactive ignored, ties to the first", "[sched]") {
    CHECK(pick("sed", pool({1, 1}), {{0, 1000}, {1, 0}}) == 0);
    // 1/1 vs 2/3.
    CHECK(pick("sed", pool({1, 3}), {{0, 0}, {1, 0}}) == 1);
    // 1/1 vs 2/2: tie.
    CHECK(pick("sed", pool({1, 2}), {{0, 0}, {1, 0}}) == 0);
    // Unlike wlc, sed sends to an idle heavy server first: 1/1 vs 1/4.
    CHECK(pick("sed", pool({1, 4}), {{0, 0}, {0, 0}}) == 1);
    CHECK(pick("sed", pool({0, 1}), {{0, 0}, {9, 0}}) == 1);
}

TEST_CASE("sed: exact at the 2^32 boundary", "[sched]") {
    // 2^32 / 65535 vs (2^32 - 65537) / 65534: products differ by 1, first stays.
    CHECK(pick("sed", pool({65535, 65534}), {{kMax32, 0}, {kMax32 - 65537, 0}}) == 0);
    // One fewer active on the second: it wins.
    CHECK(pick("sed", pool({65535, 65534}), {{kMax32, 0}, {kMax32 - 65538, 0}}) == 1);
}

TEST_CASE("nq: an idle server at once, else shortest expected delay", "[sched]") {
    // Idle (no active; inactive do not count) beats any ratio.
    CHECK(pick("nq", pool({1, 10, 1}), {{5, 0}, {3, 0}, {0, 100}}) == 2);
    // The first idle in pool order.
    CHECK(pick("nq", pool({1, 1}), {{0, 0}, {0, 0}}) == 0);
    CHECK(pick("nq", pool({1, 4}), {{0, 0}, {0, 0}}) == 0);  // sed would take 1
    // An idle quiesced server is not taken.
    CHECK(pick("nq", pool({0, 1}), {{0, 0}, {1, 0}}) == 1);
    // All busy: 2/1 vs 3/3.
    CHECK(pick("nq", pool({1, 3}), {{1, 0}, {2, 0}}) == 1);
    // All busy, equal: 2/1 vs 4/2.
    CHECK(pick("nq", pool({1, 2}), {{1, 0}, {3, 0}}) == 0);
    CHECK(pick("nq", pool({65535, 65534}), {{kMax32, 0}, {kMax32 - 65538, 0}}) == 1);
}

TEST_CASE("weights above kMaxWeight are refused where products need the bound", "[sched]") {
    for (std::string_view n : {"wlc", "sed", "nq"}) {
        INFO(n);
        REQUIRE_THROWS_AS(make_scheduler(n, pool({1, kMaxWeight + 1})), std::invalid_argument);
        REQUIRE_NOTHROW(make_scheduler(n, pool({1, kMaxWeight})));
    }
}

TEST_CASE("fo: the highest weight, ties to the first, moves when quiesced", "[sched]") {
    const auto fo = [](std::initializer_list<uint32_t> w) {
        auto s = make_scheduler("fo", pool(w));
        const int32_t first = s->pick({});
        for (int i = 0; i < 10; ++i) REQUIRE(s->pick({}) == first);
        return first;
    };
    CHECK(fo({1, 3, 3, 2}) == 1);
    CHECK(fo({1, 0, 3, 2}) == 2);
    CHECK(fo({1, 0, 0, 2}) == 3);
    CHECK(fo({0, 0, 0, 1}) == 3);
    CHECK(fo({7}) == 0);
}
