#pragma once
// Shared by the libFuzzer targets: an invariant check that survives NDEBUG
// (assert() would vanish in an optimised build) and a few packet helpers.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "packet/checksum.hpp"
#include "packet/packet_view.hpp"
#include "packet/wire.hpp"

// libFuzzer turns abort() into a crash report with the input saved.
#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)

namespace dvs::fuzz {

using namespace dvs::dataplane;

// Reads fixed-size values off the front of the input; zeros once it runs out.
class Input {
public:
    Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    template <typename T>
    T take() {
        T v{};
        const size_t n = size_ < sizeof(T) ? size_ : sizeof(T);
        std::memcpy(&v, data_, n);
        data_ += n;
        size_ -= n;
        return v;
    }
    // The rest, as a buffer of exactly its size, so ASan sees any access
    // past its end.
    std::vector<uint8_t> rest() const { return {data_, data_ + size_}; }

private:
    const uint8_t* data_;
    size_t size_;
};

inline uint32_t ihl_of(const Ipv4Hdr& ip) { return (ip.version_ihl & 0x0f) * 4u; }

inline bool ip_checksum_ok(const Ipv4Hdr& ip) {
    return csum_fold(csum_partial(&ip, ihl_of(ip))) == 0xffff;
}

// Sets a correct IP header checksum if the frame has room for the header IHL
// claims, so the fuzzer gets past parse_frame's checksum test.
inline void fix_ip_checksum(std::vector<uint8_t>& frame) {
    if (frame.size() < sizeof(EthHdr) + sizeof(Ipv4Hdr)) return;
    auto* ip = reinterpret_cast<Ipv4Hdr*>(frame.data() + sizeof(EthHdr));
    const uint32_t ihl = ihl_of(*ip);
    if (ihl < sizeof(Ipv4Hdr) || sizeof(EthHdr) + ihl > frame.size()) return;
    ip->checksum = 0;
    ip->checksum = csum_compute(ip, ihl);
}

// Pseudo-header sum for an L4 checksum over `len` bytes.
inline uint32_t pseudo_sum(const Ipv4Hdr& ip, uint8_t proto, uint16_t len) {
    uint32_t sum = csum_partial(&ip.src, 4);
    sum = csum_partial(&ip.dst, 4, sum);
    sum += be16(proto);
    sum += be16(len);
    return sum;
}

// Bytes a TCP/UDP checksum covers: the TCP segment, or UDP's own length.
inline uint16_t l4_covered(const PacketView& v) {
    return v.proto == kIpProtoUdp ? be16(v.udp()->length) : v.l4_len;
}

inline bool l4_checksum_ok(const PacketView& v) {
    if (v.proto == kIpProtoUdp && v.udp()->checksum == 0) return true;  // none
    const uint16_t len = l4_covered(v);
    return csum_fold(csum_partial(v.l4, len, pseudo_sum(*v.ip, v.proto, len))) == 0xffff;
}

inline void fix_l4_checksum(PacketView& v) {
    const uint16_t len = l4_covered(v);
    uint16_t* field = v.proto == kIpProtoTcp ? &v.tcp()->checksum : &v.udp()->checksum;
    *field = 0;
    uint16_t c = csum_compute(v.l4, len, pseudo_sum(*v.ip, v.proto, len));
    if (v.proto == kIpProtoUdp && c == 0) c = 0xffff;  // 0 means "none" in UDP
    *field = c;
}

// Every byte of `after` equals `before` outside the listed [offset, offset+len)
// ranges: a rewrite touched nothing it should not have.
struct Range {
    size_t off;
    size_t len;
};
inline bool same_outside(const std::vector<uint8_t>& before, const std::vector<uint8_t>& after,
                         std::initializer_list<Range> allowed) {
    if (before.size() != after.size()) return false;
    for (size_t i = 0; i < before.size(); ++i) {
        bool ok = before[i] == after[i];
        for (const Range& r : allowed) ok = ok || (i >= r.off && i < r.off + r.len);
        if (!ok) return false;
    }
    return true;
}

}  // namespace dvs::fuzz
