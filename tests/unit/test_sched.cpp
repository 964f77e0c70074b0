#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "sched/registry.hpp"

using namespace dvs::sched;

namespace {

std::string sequence(Scheduler& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        const int32_t p = s.pick({});
        out += p == kNoBackend ? '-' : static_cast<char>('A' + p);
    }
    return out;
}

std::vector<Backend> pool(std::initializer_list<uint32_t> weights) {
    std::vector<Backend> p;
    for (uint32_t w : weights) p.push_back({w});
    return p;
}

}  // namespace

TEST_CASE("wrr gives the paper's sequence for weights 4,3,2", "[sched]") {
    auto s = make_scheduler("wrr", pool({4, 3, 2}));
    REQUIRE(sequence(*s, 18) == "AABABCABCAABABCABC");
}

TEST_CASE("wrr with a common divisor steps by the gcd", "[sched]") {
    auto s = make_scheduler("wrr", pool({6, 4, 2}));
    // Same shape as 3,2,1: period 6.
    REQUIRE(sequence(*s, 12) == "AABABCAABABC");
}

TEST_CASE("wrr skips quiesced servers and returns none when all are", "[sched]") {
    auto s = make_scheduler("wrr", pool({3, 0, 1}));
    REQUIRE(sequence(*s, 8) == "AAACAAAC");
    auto none = make_scheduler("wrr", pool({0, 0}));
    REQUIRE(none->pick({}) == kNoBackend);
    auto empty = make_scheduler("wrr", pool({}));
    REQUIRE(empty->pick({}) == kNoBackend);
}

TEST_CASE("wrr distribution over many picks equals the weights", "[sched]") {
    auto s = make_scheduler("wrr", pool({5, 3, 1, 1}));
    std::map<int32_t, int> hits;
    for (int i = 0; i < 10000; ++i) ++hits[s->pick({})];
    REQUIRE(hits[0] == 5000);
    REQUIRE(hits[1] == 3000);
    REQUIRE(hits[2] == 1000);
    REQUIRE(hits[3] == 1000);
}

TEST_CASE("rr cycles and skips weight 0", "[sched]") {
    auto s = make_scheduler("rr", pool({1, 1, 1}));
    REQUIRE(sequence(*s, 7) == "ABCABCA");
    auto q = make_scheduler("rr", pool({1, 0, 5}));
    REQUIRE(sequence(*q, 4) == "ACAC");
    auto none = make_scheduler("rr", pool({0}));
    REQUIRE(none->pick({}) == kNoBackend);
}

TEST_CASE("registry knows rr and wrr; unknown names give nullptr", "[sched]") {
    REQUIRE(is_available("rr"));
    REQUIRE(is_available("wrr"));
    REQUIRE_FALSE(is_available("nope"));
    REQUIRE(make_scheduler("nope", pool({1})) == nullptr);
    REQUIRE(make_scheduler("wrr", pool({1}))->name() == "wrr");
}
