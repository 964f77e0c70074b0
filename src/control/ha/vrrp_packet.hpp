#pragma once
// The VRRP version 3 advertisement (RFC 5798 section 5), IPv4 or IPv6:
//
//    0                   1                   2                   3
//   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//   |(rsvd) |     Max Adver Int     |          Checksum             |
//   |                    IPvX Address(es) (4 or 16 bytes each)      |
//
// One message carries addresses of one family, the family of the IP
// packet it travels in (an IPv4 and an IPv6 virtual router are separate
// instances, 5.1 / 5.2.9). The checksum covers a pseudo-header followed by
// the VRRP message (5.2.8): IPv4's (source, destination, zero, protocol
// 112, VRRP length) or IPv6's (RFC 8200 8.1: source, destination, 32-bit
// upper-layer length, three zero bytes, next header 112), so encoding and
// checking need the IP addresses the message travels with.
//
// Pure code: no Boost, no DPDK, no exceptions. Addresses are IpAddress
// (network byte order bytes); an IPv4 one sits in the packet as its first
// four bytes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/net_types.hpp"

namespace dvs::control {

inline constexpr uint8_t kIpProtoVrrp = 112;
inline constexpr uint8_t kVrrpVersion = 3;
inline constexpr uint8_t kVrrpTypeAdvert = 1;
inline constexpr uint8_t kVrrpTtl = 255;  // 5.1.1.3 / 5.1.2.3: TTL or hop limit, else discarded
inline constexpr size_t kVrrpHeaderLen = 8;
inline constexpr size_t kVrrpMaxAddresses = 255;            // the count field is one byte
inline constexpr uint16_t kVrrpMaxIntervalCentis = 0x0fff;  // 12 bits: 40.95 s
// 224.0.0.18 (5.1.1.2), network byte order on every host.
inline constexpr uint8_t kVrrpGroupBytes[4] = {224, 0, 0, 18};
uint32_t vrrp_group_address();
// The group of the family: 224.0.0.18 or ff02::12 (5.1.2.2).
IpAddress vrrp_group(AddressFamily family);
// An IPv4 address as the sockets hold it (network byte order) as IpAddress.
IpAddress ipv4_from_network(uint32_t network_order);

struct VrrpAdvert {
    uint8_t vrid = 0;
    uint8_t priority = 0;              // 0: the master is leaving; 255: address owner
    uint16_t max_advert_centis = 0;    // Max Adver Int, 12 bits, centiseconds
    std::vector<IpAddress> addresses;  // of the packet's family, in packet order
};

// Why a message was refused, checked in this order.
enum class VrrpDecodeError : uint8_t {
    kNone,
    kTooShort,        // shorter than the 8-byte header
    kBadVersion,      // not version 3
    kBadType,         // not an advertisement (type 1)
    kLengthMismatch,  // length is not 8 + 4 (IPv6: 16) x Count IPvX Addr
    kBadChecksum,     // pseudo-header + message do not sum to 0xffff
    kZeroInterval,    // Max Adver Int 0 would make Master_Down_Interval 0
};
const char* to_string(VrrpDecodeError e);

struct VrrpDecodeResult {
    VrrpDecodeError error = VrrpDecodeError::kNone;
    VrrpAdvert advert;  // complete only when ok()
    bool ok() const { return error == VrrpDecodeError::kNone; }
};

// Bytes of one address of `family` in the message.
constexpr size_t vrrp_address_len(AddressFamily family) {
    return family == AddressFamily::kIpv6 ? 16 : 4;
}
// Bytes of an advertisement carrying `count` addresses of `family`.
constexpr size_t vrrp_message_len(size_t count, AddressFamily family = AddressFamily::kIpv4) {
    return kVrrpHeaderLen + vrrp_address_len(family) * count;
}

// Writes `a` with its checksum for a packet from `src` to `dst` (one
// family). Returns the bytes written, or 0 when `out` is too small or `a`
// cannot be encoded (more than 255 addresses, an interval above 12 bits,
// an address of another family than `src`).
size_t vrrp_encode(const VrrpAdvert& a, const IpAddress& src, const IpAddress& dst,
                   std::span<uint8_t> out);

// The same into a new buffer (empty when `a` cannot be encoded).
std::vector<uint8_t> vrrp_encode(const VrrpAdvert& a, const IpAddress& src, const IpAddress& dst);

// Reads the VRRP message (the IP payload, exactly as long as the IP header
// says) that came from `src` to `dst`; the addresses are of their family.
VrrpDecodeResult vrrp_decode(std::span<const uint8_t> msg, const IpAddress& src,
                             const IpAddress& dst);

// The checksum field value for `msg` from `src` to `dst`, computed as if its
// own checksum field were zero.
uint16_t vrrp_checksum(std::span<const uint8_t> msg, const IpAddress& src, const IpAddress& dst);

// "10.0.3.2" or "fe80::1" (for logs and notices).
std::string vrrp_address_string(const IpAddress& address);

}  // namespace dvs::control
