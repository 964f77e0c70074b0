#include "control/ha/vrrp_packet.hpp"

#include "common/name_table.hpp"

#include <cstring>

#include "common/text_codec.hpp"
#include "packet/checksum.hpp"

namespace dvs::control {

namespace {

using dataplane::csum_fold;
using dataplane::csum_partial;

constexpr size_t kChecksumOffset = 6;

uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, size_t len) {
    if (src.is_v6()) {
        // RFC 8200 8.1: 32-bit upper-layer length, three zero bytes, next header.
        const uint8_t tail[8] = {static_cast<uint8_t>(len >> 24),
                                 static_cast<uint8_t>(len >> 16),
                                 static_cast<uint8_t>(len >> 8),
                                 static_cast<uint8_t>(len),
                                 0,
                                 0,
                                 0,
                                 kIpProtoVrrp};
        uint32_t sum = csum_partial(src.bytes.data(), 16);
        sum = csum_partial(dst.bytes.data(), 16, sum);
        return csum_partial(tail, 8, sum);
    }
    // Zero, protocol, then the 16-bit length, laid out as on the wire.
    const uint8_t tail[4] = {0, kIpProtoVrrp, static_cast<uint8_t>(len >> 8),
                             static_cast<uint8_t>(len)};
    uint32_t sum = csum_partial(src.bytes.data(), 4);
    sum = csum_partial(dst.bytes.data(), 4, sum);
    return csum_partial(tail, 4, sum);
}

}  // namespace

uint32_t vrrp_group_address() {
    uint32_t a;
    std::memcpy(&a, kVrrpGroupBytes, 4);
    return a;
}

IpAddress ipv4_from_network(uint32_t network_order) {
    IpAddress a;
    std::memcpy(a.bytes.data(), &network_order, 4);
    return a;
}

IpAddress vrrp_group(AddressFamily family) {
    if (family == AddressFamily::kIpv6) {
        return IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
    }
    return ipv4_from_network(vrrp_group_address());
}

constexpr NameTable<VrrpDecodeError, 7> kVrrpDecodeErrorNames{{
    {VrrpDecodeError::kNone, "ok"},
    {VrrpDecodeError::kTooShort, "too_short"},
    {VrrpDecodeError::kBadVersion, "bad_version"},
    {VrrpDecodeError::kBadType, "bad_type"},
    {VrrpDecodeError::kLengthMismatch, "length_mismatch"},
    {VrrpDecodeError::kBadChecksum, "bad_checksum"},
    {VrrpDecodeError::kZeroInterval, "zero_interval"},
}};

const char* to_string(VrrpDecodeError e) {
    return name_of(kVrrpDecodeErrorNames, e, "unknown").data();
}

uint16_t vrrp_checksum(std::span<const uint8_t> msg, const IpAddress& src, const IpAddress& dst) {
    uint32_t sum = pseudo_header_sum(src, dst, msg.size());
    // Sum around the checksum field instead of copying the message.
    const size_t head = msg.size() < kChecksumOffset ? msg.size() : kChecksumOffset;
    sum = csum_partial(msg.data(), head, sum);
    if (msg.size() > kChecksumOffset + 2) {
        sum = csum_partial(msg.data() + kChecksumOffset + 2, msg.size() - kChecksumOffset - 2, sum);
    }
    // Summed as 16-bit words in memory order: the value is stored as is.
    return static_cast<uint16_t>(~csum_fold(sum));
}

size_t vrrp_encode(const VrrpAdvert& a, const IpAddress& src, const IpAddress& dst,
                   std::span<uint8_t> out) {
    const size_t n = a.addresses.size();
    if (n > kVrrpMaxAddresses || a.max_advert_centis > kVrrpMaxIntervalCentis) return 0;
    for (const IpAddress& x : a.addresses) {
        if (x.family != src.family) return 0;
    }
    const size_t width = vrrp_address_len(src.family);
    const size_t len = vrrp_message_len(n, src.family);
    if (out.size() < len) return 0;
    uint8_t* p = out.data();
    p[0] = static_cast<uint8_t>(kVrrpVersion << 4 | kVrrpTypeAdvert);
    p[1] = a.vrid;
    p[2] = a.priority;
    p[3] = static_cast<uint8_t>(n);
    p[4] = static_cast<uint8_t>(a.max_advert_centis >> 8);  // upper 4 bits reserved: 0
    p[5] = static_cast<uint8_t>(a.max_advert_centis);
    p[6] = p[7] = 0;
    for (size_t i = 0; i < n; ++i) {
        std::memcpy(p + kVrrpHeaderLen + width * i, a.addresses[i].bytes.data(), width);
    }
    const uint16_t c = vrrp_checksum(out.first(len), src, dst);
    std::memcpy(p + kChecksumOffset, &c, 2);
    return len;
}

std::vector<uint8_t> vrrp_encode(const VrrpAdvert& a, const IpAddress& src, const IpAddress& dst) {
    std::vector<uint8_t> out(vrrp_message_len(a.addresses.size(), src.family));
    out.resize(vrrp_encode(a, src, dst, out));
    return out;
}

VrrpDecodeResult vrrp_decode(std::span<const uint8_t> msg, const IpAddress& src,
                             const IpAddress& dst) {
    VrrpDecodeResult r;
    if (msg.size() < kVrrpHeaderLen) {
        r.error = VrrpDecodeError::kTooShort;
        return r;
    }
    const uint8_t* p = msg.data();
    if (p[0] >> 4 != kVrrpVersion) {
        r.error = VrrpDecodeError::kBadVersion;
        return r;
    }
    if ((p[0] & 0x0f) != kVrrpTypeAdvert) {
        r.error = VrrpDecodeError::kBadType;
        return r;
    }
    const size_t count = p[3];
    if (msg.size() != vrrp_message_len(count, src.family)) {
        r.error = VrrpDecodeError::kLengthMismatch;
        return r;
    }
    // The whole message including its checksum field sums to 0xffff.
    if (csum_fold(csum_partial(p, msg.size(), pseudo_header_sum(src, dst, msg.size()))) != 0xffff) {
        r.error = VrrpDecodeError::kBadChecksum;
        return r;
    }
    const uint16_t interval = static_cast<uint16_t>((p[4] & 0x0f) << 8 | p[5]);
    if (interval == 0) {
        r.error = VrrpDecodeError::kZeroInterval;
        return r;
    }
    r.advert.vrid = p[1];
    r.advert.priority = p[2];
    r.advert.max_advert_centis = interval;
    const size_t width = vrrp_address_len(src.family);
    r.advert.addresses.resize(count);
    for (size_t i = 0; i < count; ++i) {
        r.advert.addresses[i].family = src.family;
        std::memcpy(r.advert.addresses[i].bytes.data(), p + kVrrpHeaderLen + width * i, width);
    }
    return r;
}

std::string vrrp_address_string(const IpAddress& address) { return text::format_ip(address); }

}  // namespace dvs::control
