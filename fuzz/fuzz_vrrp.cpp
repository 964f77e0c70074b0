// libFuzzer target: the VRRPv3 advertisement decoder and the state machine
// fed with what it decodes.
//
// Input: [src u32][ttl u8][message...]; the destination is 224.0.0.18. The
// same message is also decoded as IPv6 (from fe80::<src>, to ff02::12).
//
// Invariants:
//  - decode never reads outside the message, and accepts only a version-3
//    advert whose length is 8 + 4 x count (IPv6: 16 x count), with a correct
//    checksum and a non-zero interval;
//  - what it accepts encodes back to the same bytes, but for the reserved
//    interval bits and a checksum of 0xffff, the other ones'-complement zero
//    (the re-encoded checksum must verify);
//  - a VrrpInstance fed the packet keeps a deadline in Backup and Master and
//    never lets a packet make it Initialize.

#include "control/ha/vrrp_instance.hpp"
#include "control/ha/vrrp_packet.hpp"
#include "fuzz_check.hpp"

using namespace dvs::control;
using dvs::AddressFamily;
using dvs::IpAddress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dvs::fuzz::Input in(data, size);
    const auto src4 = in.take<uint32_t>();
    const auto ttl = in.take<uint8_t>();
    const std::vector<uint8_t> msg = in.rest();
    IpAddress src6;
    src6.family = AddressFamily::kIpv6;
    src6.bytes[0] = 0xfe;
    src6.bytes[1] = 0x80;
    std::memcpy(src6.bytes.data() + 12, &src4, 4);
    for (const IpAddress& src : {ipv4_from_network(src4), src6}) {
        const IpAddress dst = vrrp_group(src.family);
        const VrrpDecodeResult r = vrrp_decode(msg, src, dst);
        if (!r.ok()) continue;
        FUZZ_CHECK(msg.size() == vrrp_message_len(r.advert.addresses.size(), src.family));
        FUZZ_CHECK(msg[0] == 0x31 && r.advert.max_advert_centis != 0);
        std::vector<uint8_t> again = vrrp_encode(r.advert, src, dst);
        FUZZ_CHECK(again.size() == msg.size());
        std::vector<uint8_t> expected = msg;
        expected[4] &= 0x0f;  // reserved bits are written as zero
        // Everything but the checksum field is the same; the checksum may
        // differ where the reserved bits did, and a peer may write 0xffff
        // where we write 0x0000 (both are zero in ones' complement, both
        // verify), so it is checked by decoding `again` below instead.
        FUZZ_CHECK(std::memcmp(again.data(), expected.data(), 6) == 0);
        FUZZ_CHECK(std::memcmp(again.data() + 8, expected.data() + 8, msg.size() - 8) == 0);
        if (expected[4] == msg[4] && !(msg[6] == 0xff && msg[7] == 0xff)) FUZZ_CHECK(again == msg);
        FUZZ_CHECK(vrrp_decode(again, src, dst).ok());
    }
    const IpAddress src = ipv4_from_network(src4);
    const IpAddress dst = vrrp_group(AddressFamily::kIpv4);

    // The peer state machine: ours is 10.0.3.1, priority 100, vrid of the input.
    VrrpParams p;
    p.name = "fuzz";
    p.vrid = msg.size() > 1 && msg[1] != 0 ? msg[1] : 51;
    p.priority = 100;
    p.advert_interval = std::chrono::milliseconds(200);
    p.primary_ip = ipv4_from_network(0x0103000a);
    p.addresses = {ipv4_from_network(0x6403000a)};
    VrrpInstance v(p);
    const VrrpTime t0 = VrrpTime{} + std::chrono::seconds(1000);
    v.start(t0);
    VrrpReceived rx;
    rx.src = src;
    rx.dst = dst;
    rx.ttl = ttl;
    rx.message = msg;
    for (int i = 0; i < 3; ++i) {
        const VrrpActions a = v.on_packet(t0 + std::chrono::milliseconds(100 * i), rx);
        FUZZ_CHECK(v.state() != VrrpState::kInitialize && a.deadline.has_value());
        FUZZ_CHECK(*a.deadline > t0);
    }
    const VrrpActions a = v.on_timer(*v.deadline());
    FUZZ_CHECK(a.deadline.has_value());
    return 0;
}
