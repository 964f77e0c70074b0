// libFuzzer target: ARP frames (parse_frame's ARP branch and arp.*).
//
// Input: [our mac 6][our ip u32][frame...].
//
// Invariants:
//  - an ARP view points inside the frame;
//  - a request turned into a reply in place answers exactly what was asked
//    (tpa becomes spa, sender is us), and no byte outside the Ethernet and
//    ARP headers changes;
//  - arp_build_request writes a frame that parses back as a valid request
//    for the target, within kArpFrameLen bytes.

#include "fuzz_check.hpp"
#include "packet/arp.hpp"

using namespace dvs::dataplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    dvs::fuzz::Input in(data, size);
    uint8_t mac[6];
    for (uint8_t& b : mac) b = in.take<uint8_t>();
    const auto our_ip = in.take<uint32_t>();
    std::vector<uint8_t> frame = in.rest();

    PacketView v = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()));
    if (v.kind == FrameKind::kArp && arp_is_valid(*v.arp)) {
        FUZZ_CHECK(reinterpret_cast<uint8_t*>(v.arp) + sizeof(ArpHdr) <=
                   frame.data() + frame.size());
        const std::vector<uint8_t> before = frame;
        const ArpHdr a = *v.arp;
        arp_reply_in_place(*v.eth, *v.arp, mac);
        FUZZ_CHECK(dvs::fuzz::same_outside(before, frame, {{0, sizeof(EthHdr) + sizeof(ArpHdr)}}));
        FUZZ_CHECK(std::memcmp(v.eth->dst, a.sha, 6) == 0 && std::memcmp(v.eth->src, mac, 6) == 0);
        FUZZ_CHECK(be16(v.arp->op) == kArpReply && arp_is_valid(*v.arp));
        FUZZ_CHECK(v.arp->spa == a.tpa && v.arp->tpa == a.spa);
        FUZZ_CHECK(std::memcmp(v.arp->sha, mac, 6) == 0 && std::memcmp(v.arp->tha, a.sha, 6) == 0);
        FUZZ_CHECK(v.eth->ether_type == be16(kEtherTypeArp));
    }

    std::vector<uint8_t> req(kArpFrameLen);
    const uint32_t target = v.kind == FrameKind::kArp ? v.arp->tpa : ~our_ip;
    arp_build_request(req.data(), mac, our_ip, target);
    const PacketView r = parse_frame(req.data(), static_cast<uint32_t>(req.size()));
    FUZZ_CHECK(r.kind == FrameKind::kArp && arp_is_valid(*r.arp));
    FUZZ_CHECK(be16(r.arp->op) == kArpRequest && r.arp->tpa == target && r.arp->spa == our_ip);
    FUZZ_CHECK(std::memcmp(r.arp->sha, mac, 6) == 0);
    return 0;
}
