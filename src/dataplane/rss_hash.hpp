#pragma once
// The Toeplitz hash NICs use for RSS, over a client endpoint, in software.
//
// The owner core of a flow (flow_hash.hpp) is chosen with the same key and
// the same indirection table (RETA) dvsd programs into NICs that can hash on
// one endpoint only (rss_steering.hpp). Such a NIC then delivers a packet
// straight to the queue of the worker that owns its flow, inbound and NAT
// reply alike, and the handoff ring is not needed. Where the NIC cannot, the
// owner is the same function of the packet, so the ring still gets each
// packet to its owner: steering saves work, correctness never depends on it.
//
// Toeplitz is linear over GF(2): the hash of an input is the XOR of one key
// window per set input bit. Per input byte position a 256-entry table of
// those XORs is built at compile time, so hashing 6 bytes is 6 loads (6 KiB,
// L1-resident) instead of 48 bit steps.

#include <array>
#include <cstdint>

namespace dvs::dataplane {

// The 40-byte key of Microsoft's RSS specification (also many drivers'
// default); its published test vectors check rss_hash in the unit tests.
inline constexpr std::array<uint8_t, 40> kRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

// Indirection-table entries the owner choice uses: a NIC's RETA of any
// power-of-two size >= this picks entry (hash & (size-1)), whose low bits
// are (hash & (kRetaEntries-1)), so one mapping serves every such NIC.
inline constexpr uint32_t kRetaEntries = 128;

// The worker (= RX queue) that RETA entry `entry` (< kRetaEntries) names.
// Multiply-shift rather than modulo: no division per packet.
constexpr uint32_t worker_of_reta_entry(uint32_t entry, uint32_t n_workers) {
    return (entry * n_workers) / kRetaEntries;
}

namespace detail {

// The 32-bit key window starting at key bit `bit` (bit 0 = MSB of byte 0).
constexpr uint32_t key_window(uint32_t bit) {
    uint32_t w = 0;
    for (uint32_t i = 0; i < 32; ++i) {
        const uint32_t b = bit + i;
        const uint32_t v = (kRssKey[b / 8] >> (7 - b % 8)) & 1u;
        w = (w << 1) | v;
    }
    return w;
}

template <uint32_t Bytes>
struct ToeplitzTable {
    static_assert(Bytes * 8 + 32 <= kRssKey.size() * 8, "the key is too short for this input");
    uint32_t t[Bytes][256] = {};
    // Few constant-evaluation steps (clang stops at about a million): each
    // key window once, and each entry from the entry without its lowest bit.
    constexpr ToeplitzTable() {
        uint32_t window[Bytes * 8] = {};
        for (uint32_t bit = 0; bit < Bytes * 8; ++bit) window[bit] = key_window(bit);
        for (uint32_t pos = 0; pos < Bytes; ++pos) {
            for (uint32_t v = 1; v < 256; ++v) {
                uint32_t low = 0;  // index of v's lowest set bit, LSB = 0
                while (!(v & (1u << low))) ++low;
                t[pos][v] = t[pos][v & (v - 1)] ^ window[pos * 8 + (7 - low)];
            }
        }
    }
};

template <uint32_t Bytes>
inline constexpr ToeplitzTable<Bytes> kToeplitz{};

}  // namespace detail

// Toeplitz hash of `in` (bytes as on the wire), for inputs up to 36 bytes.
template <uint32_t Bytes>
constexpr uint32_t rss_hash(const uint8_t (&in)[Bytes]) {
    uint32_t h = 0;
    for (uint32_t i = 0; i < Bytes; ++i) h ^= detail::kToeplitz<Bytes>.t[i][in[i]];
    return h;
}

// The hash a NIC computes over an IPv4 endpoint alone (RSS with
// L3_SRC_ONLY|L4_SRC_ONLY on the source, or *_DST_ONLY on the destination):
// the address, then the port. ip and port in network byte order, as they
// sit in the header.
inline uint32_t rss_hash_endpoint4(uint32_t ip, uint16_t port) {
    const auto& t = detail::kToeplitz<6>.t;
    const uint8_t* a = reinterpret_cast<const uint8_t*>(&ip);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(&port);
    return t[0][a[0]] ^ t[1][a[1]] ^ t[2][a[2]] ^ t[3][a[3]] ^ t[4][p[0]] ^ t[5][p[1]];
}

}  // namespace dvs::dataplane
