#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "packet/checksum.hpp"
#include "packet_builder.hpp"

using namespace dvs::dataplane;
using dvs::test::reference_checksum;

TEST_CASE("csum_compute matches an independent RFC 1071 implementation", "[checksum]") {
    std::mt19937 rng(1);
    for (int round = 0; round < 2000; ++round) {
        std::vector<uint8_t> buf(1 + rng() % 1500);
        for (auto& b : buf) b = static_cast<uint8_t>(rng());
        const uint16_t ours = be16(csum_compute(buf.data(), buf.size()));
        REQUIRE(ours == reference_checksum(buf.data(), buf.size()));
    }
}

TEST_CASE("ipv4_header_sum (32 bits at a time) equals the 16-bit sum", "[checksum]") {
    std::mt19937 rng(2);
    for (int round = 0; round < 20000; ++round) {
        const uint32_t ihl = 20 + 4 * (rng() % 11);  // every header length, 20..60
        std::vector<uint8_t> hdr(ihl);
        // All-ones words too: they are where carries pile up.
        const bool ones = round % 7 == 0;
        for (auto& b : hdr) b = ones ? 0xff : static_cast<uint8_t>(rng());
        REQUIRE(ipv4_header_sum(hdr.data(), ihl) == csum_fold(csum_partial(hdr.data(), ihl)));
        // A header with its checksum filled in sums to 0xffff.
        hdr[10] = hdr[11] = 0;
        const uint16_t c = csum_compute(hdr.data(), ihl);
        std::memcpy(&hdr[10], &c, 2);
        REQUIRE(ipv4_header_sum(hdr.data(), ihl) == 0xffff);
    }
}

TEST_CASE("incremental 16- and 32-bit updates equal a full recompute", "[checksum]") {
    std::mt19937 rng(2);
    for (int round = 0; round < 5000; ++round) {
        // A random "header" with its checksum at offset 10 (as in IPv4).
        std::vector<uint8_t> buf(20 + 4 * (rng() % 10));
        for (auto& b : buf) b = static_cast<uint8_t>(rng());
        buf[10] = buf[11] = 0;
        uint16_t csum = csum_compute(buf.data(), buf.size());
        std::memcpy(&buf[10], &csum, 2);

        const size_t off32 = 12 + 4 * (rng() % ((buf.size() - 12) / 4));
        uint32_t old32, new32 = static_cast<uint32_t>(rng());
        std::memcpy(&old32, &buf[off32], 4);
        std::memcpy(&buf[off32], &new32, 4);
        csum = csum_update32(csum, old32, new32);

        const size_t off16 = 2 * (rng() % 5);  // words 0..4, never the checksum itself
        uint16_t old16, new16 = static_cast<uint16_t>(rng());
        std::memcpy(&old16, &buf[off16], 2);
        std::memcpy(&buf[off16], &new16, 2);
        csum = csum_update16(csum, old16, new16);
        std::memcpy(&buf[10], &csum, 2);

        // The updated header must verify from scratch.
        REQUIRE(reference_checksum(buf.data(), buf.size()) == 0);
    }
}

TEST_CASE("csum_update16 with no change keeps the checksum valid", "[checksum]") {
    uint8_t hdr[20] = {0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    uint16_t c = csum_compute(hdr, sizeof hdr);
    c = csum_update16(c, 0x1234, 0x1234);
    std::memcpy(&hdr[10], &c, 2);
    REQUIRE(reference_checksum(hdr, sizeof hdr) == 0);
}

TEST_CASE("csum_fold (add and rotate) equals two rounds of folding", "[checksum]") {
    const auto two_rounds = [](uint32_t sum) {
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        return static_cast<uint16_t>(sum);
    };
    std::mt19937 rng(6);
    for (uint32_t edge : {0u, 1u, 0xffffu, 0x10000u, 0x1fffeu, 0x8000'8000u, 0xffff'0001u,
                          0xffff'ffffu, 0xfffe'ffffu, 0x0001'ffffu}) {
        REQUIRE(csum_fold(edge) == two_rounds(edge));
    }
    for (int round = 0; round < 200000; ++round) {
        const uint32_t v = static_cast<uint32_t>(rng());
        REQUIRE(csum_fold(v) == two_rounds(v));
    }
}

TEST_CASE("csum_adjust over summed deltas equals a full recompute", "[checksum]") {
    std::mt19937 rng(7);
    for (int round = 0; round < 20000; ++round) {
        std::vector<uint8_t> buf(20 + 4 * (rng() % 10));
        // All-ones headers too: where carries pile up.
        const bool ones = round % 5 == 0;
        for (auto& b : buf) b = ones ? 0xff : static_cast<uint8_t>(rng());
        buf[10] = buf[11] = 0;
        uint16_t csum = csum_compute(buf.data(), buf.size());
        std::memcpy(&buf[10], &csum, 2);
        // Two 32-bit fields and one 16-bit field change: one adjustment.
        uint64_t delta = 0;
        for (size_t off32 : {size_t{12}, size_t{16}}) {
            uint32_t old32, new32 = ones ? 0xffffffffu : static_cast<uint32_t>(rng());
            std::memcpy(&old32, &buf[off32], 4);
            std::memcpy(&buf[off32], &new32, 4);
            delta += csum_delta32(old32, new32);
        }
        uint16_t old16, new16 = static_cast<uint16_t>(rng());
        std::memcpy(&old16, &buf[8], 2);
        std::memcpy(&buf[8], &new16, 2);
        delta += csum_delta16(old16, new16);
        csum = csum_adjust(csum, delta);
        std::memcpy(&buf[10], &csum, 2);
        REQUIRE(reference_checksum(buf.data(), buf.size()) == 0);
    }
}
