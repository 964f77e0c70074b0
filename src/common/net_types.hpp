#pragma once
// The vocabulary dvsd's configuration, the management protocol and dvsadm
// share: protocols, forwarding methods, health-check kinds, IPv4 prefixes,
// family-aware addresses and prefixes (IPv4 or IPv6) and MAC addresses. Plain values, no behaviour
// beyond arithmetic; their text forms live in common/text_codec.hpp, once.

#include <array>
#include <cstdint>

namespace dvs {

enum class Protocol : uint8_t { kTcp = 6, kUdp = 17 };
enum class ForwardMethod : uint8_t { kNat, kDr, kTun };
enum class CheckType : uint8_t { kNone, kTcp, kHttp, kUdp, kPing, kExec };
// What a failed health check does to its real server: weight 0 (inhibit,
// keepalived's inhibit_on_failure) or out of the pool (remove).
enum class FailureAction : uint8_t { kInhibit, kRemove };

struct Ipv4Prefix {
    uint32_t address = 0;  // host byte order, host bits may be set (port addresses keep them)
    uint8_t length = 0;    // 0..32

    uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
    bool contains(uint32_t ip) const { return (ip & mask()) == (address & mask()); }
    bool operator==(const Ipv4Prefix&) const = default;
};

enum class AddressFamily : uint8_t { kIpv4 = 4, kIpv6 = 6 };

// An IPv4 or IPv6 address for the configuration, the management protocol and
// dvsadm (not the dataplane, which keeps its v4 keys 32 bits wide). The bytes
// are in network order, as on the wire; an IPv4 address uses the first four
// and leaves the rest zero, so equality and ordering are plain byte compares.
struct IpAddress {
    AddressFamily family = AddressFamily::kIpv4;
    std::array<uint8_t, 16> bytes{};

    static IpAddress v4(uint32_t host_order) {
        IpAddress a;
        a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
        a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
        a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
        a.bytes[3] = static_cast<uint8_t>(host_order);
        return a;
    }
    static IpAddress v6(const std::array<uint8_t, 16>& network_order) {
        return {AddressFamily::kIpv6, network_order};
    }
    bool is_v4() const { return family == AddressFamily::kIpv4; }
    bool is_v6() const { return family == AddressFamily::kIpv6; }
    // The IPv4 address in host order; meaningful only when is_v4().
    uint32_t to_v4() const {
        return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
               bytes[3];
    }
    unsigned bits() const { return is_v4() ? 32 : 128; }
    bool is_unspecified() const {
        for (unsigned i = 0; i < bits() / 8; ++i) {
            if (bytes[i] != 0) return false;
        }
        return true;
    }
    bool operator==(const IpAddress&) const = default;
    auto operator<=>(const IpAddress&) const = default;
};

// An address and a prefix length (0..32 or 0..128 by family). Host bits may
// be set: a port's address is written with its network's length.
struct IpPrefix {
    IpAddress address;
    uint8_t length = 0;

    static IpPrefix v4(const Ipv4Prefix& p) { return {IpAddress::v4(p.address), p.length}; }
    Ipv4Prefix to_v4() const { return {address.to_v4(), length}; }
    bool is_v4() const { return address.is_v4(); }
    bool is_v6() const { return address.is_v6(); }
    // The network: the address with its host bits cleared.
    IpAddress network() const {
        IpAddress n = address;
        for (unsigned i = 0; i < 16; ++i) {
            const unsigned first_bit = i * 8;
            if (first_bit >= length) {
                n.bytes[i] = 0;
            } else if (first_bit + 8 > length) {
                n.bytes[i] &= static_cast<uint8_t>(0xff << (8 - (length - first_bit)));
            }
        }
        return n;
    }
    // An address of another family is never inside.
    bool contains(const IpAddress& ip) const {
        if (ip.family != address.family) return false;
        return IpPrefix{ip, length}.network() == network();
    }
    bool operator==(const IpPrefix&) const = default;
};

using MacAddress = std::array<uint8_t, 6>;

}  // namespace dvs
