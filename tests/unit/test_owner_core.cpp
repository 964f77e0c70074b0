#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "dataplane/flow_hash.hpp"
#include "packet/wire.hpp"

using namespace dvs::dataplane;

TEST_CASE("owner core depends only on the client endpoint and is in range", "[owner]") {
    std::mt19937 rng(5);
    for (uint32_t workers : {1u, 2u, 3u, 8u, 32u}) {
        for (int i = 0; i < 10000; ++i) {
            const uint32_t ip = static_cast<uint32_t>(rng());
            const uint16_t port = static_cast<uint16_t>(rng());
            const uint32_t o = owner_core(ip, port, workers);
            REQUIRE(o < workers);
            REQUIRE(owner_core(ip, port, workers) == o);  // deterministic
        }
    }
}

TEST_CASE("owner core spreads client ports of one address evenly", "[owner]") {
    // One client host opening many connections (the usual benchmark and test
    // shape) must still use every worker.
    for (uint32_t workers : {2u, 4u, 8u}) {
        std::vector<uint32_t> hits(workers);
        const uint32_t ip = be32(0x0a000102);
        const uint32_t n = 60000;
        for (uint32_t p = 1024; p < 1024 + n; ++p) {
            ++hits[owner_core(ip, be16(static_cast<uint16_t>(p)), workers)];
        }
        for (uint32_t h : hits) {
            REQUIRE(h > n / workers * 0.9);
            REQUIRE(h < n / workers * 1.1);
        }
    }
}
