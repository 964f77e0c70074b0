// libFuzzer target: TUN encapsulation and outer-packet fragmentation
// (tun_encap), as the worker uses them.
//
// Input: [flags u8][mtu u16][src u32][dst u32][frame...]; flags bit 0 fixes
// the IP checksum so the frame parses.
//
// Invariants:
//  - the outer header is valid IPv4 (checksum, protocol 4, TTL 64, length =
//    inner + 20), with TOS and DF copied from the inner header;
//  - fragments written for an MTU the config allows (576..9000) each fit the
//    MTU and their buffer, have valid headers, offsets in 8-byte units, MF
//    on all but the last, and put back together give the inner packet.

#include "fuzz_check.hpp"
#include "packet/tun_encap.hpp"

using namespace dvs::dataplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dvs::fuzz::Input in(data, size);
    const auto flags = in.take<uint8_t>();
    // The config accepts port MTUs 576..9000 (control/config.cpp).
    const auto mtu = static_cast<uint16_t>(576 + in.take<uint16_t>() % (9000 - 576 + 1));
    const auto src = in.take<uint32_t>();
    const auto dst = in.take<uint32_t>();
    std::vector<uint8_t> frame = in.rest();
    if (flags & 1) dvs::fuzz::fix_ip_checksum(frame);

    const PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind != FrameKind::kIpv4) return 0;
    const uint16_t inner_len = v.l3_len;
    const auto* inner = reinterpret_cast<const uint8_t*>(v.ip);
    if (inner_len + sizeof(Ipv4Hdr) > 0xffff) return 0;  // cannot be one IP packet

    Ipv4Hdr outer{};
    tun_write_outer(outer, *v.ip, inner_len, src, dst, 0x1234);
    FUZZ_CHECK(outer.version_ihl == 0x45 && dvs::fuzz::ip_checksum_ok(outer));
    FUZZ_CHECK(be16(outer.total_length) == inner_len + sizeof(Ipv4Hdr));
    FUZZ_CHECK(outer.protocol == kIpProtoIpip && outer.ttl == kTunTtl);
    FUZZ_CHECK(outer.src == src && outer.dst == dst && outer.tos == v.ip->tos);
    FUZZ_CHECK(be16(outer.frag_off) == (be16(v.ip->frag_off) & kIpFlagDontFragment));

    // Fragment as Worker::tun_fragment does: one buffer of exactly mtu bytes each.
    std::vector<uint8_t> joined;
    uint16_t off = 0;
    unsigned n = 0;
    for (; off < inner_len; off = static_cast<uint16_t>(off + fragment_payload(mtu)), ++n) {
        FUZZ_CHECK(n < 0x10000 / 8);
        std::vector<uint8_t> buf(mtu);
        const uint16_t len = write_fragment(buf.data(), outer, inner, inner_len, off, mtu);
        FUZZ_CHECK(len <= mtu && len > sizeof(Ipv4Hdr));
        const auto* h = reinterpret_cast<const Ipv4Hdr*>(buf.data());
        FUZZ_CHECK(dvs::fuzz::ip_checksum_ok(*h) && be16(h->total_length) == len);
        const uint16_t fo = be16(h->frag_off);
        FUZZ_CHECK((fo & kIpFragOffsetMask) * 8u == off);
        const bool last = off + (len - sizeof(Ipv4Hdr)) >= inner_len;
        FUZZ_CHECK(static_cast<bool>(fo & kIpFlagMoreFragments) == !last);
        FUZZ_CHECK((fo & kIpFlagDontFragment) == 0);  // only sent without DF
        FUZZ_CHECK(last || (len - sizeof(Ipv4Hdr)) % 8 == 0);
        joined.insert(joined.end(), buf.begin() + sizeof(Ipv4Hdr), buf.begin() + len);
    }
    FUZZ_CHECK(joined.size() == inner_len);
    FUZZ_CHECK(std::memcmp(joined.data(), inner, inner_len) == 0);
    return 0;
}
