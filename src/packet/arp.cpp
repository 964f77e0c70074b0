#include "packet/arp.hpp"

#include <cstring>

namespace dvs::dataplane {

bool arp_is_valid(const ArpHdr& a) {
    return be16(a.htype) == 1 && be16(a.ptype) == kEtherTypeIpv4 && a.hlen == 6 && a.plen == 4 &&
           (be16(a.op) == kArpRequest || be16(a.op) == kArpReply);
}

void arp_build_request(uint8_t* frame, const uint8_t our_mac[6], uint32_t our_ip,
                       uint32_t target_ip) {
    std::memset(frame, 0, kArpFrameLen);
    auto* eth = reinterpret_cast<EthHdr*>(frame);
    std::memset(eth->dst, 0xff, 6);
    std::memcpy(eth->src, our_mac, 6);
    eth->ether_type = be16(kEtherTypeArp);
    auto* a = reinterpret_cast<ArpHdr*>(frame + sizeof(EthHdr));
    a->htype = be16(1);
    a->ptype = be16(kEtherTypeIpv4);
    a->hlen = 6;
    a->plen = 4;
    a->op = be16(kArpRequest);
    std::memcpy(a->sha, our_mac, 6);
    a->spa = our_ip;
    a->tpa = target_ip;
}

void arp_reply_in_place(EthHdr& eth, ArpHdr& arp, const uint8_t our_mac[6]) {
    const uint32_t asked_ip = arp.tpa;
    std::memcpy(eth.dst, arp.sha, 6);
    std::memcpy(eth.src, our_mac, 6);
    arp.op = be16(kArpReply);
    std::memcpy(arp.tha, arp.sha, 6);
    arp.tpa = arp.spa;
    std::memcpy(arp.sha, our_mac, 6);
    arp.spa = asked_ip;
}

}  // namespace dvs::dataplane
