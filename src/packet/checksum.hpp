#pragma once
// Internet checksum: full computation (for tests and for headers we build)
// and incremental update (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')) for the
// fields NAT rewrites. All values are taken and returned exactly as they sit
// in the packet (network byte order); the one's-complement sum is byte-order
// independent as long as both sides use the same order.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dvs::dataplane {

// One's-complement sum of `len` bytes, not folded, not inverted.
inline uint32_t csum_partial(const void* data, size_t len, uint32_t sum = 0) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (len >= 2) {
        uint16_t w;
        std::memcpy(&w, p, 2);
        sum += w;
        p += 2;
        len -= 2;
    }
    if (len) {
        uint16_t w = 0;
        std::memcpy(&w, p, 1);  // odd byte padded with zero at its wire position
        sum += w;
    }
    return sum;
}

// The 16-bit one's-complement sum of the two halves of `sum`: the high
// half of sum + (sum rotated by 16) is high + low plus the carry out of
// low + low' (the end-around carry), in one add and one rotate.
inline uint16_t csum_fold(uint32_t sum) {
    return static_cast<uint16_t>((sum + ((sum << 16) | (sum >> 16))) >> 16);
}

// Folded one's-complement sum of a 20-byte IPv4 header (no options): two
// 64-bit words and a 32-bit one, each added with its end-around carry
// (RFC 1071 2(B): the sum may be taken in any word size), then folded.
// 0xffff means the header checksum is right.
inline uint16_t ipv4_header_sum20(const void* hdr) {
    const auto* p = static_cast<const uint8_t*>(hdr);
    uint64_t a, b;
    uint32_t c;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    std::memcpy(&c, p + 16, 4);
    uint64_t s = a + b;
    s += s < a;  // the carry out of bit 63 comes back in at bit 0
    s += c;
    s += s < c;
    uint32_t t = static_cast<uint32_t>(s);
    const uint32_t hi = static_cast<uint32_t>(s >> 32);
    t += hi;
    t += t < hi;
    return csum_fold(t);
}

// Folded one's-complement sum of an IPv4 header (`ihl` bytes, a multiple of
// 4 from 20 to 60), 32 bits at a time: the per-packet check in parse_frame.
// 0xffff means the header checksum is right.
inline uint16_t ipv4_header_sum(const void* hdr, uint32_t ihl) {
    if (ihl == 20) return ipv4_header_sum20(hdr);
    const auto* p = static_cast<const uint8_t*>(hdr);
    uint64_t sum = 0;
    for (uint32_t off = 0; off < ihl; off += 4) {
        uint32_t w;
        std::memcpy(&w, p + off, 4);
        sum += w;
    }
    sum = (sum & 0xffffffff) + (sum >> 32);
    sum = (sum & 0xffffffff) + (sum >> 32);
    return csum_fold(static_cast<uint32_t>(sum & 0xffff) + static_cast<uint32_t>(sum >> 16));
}

// Checksum field value for `len` bytes (field itself must be zero or skipped).
inline uint16_t csum_compute(const void* data, size_t len, uint32_t sum = 0) {
    return static_cast<uint16_t>(~csum_fold(csum_partial(data, len, sum)));
}

// Incremental update for a 16-bit field changing from old_v to new_v.
inline uint16_t csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v) {
    uint32_t sum = static_cast<uint16_t>(~csum);
    sum += static_cast<uint16_t>(~old_v);
    sum += new_v;
    return static_cast<uint16_t>(~csum_fold(sum));
}

// Incremental update for a 32-bit field (an IPv4 address).
inline uint16_t csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v) {
    uint32_t sum = static_cast<uint16_t>(~csum);
    sum += static_cast<uint16_t>(~old_v & 0xffff) + static_cast<uint16_t>(~old_v >> 16);
    sum += (new_v & 0xffff) + (new_v >> 16);
    return static_cast<uint16_t>(~csum_fold(sum));
}

// Several fields changing at once (NAT: TTL and an address in the IP
// header, the address and a port in the L4 one): the term ~m + m' of each
// (RFC 1624, eqn. 3) summed first, then one fold per checksum. A 32-bit
// field is one term: sums of 32-bit words fold to the 16-bit sum (RFC 1071,
// 2(B)). Add at most a few thousand terms before csum_adjust.
inline uint64_t csum_delta32(uint32_t old_v, uint32_t new_v) { return uint64_t{~old_v} + new_v; }
inline uint64_t csum_delta16(uint16_t old_v, uint16_t new_v) {
    return uint64_t{static_cast<uint16_t>(~old_v)} + new_v;
}
inline uint16_t csum_adjust(uint16_t csum, uint64_t delta) {
    const uint64_t sum = static_cast<uint16_t>(~csum) + delta;
    uint32_t folded;  // the two 32-bit halves, with the end-around carry
    const bool carry = __builtin_add_overflow(static_cast<uint32_t>(sum),
                                              static_cast<uint32_t>(sum >> 32), &folded);
    return static_cast<uint16_t>(~csum_fold(folded + carry));
}

}  // namespace dvs::dataplane
