#pragma once
// The VRRP version 3 advertisement (RFC 5798 section 5), IPv4 only:
//
//    0                   1                   2                   3
//   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//   |(rsvd) |     Max Adver Int     |          Checksum             |
//   |                       IPv4 Address(es)                        |
//
// The checksum covers an IPv4 pseudo-header (source, destination, zero,
// protocol 112, VRRP length) followed by the VRRP message (5.2.8), so
// encoding and checking need the IP addresses the message travels with.
//
// Pure code: no Boost, no DPDK, no exceptions. Addresses are IPv4 in
// network byte order, as they sit in the packet.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dvs::control {

inline constexpr uint8_t kIpProtoVrrp = 112;
inline constexpr uint8_t kVrrpVersion = 3;
inline constexpr uint8_t kVrrpTypeAdvert = 1;
inline constexpr uint8_t kVrrpTtl = 255;  // 5.1.1.3: anything else is discarded
inline constexpr size_t kVrrpHeaderLen = 8;
inline constexpr size_t kVrrpMaxAddresses = 255;            // the count field is one byte
inline constexpr uint16_t kVrrpMaxIntervalCentis = 0x0fff;  // 12 bits: 40.95 s
// 224.0.0.18 (5.1.1.2), network byte order on every host.
inline constexpr uint8_t kVrrpGroupBytes[4] = {224, 0, 0, 18};
uint32_t vrrp_group_address();

struct VrrpAdvert {
    uint8_t vrid = 0;
    uint8_t priority = 0;             // 0: the master is leaving; 255: address owner
    uint16_t max_advert_centis = 0;   // Max Adver Int, 12 bits, centiseconds
    std::vector<uint32_t> addresses;  // network byte order, in packet order
};

// Why a message was refused, checked in this order.
enum class VrrpDecodeError : uint8_t {
    kNone,
    kTooShort,        // shorter than the 8-byte header
    kBadVersion,      // not version 3
    kBadType,         // not an advertisement (type 1)
    kLengthMismatch,  // length is not 8 + 4 x Count IPvX Addr
    kBadChecksum,     // pseudo-header + message do not sum to 0xffff
    kZeroInterval,    // Max Adver Int 0 would make Master_Down_Interval 0
};
const char* to_string(VrrpDecodeError e);

struct VrrpDecodeResult {
    VrrpDecodeError error = VrrpDecodeError::kNone;
    VrrpAdvert advert;  // complete only when ok()
    bool ok() const { return error == VrrpDecodeError::kNone; }
};

// Bytes of an advertisement carrying `count` addresses.
constexpr size_t vrrp_message_len(size_t count) { return kVrrpHeaderLen + 4 * count; }

// Writes `a` with its checksum for a packet from `src` to `dst`. Returns the
// bytes written, or 0 when `out` is too small or `a` cannot be encoded
// (more than 255 addresses, an interval above 12 bits).
size_t vrrp_encode(const VrrpAdvert& a, uint32_t src, uint32_t dst, std::span<uint8_t> out);

// The same into a new buffer (empty when `a` cannot be encoded).
std::vector<uint8_t> vrrp_encode(const VrrpAdvert& a, uint32_t src, uint32_t dst);

// Reads the VRRP message (the IP payload, exactly as long as the IP header
// says) that came from `src` to `dst`.
VrrpDecodeResult vrrp_decode(std::span<const uint8_t> msg, uint32_t src, uint32_t dst);

// The checksum field value for `msg` from `src` to `dst`, computed as if its
// own checksum field were zero.
uint16_t vrrp_checksum(std::span<const uint8_t> msg, uint32_t src, uint32_t dst);

// "10.0.3.2" for an address in network byte order.
std::string vrrp_address_string(uint32_t address);

}  // namespace dvs::control
