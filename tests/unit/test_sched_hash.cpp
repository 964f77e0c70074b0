// sh, dh and mh: table layout, stability, quiesced servers, port flag.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "packet/flow_key.hpp"
#include "sched/dh.hpp"
#include "sched/mh.hpp"
#include "sched/registry.hpp"
#include "sched/sh.hpp"

using namespace dvs::sched;

namespace {

std::vector<Backend> pool(std::initializer_list<uint32_t> weights) {
    std::vector<Backend> p;
    for (uint32_t w : weights) p.push_back({w});
    return p;
}

SchedulerOptions opts(bool fallback, bool hash_port) {
    SchedulerOptions o;
    o.fallback = fallback;
    o.hash_port = hash_port;
    return o;
}

FlowInfo client(uint32_t host_ip, uint16_t host_port = 40000) {
    return FlowInfo{htonl(host_ip), htons(host_port), htonl(0x0a000064), htons(80), {}};
}

FlowInfo to_vip(uint32_t host_vip, uint16_t host_vport = 80) {
    return FlowInfo{htonl(0xc0a80001), htons(12345), htonl(host_vip), htons(host_vport), {}};
}

}  // namespace

TEST_CASE("sh: buckets dealt in pool order, weight turns each, as ip_vs_sh_reassign", "[sched]") {
    SourceHash s(pool({2, 1, 3}), {});
    const int32_t expected[] = {0, 0, 1, 2, 2, 2, 0, 0, 1, 2, 2, 2};
    for (uint32_t b = 0; b < 12; ++b) CHECK(s.table().owner(b) == expected[b]);
    // 256 = 42 rounds of 6 + 4: 0,0,1,2.
    int count[3] = {};
    for (uint32_t b = 0; b < 256; ++b) ++count[s.table().owner(b)];
    CHECK(count[0] == 86);
    CHECK(count[1] == 43);
    CHECK(count[2] == 127);
    // A quiesced server keeps one bucket per round, as in IPVS.
    SourceHash q(pool({1, 0, 2}), {});
    const int32_t expected_q[] = {0, 1, 2, 2, 0, 1, 2, 2};
    for (uint32_t b = 0; b < 8; ++b) CHECK(q.table().owner(b) == expected_q[b]);
}

TEST_CASE("sh: the bucket is IPVS's hash_32(ntohs(port) + ntohl(addr), 8)", "[sched]") {
    // Values computed by hand from include/linux/hash.h.
    CHECK(SourceHash::bucket(htonl(0xc0a8010a), htons(40000), false) == 248);
    CHECK(SourceHash::bucket(htonl(0xc0a8010a), htons(40000), true) == 156);
    CHECK(SourceHash::bucket(htonl(0x0a000001), 0, false) == 39);
}

TEST_CASE("sh: the same client maps to the same server in every instance", "[sched]") {
    const auto p = pool({3, 1, 2, 5});
    auto a = make_scheduler("sh", p);
    auto b = make_scheduler("sh", p);
    std::mt19937 rng(7);
    std::set<int32_t> seen;
    for (int i = 0; i < 10000; ++i) {
        const FlowInfo f = client(rng(), static_cast<uint16_t>(rng()));
        const int32_t x = a->pick(f);
        REQUIRE(x == b->pick(f));
        REQUIRE(x == a->pick(f));
        seen.insert(x);
    }
    CHECK(seen.size() == 4);
}

TEST_CASE("sh: quiesced bucket gives none, or with fallback IPVS's next available", "[sched]") {
    const auto p = pool({1, 0, 1});
    SourceHash plain(p, opts(false, false));
    SourceHash fb(p, opts(true, false));
    std::mt19937 rng(11);
    int quiesced_hits = 0;
    for (int i = 0; i < 10000; ++i) {
        const FlowInfo f = client(rng());
        const uint32_t h = SourceHash::bucket(f.client_ip, f.client_port, false);
        const int32_t owner = plain.table().owner(h);
        const int32_t with_fb = fb.pick(f);
        REQUIRE(with_fb != kNoBackend);
        REQUIRE(with_fb != 1);
        if (owner == 1) {
            ++quiesced_hits;
            REQUIRE(plain.pick(f) == kNoBackend);
            // ip_vs_sh_get_fallback(): buckets 2h, 2h + 1, ... (mod 256).
            int32_t expected = kNoBackend;
            for (uint32_t k = 0; k < 256 && expected == kNoBackend; ++k) {
                const int32_t d = plain.table().owner((2 * h + k) & 255);
                if (d != 1) expected = d;
            }
            REQUIRE(with_fb == expected);
        } else {
            REQUIRE(plain.pick(f) == owner);
            REQUIRE(with_fb == owner);  // fallback changes nothing else
        }
    }
    CHECK(quiesced_hits > 2000);  // about a third of the buckets
}

TEST_CASE("sh: the port counts only with hash_port", "[sched]") {
    const auto p = pool({1, 1, 1, 1, 1, 1, 1, 1});
    SourceHash by_ip(p, opts(false, false));
    SourceHash by_port(p, opts(false, true));
    std::set<int32_t> ip_only, with_port;
    for (uint16_t port = 1024; port < 1124; ++port) {
        ip_only.insert(by_ip.pick(client(0x0a010203, port)));
        with_port.insert(by_port.pick(client(0x0a010203, port)));
    }
    CHECK(ip_only.size() == 1);
    CHECK(with_port.size() == 8);
    // Per port, still stable.
    CHECK(by_port.pick(client(0x0a010203, 5000)) == by_port.pick(client(0x0a010203, 5000)));
}

TEST_CASE("dh: keyed by the VIP, one bucket per server whatever the weight", "[sched]") {
    DestinationHash d(pool({5, 1, 2}), {});
    for (uint32_t b = 0; b < 256; ++b) REQUIRE(d.table().owner(b) == static_cast<int32_t>(b % 3));
    // The client does not matter; the VIP does.
    std::mt19937 rng(3);
    const int32_t first = d.pick(to_vip(0x0a000064));
    std::set<int32_t> by_vip;
    for (int i = 0; i < 1000; ++i) {
        FlowInfo f = to_vip(0x0a000064);
        f.client_ip = rng();
        f.client_port = static_cast<uint16_t>(rng());
        REQUIRE(d.pick(f) == first);
        by_vip.insert(d.pick(to_vip(rng())));
    }
    CHECK(by_vip.size() == 3);
    CHECK(DestinationHash::bucket(htonl(0x0a000001), 0, false) == 39);  // as sh with port 0
}

TEST_CASE("dh: quiesced, fallback and hash_port", "[sched]") {
    const auto p = pool({1, 0, 1});
    DestinationHash plain(p, opts(false, false));
    DestinationHash fb(p, opts(true, false));
    DestinationHash ports(pool({1, 1, 1, 1}), opts(false, true));
    int none = 0;
    std::set<int32_t> per_port;
    for (uint32_t vip = 0x0a000000; vip < 0x0a000400; ++vip) {
        const int32_t x = plain.pick(to_vip(vip));
        if (x == kNoBackend) ++none;
        const int32_t y = fb.pick(to_vip(vip));
        REQUIRE(y != kNoBackend);
        REQUIRE(y != 1);
        if (x != kNoBackend) REQUIRE(y == x);
    }
    for (uint16_t port = 1; port <= 100; ++port) {
        per_port.insert(ports.pick(to_vip(0x0a000001, port)));
    }
    CHECK(none > 200);
    CHECK(per_port.size() == 4);
}

TEST_CASE("mh: table size must be prime, not below the pool, bounded", "[sched]") {
    CHECK(MaglevHash::table_size_error(65537, 10).empty());
    CHECK(MaglevHash::table_size_error(251, 251).empty());
    CHECK(MaglevHash::table_size_error(65536, 10) == "mh table size 65536 is not prime");
    CHECK(MaglevHash::table_size_error(1, 0) == "mh table size 1 is not prime");
    CHECK(MaglevHash::table_size_error(7, 10) == "mh table size 7 is smaller than the 10 servers");
    CHECK_FALSE(MaglevHash::table_size_error(16777259, 10).empty());  // prime, > 2^24
    SchedulerOptions o;
    o.mh_table_size = 100;
    REQUIRE_THROWS_AS(make_scheduler("mh", pool({1}), o), std::invalid_argument);
    o.mh_table_size = 2;
    REQUIRE_THROWS_AS(make_scheduler("mh", pool({1, 1, 1}), o), std::invalid_argument);
    o.mh_table_size = 3;
    REQUIRE_NOTHROW(make_scheduler("mh", pool({1, 1, 1}), o));
}

TEST_CASE("mh: every slot filled, weight 0 owns none, small tables balanced", "[sched]") {
    SchedulerOptions o;
    o.mh_table_size = 13;
    MaglevHash m(pool({1, 0, 1, 1}), o);
    int count[4] = {};
    for (uint16_t s : m.table()) {
        REQUIRE(s < 4);
        ++count[s];
    }
    CHECK(count[1] == 0);
    CHECK(count[0] + count[2] + count[3] == 13);
    for (int i : {0, 2, 3}) CHECK((count[i] == 4 || count[i] == 5));
    // No server with weight: every slot empty, every pick none.
    MaglevHash empty(pool({0, 0}), o);
    for (uint16_t s : empty.table()) REQUIRE(s == MaglevHash::kEmpty);
    CHECK(empty.pick(client(1)) == kNoBackend);
}

TEST_CASE("mh: stable per client across instances; the port only with hash_port", "[sched]") {
    std::vector<Backend> p;
    for (uint64_t k = 1; k <= 10; ++k) p.push_back({1, k * 0x10001});
    MaglevHash a(p, {});
    MaglevHash b(p, {});
    MaglevHash fb(p, opts(true, false));
    MaglevHash by_port(p, opts(false, true));
    std::mt19937 rng(5);
    for (int i = 0; i < 10000; ++i) {
        const FlowInfo f = client(rng(), static_cast<uint16_t>(rng()));
        const int32_t x = a.pick(f);
        REQUIRE(x >= 0);
        REQUIRE(x == b.pick(f));
        REQUIRE(x == fb.pick(f));  // no quiesced slots: fallback changes nothing
    }
    std::set<int32_t> ip_only, with_port;
    for (uint16_t port = 1024; port < 1124; ++port) {
        ip_only.insert(a.pick(client(0x0a010203, port)));
        with_port.insert(by_port.pick(client(0x0a010203, port)));
    }
    CHECK(ip_only.size() == 1);
    CHECK(with_port.size() == 10);
}

TEST_CASE("mh: a key of 0 stands for the pool index", "[sched]") {
    std::vector<Backend> implicit = pool({1, 1, 1});
    std::vector<Backend> explicit_keys = {{1, 0}, {1, 1}, {1, 2}};
    MaglevHash a(implicit, {});
    MaglevHash b(explicit_keys, {});
    REQUIRE(std::equal(a.table().begin(), a.table().end(), b.table().begin()));
}

// IPv6 clients reach sh, dh and mh folded to 32 bits (the four words
// XORed, as IPVS's ip_vs_sh_hashkey does): every part of the address counts.
TEST_CASE("sh, dh and mh hash IPv6 addresses through the fold", "[sched][hash][ipv6]") {
    dvs::dataplane::Ip6 a;
    const uint8_t bytes[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
    std::memcpy(a.b, bytes, 16);
    CHECK(a.fold() == htonl(0x20010db8u ^ 0x0au));
    // The same address is the same fold; a change in any word moves it.
    for (int i = 0; i < 16; ++i) {
        dvs::dataplane::Ip6 b = a;
        b.b[i] ^= 0x40;
        CHECK(b.fold() != a.fold());
    }
    // Spread: 4,096 clients of one /64 (the low 64 bits random, as SLAAC
    // privacy addresses are) over three equal servers: each near a third.
    for (const char* name : {"sh", "mh"}) {
        auto s = make_scheduler(name, pool({1, 1, 1}), {});
        std::mt19937_64 rng(15);
        int hits[3] = {};
        for (int i = 0; i < 4096; ++i) {
            dvs::dataplane::Ip6 c = a;
            const uint64_t low = rng();
            std::memcpy(c.b + 8, &low, 8);
            const int32_t pick = s->pick(FlowInfo{c.fold(), htons(40000), a.fold(), htons(80), {}});
            REQUIRE(pick >= 0);
            ++hits[pick];
        }
        INFO(name << ": " << hits[0] << " " << hits[1] << " " << hits[2]);
        for (int h : hits) CHECK((h > 1100 && h < 1650));
    }
    // dh hashes the VIP: one IPv6 VIP always goes to one server.
    auto d = make_scheduler("dh", pool({1, 1, 1}), {});
    const int32_t first = d->pick(FlowInfo{htonl(1), 1, a.fold(), htons(80), {}});
    for (uint32_t i = 2; i < 50; ++i) {
        CHECK(d->pick(FlowInfo{htonl(i), 1, a.fold(), htons(80), {}}) == first);
    }
}
