#pragma once
// The vocabulary dvsd's configuration, the management protocol and dvsadm
// share: protocols, forwarding methods, health-check kinds, IPv4 prefixes and
// MAC addresses. Plain values, no behaviour beyond arithmetic; their text
// forms live in common/text_codec.hpp, once.

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

using MacAddress = std::array<uint8_t, 6>;

}  // namespace dvs
