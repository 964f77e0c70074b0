"""IPv6 for the balancer's own address (issue 15): Neighbor Discovery and
echo. The packets we refuse are in cases_malformed6.py.

Our address is 2001:db8:1::1 on p0 (golden.yaml.in). A Neighbor
Solicitation for it (hop limit 255, from a unicast source) is answered with
a solicited, override advertisement from 2001:db8:1::1 back to the sender,
with our MAC in a target link-layer option, whether the solicitation came
to the solicited-node multicast group or to the address itself, with or
without a source link-layer option. A DAD probe (from ::) is never answered;
router solicitations are dropped by name. Echo to our address is answered
with type 129 and hop limit 64. IPv4 keeps working in the same run.
"""

from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6MLDMultAddrRec,
                                ICMPv6MLReport2, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RS,
                                ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6,
                                IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, RouterAlert)
from scapy.layers.l2 import Ether

from golden import (CLIENT_MAC, OUR_MAC, RS1, VIP_NAT, Case, Expect, client_tcp, echo_reply,
                    echo_request, nat_inbound)

OUR6 = "2001:db8:1::1"
HOST6 = "2001:db8:1::2"
HOST_LL = "fe80::2"
SOLICITED_NODE = "ff02::1:ff00:1"   # of ...::1
SOLICITED_MAC = "33:33:ff:00:00:01"


def frame6(ip, dst_mac: str = OUR_MAC, src_mac: str = CLIENT_MAC):
    return Ether(bytes(Ether(dst=dst_mac, src=src_mac) / ip))


def ns(target: str = OUR6, src: str = HOST_LL, dst: str = SOLICITED_NODE, hlim: int = 255,
       option: bool = True, dst_mac: str = SOLICITED_MAC):
    p = IPv6(src=src, dst=dst, hlim=hlim) / ICMPv6ND_NS(tgt=target)
    if option:
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=CLIENT_MAC)
    return frame6(p, dst_mac=dst_mac)


def na(to: str = HOST_LL) -> Expect:
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / IPv6(src=OUR6, dst=to, hlim=255) / \
        ICMPv6ND_NA(R=0, S=1, O=1, tgt=OUR6) / ICMPv6NDOptDstLLAddr(lladdr=OUR_MAC)
    return Expect(Ether(bytes(e)))


def echo6(dst: str = OUR6, src: str = HOST6, data: bytes = b"ping6-data", hlim: int = 64):
    return frame6(IPv6(src=src, dst=dst, hlim=hlim) / ICMPv6EchoRequest(id=0x66, seq=7, data=data))


def echo6_reply(dst: str = HOST6, data: bytes = b"ping6-data") -> Expect:
    e = Ether(dst=CLIENT_MAC, src=OUR_MAC) / IPv6(src=OUR6, dst=dst, hlim=64) / \
        ICMPv6EchoReply(id=0x66, seq=7, data=data)
    return Expect(Ether(bytes(e)))


echo_with_opts = frame6(IPv6(src=HOST6, dst=OUR6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                        ICMPv6EchoRequest(id=0x66, seq=7, data=b"ping6-data"))

CASES = [
    Case("NS to the solicited-node group: solicited override NA from our address",
         inputs=[ns()], expect=[na()], counters={"nd_adverts_sent": 1}),

    Case("NS to our address without a source link-layer option: NA (frame grows)",
         inputs=[ns(src=HOST6, dst=OUR6, option=False, dst_mac=OUR_MAC)], expect=[na(HOST6)],
         counters={"nd_adverts_sent": 1}),

    Case("DAD probe from :: for our address: never answered",
         inputs=[ns(src="::", option=False)], expect=[], drops={"nd_dad_probe": 1},
         counters={"nd_adverts_sent": 0}),

    Case("DAD probe from :: with a source link-layer option: invalid (RFC 4861 7.1.1)",
         inputs=[ns(src="::")], expect=[], drops={"nd_invalid": 1}),

    Case("NS for an address that is not ours: no answer",
         inputs=[ns(target="2001:db8:1::99")], expect=[], drops={"nd_not_ours": 1}),

    Case("NS with hop limit 64 (routed from elsewhere): invalid",
         inputs=[ns(hlim=64)], expect=[], drops={"nd_invalid": 1}),

    Case("Router Solicitation from a host: not answered (no router advertisements), named",
         inputs=[frame6(IPv6(src=HOST_LL, dst="ff02::2", hlim=255) / ICMPv6ND_RS(),
                        dst_mac="33:33:00:00:00:02")],
         expect=[], drops={"nd_router_message": 1}),

    Case("MLDv2 report behind hop-by-hop (router alert): dropped by name, not unhandled",
         inputs=[frame6(IPv6(src=HOST_LL, dst="ff02::16", hlim=1) /
                        IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
                        ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(dst="ff02::1:ff00:2")]),
                        dst_mac="33:33:00:00:00:16")],
         expect=[], drops={"ipv6_mld": 1}),

    Case("NA from a neighbour: learned from (consumed, nothing sent, nothing dropped)",
         inputs=[frame6(IPv6(src=HOST6, dst=OUR6, hlim=255) / ICMPv6ND_NA(tgt=HOST6, S=1) /
                        ICMPv6NDOptDstLLAddr(lladdr=CLIENT_MAC))],
         expect=[], drops={}),

    Case("NA with hop limit 64 (routed from elsewhere): invalid",
         inputs=[frame6(IPv6(src=HOST6, dst=OUR6, hlim=64) / ICMPv6ND_NA(tgt=HOST6, S=1))],
         expect=[], drops={"nd_invalid": 1}),

    Case("echo request to our address: reply, hop limit 64, checksum valid",
         inputs=[echo6()], expect=[echo6_reply()], counters={"icmp6_echo_replies": 1}),

    # The reply is made in place, so it carries the request's (empty)
    # option headers back; the checksum is still over the pseudo-header.
    Case("echo request behind hop-by-hop and destination options: answered",
         inputs=[echo_with_opts],
         expect=[Expect(Ether(bytes(Ether(dst=CLIENT_MAC, src=OUR_MAC) /
                                    IPv6(src=OUR6, dst=HOST6, hlim=64) / IPv6ExtHdrHopByHop() /
                                    IPv6ExtHdrDestOpt() /
                                    ICMPv6EchoReply(id=0x66, seq=7, data=b"ping6-data"))))],
         counters={"icmp6_echo_replies": 1}),

    Case("echo request with odd-length data: answered, checksum valid",
         inputs=[echo6(data=b"x" * 101)], expect=[echo6_reply(data=b"x" * 101)]),

    Case("echo request to an address that is not ours: not forwarded",
         inputs=[echo6(dst="2001:db8:1::99")], expect=[], drops={"ipv6_unhandled": 1}),

    Case("dual stack: IPv4 NAT and echo next to IPv6 echo and ND in one run",
         inputs=[client_tcp(VIP_NAT, 80, sport=47001, flags="S"), echo6(), ns(),
                 echo_request(VIP_NAT, icmp_id=0x201, seq=1)],
         expect=[nat_inbound(client_tcp(VIP_NAT, 80, sport=47001, flags="S"), RS1, 8080),
                 echo6_reply(), na(), echo_reply(echo_request(VIP_NAT, icmp_id=0x201, seq=1))],
         counters={"icmp6_echo_replies": 1, "nd_adverts_sent": 1, "icmp_echo_replies": 1},
         ordered=False),  # the NAT SYN leaves at the end of its burst (conn_tracker.hpp)

]
