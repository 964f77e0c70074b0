#pragma once
// The identity of a packet's flow as seen on the wire: what the connection
// table is keyed by and what ICMP errors quote.

#include <cstdint>
#include <cstring>

namespace dvs::dataplane {

// Identity of a packet's flow as seen on the wire (network byte order).
struct FlowKey {
    uint32_t src_ip = 0;
    uint32_t dst_ip = 0;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint8_t proto = 0;

    bool operator==(const FlowKey&) const = default;
};

// An IPv6 address as 16 bytes in network order (the dataplane's value type:
// copied, compared, hashed; never parsed here).
struct Ip6 {
    uint8_t b[16] = {};

    static Ip6 from(const uint8_t* p) {
        Ip6 a;
        std::memcpy(a.b, p, 16);
        return a;
    }
    bool operator==(const Ip6& o) const { return std::memcmp(b, o.b, 16) == 0; }
    bool is_unspecified() const { return *this == Ip6{}; }
    // The four 32-bit words XORed (as IPVS folds an IPv6 address for
    // sh/dh: ip_vs_sh_hashkey), in network order like an IPv4 address.
    uint32_t fold() const {
        uint32_t w[4];
        std::memcpy(w, b, 16);
        return w[0] ^ w[1] ^ w[2] ^ w[3];
    }
    // The first `prefix` bits kept, the rest cleared (a persistence
    // template's client, ipvsadm -M for IPv6); prefix above 128 keeps all.
    Ip6 masked(unsigned prefix) const {
        Ip6 out;
        const unsigned whole = prefix < 128 ? prefix / 8 : 16;
        std::memcpy(out.b, b, whole);
        if (whole < 16 && prefix % 8 != 0) {
            out.b[whole] = static_cast<uint8_t>(b[whole] & (0xff << (8 - prefix % 8)));
        }
        return out;
    }
};

// The IPv6 flow identity (the IPv6 connection table's key).
struct FlowKey6 {
    Ip6 src_ip;
    Ip6 dst_ip;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint8_t proto = 0;

    bool operator==(const FlowKey6&) const = default;
};

}  // namespace dvs::dataplane
