#pragma once
// The identity of a packet's flow as seen on the wire: what the connection
// table is keyed by and what ICMP errors quote.

#include <cstddef>
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

    // Two words and a byte, not five fields one by one: the addresses are
    // adjacent, and so are the ports (the conn table compares keys per
    // packet). Branch-free, and blind to the padding.
    bool operator==(const FlowKey& o) const {
        return ((addresses() ^ o.addresses()) | (ports() ^ o.ports()) |
                static_cast<uint8_t>(proto ^ o.proto)) == 0;
    }
    // The key of a packet: `addresses` points at its source and destination
    // (8 bytes, as in the IPv4 header), `ports` at its two ports (4 bytes,
    // as in TCP and UDP and in PacketView). Copied as two words, so that
    // the hash's word loads below are forwarded from two stores of the
    // same size (five narrower stores made them wait for the cache).
    static FlowKey of(const void* addresses, const void* ports, uint8_t proto) {
        FlowKey k;
        std::memcpy(reinterpret_cast<char*>(&k) + offsetof(FlowKey, src_ip), addresses, 8);
        std::memcpy(reinterpret_cast<char*>(&k) + offsetof(FlowKey, src_port), ports, 4);
        k.proto = proto;
        return k;
    }
    // src_ip and dst_ip as they sit in memory (src_ip in the low half on a
    // little-endian host), and the same for the ports.
    uint64_t addresses() const {
        uint64_t w;
        std::memcpy(&w, reinterpret_cast<const char*>(this) + offsetof(FlowKey, src_ip), 8);
        return w;
    }
    uint32_t ports() const {
        uint32_t w;
        std::memcpy(&w, reinterpret_cast<const char*>(this) + offsetof(FlowKey, src_port), 4);
        return w;
    }
};
static_assert(offsetof(FlowKey, dst_ip) == offsetof(FlowKey, src_ip) + 4 &&
              offsetof(FlowKey, dst_port) == offsetof(FlowKey, src_port) + 2);

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
