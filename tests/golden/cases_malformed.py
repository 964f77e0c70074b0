"""Malformed and hostile input through the real worker (issue 9).

Every frame here is one that a balancer on the open internet receives. The
verdict of each is written down: forwarded (and exactly how), or dropped and
counted under one named reason (drops are exact: every other reason must
stay 0). Nothing here may crash dvsd, be forwarded mangled, or be "repaired"
on its way (a corrupted packet keeps its bad checksum, so the real server's
stack drops it, as with a plain router).

Topology and services: golden.yaml.in (NAT 192.0.2.10 tcp 80 -> RS1:8080,
udp 53 -> RS1:5353; DR 192.0.2.20 -> RS2; TUN 192.0.2.30 -> RS3).
"""

import struct

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

from golden import (CLIENT, CLIENT_MAC, LB_CLIENT_SIDE, OUR_MAC, RS1, RS2_MAC, RS3, ROUTER,
                    VIP_DR, VIP_NAT, VIP_TUN, Case, Expect, client_tcp, client_udp, dr, fragments,
                    icmp_error, nat_inbound, payload, quote, tun)

OTHER_MAC = "02:00:00:00:66:66"   # a host on the client segment that is not us


def raw_frame(ip_bytes: bytes, ether_type: int = 0x0800, src_mac: str = CLIENT_MAC) -> Ether:
    """A frame carrying exactly ip_bytes after the Ethernet header (nothing rebuilt)."""
    return Ether(bytes(Ether(dst=OUR_MAC, src=src_mac, type=ether_type)) + ip_bytes)


def ip_checksum(hdr: bytes) -> bytes:
    """hdr with a correct IPv4 header checksum (over the IHL it claims, or all of it)."""
    b = bytearray(hdr)
    ihl = min((b[0] & 0x0F) * 4, len(b)) or len(b)
    b[10:12] = b"\0\0"
    s = sum(struct.unpack(f"!{ihl // 2}H", bytes(b[:ihl - ihl % 2])))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    b[10:12] = struct.pack("!H", ~s & 0xFFFF)
    return bytes(b)


def ip_of(pkt: Ether) -> bytes:
    """The IP packet of a frame built by golden's helpers."""
    return bytes(pkt[IP])


def patched(pkt: Ether, offset: int, data: bytes, fix_ip: bool = True) -> Ether:
    """pkt with bytes at `offset` into its IP packet replaced (IP checksum fixed)."""
    b = bytearray(ip_of(pkt))
    b[offset:offset + len(data)] = data
    out = bytes(b)
    return raw_frame(ip_checksum(out) if fix_ip else out)


# A well-formed SYN to the NAT service: the base most cases bend.
syn = client_tcp(VIP_NAT, 80, sport=46000, flags="S", ip_id=0x7001)
SYN_IP = ip_of(syn)

CASES = [
    # ---------------------------------------------------------------- L2 / L3
    Case("10-byte frame (shorter than Ethernet): l2_malformed",
         inputs=[Raw(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC))[:10])], expect=[],
         drops={"l2_malformed": 1}),

    Case("Ethernet header only, IPv4 type, no IP header: ip_malformed",
         inputs=[raw_frame(b"")], expect=[], drops={"ip_malformed": 1}),

    Case("IPv4 header cut at 12 bytes: ip_malformed",
         inputs=[raw_frame(SYN_IP[:12])], expect=[], drops={"ip_malformed": 1}),

    Case("VLAN tag: l3_unsupported",
         inputs=[raw_frame(SYN_IP, ether_type=0x8100)], expect=[], drops={"l3_unsupported": 1}),

    Case("an IPv4 packet under the IPv6 ethertype: ipv6_malformed",
         inputs=[raw_frame(SYN_IP, ether_type=0x86DD)], expect=[], drops={"ipv6_malformed": 1}),

    Case("IP version 6 in an IPv4 frame: ip_malformed",
         inputs=[patched(syn, 0, b"\x65")], expect=[], drops={"ip_malformed": 1}),

    Case("IHL 4 (< 5) and IHL 0: ip_malformed",
         inputs=[patched(syn, 0, b"\x44"), patched(syn, 0, b"\x40", fix_ip=False)],
         expect=[], drops={"ip_malformed": 2}),

    Case("IHL 15 (60 bytes) beyond a 40-byte packet: ip_malformed",
         inputs=[raw_frame(ip_checksum(b"\x4f" + SYN_IP[1:2] + struct.pack("!H", 40) + SYN_IP[4:40]))],
         expect=[], drops={"ip_malformed": 1}),

    Case("total length larger than the frame: ip_malformed",
         inputs=[patched(syn, 2, struct.pack("!H", len(SYN_IP) + 100))], expect=[],
         drops={"ip_malformed": 1}),

    Case("total length smaller than the IP header (12): ip_malformed",
         inputs=[patched(syn, 2, struct.pack("!H", 12))], expect=[], drops={"ip_malformed": 1}),

    Case("bad IP header checksum: ip_bad_checksum",
         inputs=[patched(syn, 10, b"\xbe\xef", fix_ip=False)], expect=[],
         drops={"ip_bad_checksum": 1}),

    Case("frame longer than the IP packet (20 junk bytes): NAT forwards the IP packet, junk kept as padding",
         inputs=[raw_frame(SYN_IP + b"J" * 20)],
         expect=[nat_inbound(raw_frame(SYN_IP + b"J" * 20), RS1, 8080)]),

    Case("frame longer than the IP packet to TUN: the junk is not tunnelled",
         inputs=[raw_frame(ip_of(client_tcp(VIP_TUN, 80, sport=46001)) + b"J" * 20)],
         expect=[tun(client_tcp(VIP_TUN, 80, sport=46001), RS3)]),

    Case("IP options (router alert + NOPs): NAT forwards with the options intact",
         inputs=[client := Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) /
                                       IP(src=CLIENT, dst=VIP_NAT, id=0x7002,
                                          options=b"\x94\x04\x00\x00\x01\x01\x01\x00") /
                                       TCP(sport=46002, dport=80, flags="S")))],
         expect=[nat_inbound(client, RS1, 8080)]),

    Case("IP options to DR: the IP packet goes byte-identical",
         inputs=[dr_opts := Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) /
                                        IP(src=CLIENT, dst=VIP_DR, options=b"\x94\x04\x00\x00") /
                                        TCP(sport=46003, dport=80, flags="S")))],
         expect=[dr(dr_opts, RS2_MAC)]),

    Case("TTL 1 and TTL 0 to NAT: ttl_exceeded",
         inputs=[client_tcp(VIP_NAT, 80, sport=46004, ttl=1), client_tcp(VIP_NAT, 80, sport=46005, ttl=0)],
         expect=[], drops={"ttl_exceeded": 2}),

    Case("TTL 1 to DR: forwarded untouched (DR is no router hop)",
         inputs=[dr_ttl1 := client_tcp(VIP_DR, 80, sport=46006, ttl=1)],
         expect=[dr(dr_ttl1, RS2_MAC)]),

    # ---------------------------------------------------------------- TCP / UDP
    Case("TCP header cut at 12 bytes: l4_malformed",
         inputs=[raw_frame(ip_checksum(SYN_IP[:2] + struct.pack("!H", 32) + SYN_IP[4:32]))],
         expect=[], drops={"l4_malformed": 1}),

    Case("TCP data offset 4 (< 5) and 15 (beyond the segment): l4_malformed",
         inputs=[patched(syn, 20 + 12, b"\x40"), patched(syn, 20 + 12, b"\xf0")],
         expect=[], drops={"l4_malformed": 2}),

    Case("UDP header cut at 6 bytes: l4_malformed",
         inputs=[raw_frame(ip_checksum(ip_of(client_udp(VIP_NAT, 53))[:2] + struct.pack("!H", 26) +
                                       ip_of(client_udp(VIP_NAT, 53))[4:26]))],
         expect=[], drops={"l4_malformed": 1}),

    Case("UDP length 0 and length beyond the packet: l4_malformed",
         inputs=[patched(client_udp(VIP_NAT, 53, sport=46010), 24, b"\0\0"),
                 patched(client_udp(VIP_NAT, 53, sport=46011), 24, struct.pack("!H", 200))],
         expect=[], drops={"l4_malformed": 2}),

    Case("zero-length UDP payload (length 8): a datagram like any other, NAT forwards it",
         inputs=[u0 := client_udp(VIP_NAT, 53, sport=46012, data=b"")],
         expect=[nat_inbound(u0, RS1, 5353)]),

    Case("ACK and PSH+ACK without a connection: tcp_no_conn",
         inputs=[client_tcp(VIP_NAT, 80, sport=46013, flags="A"),
                 client_tcp(VIP_NAT, 80, sport=46014, flags="PA")],
         expect=[], drops={"tcp_no_conn": 2}),

    # ---------------------------------------------------------------- fragments
    Case("tiny first fragments (8 and 16 bytes of a TCP header): frag_tiny (RFC 1858)",
         inputs=[fragments(client_tcp(VIP_NAT, 80, sport=46020, data=payload(40), df=False), 8)[0],
                 fragments(client_tcp(VIP_NAT, 80, sport=46022, data=payload(40), df=False), 16)[0]],
         expect=[], drops={"frag_tiny": 2}),

    # The overlap (offset 24, more fragments) comes before the last
    # fragment: once the last has told the length and every byte has been
    # seen the datagram's entry ends (issue 21), and a fragment after that
    # would be held as the start of a new datagram.
    Case("overlapping later UDP fragments: forwarded like the others (the real server reassembles)",
         inputs=(ov := fragments(client_udp(VIP_NAT, 53, sport=46021, data=payload(100), ip_id=0x7100), 40))[:2]
         + [patched(ov[1], 6, struct.pack("!H", 0x2003)), ov[2]],
         expect=[nat_inbound(ov[0], RS1, 5353), nat_inbound(ov[1], RS1, None),
                 nat_inbound(ov[2], RS1, None), nat_inbound(patched(ov[1], 6, struct.pack("!H", 0x2003)), RS1, None)],
         ordered=False),

    Case("ICMP fragment: ip_fragment",
         inputs=[fragments(Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) /
                                       IP(src=CLIENT, dst=VIP_NAT, id=0x7101) /
                                       ICMP(type=8) / Raw(payload(64)))), 32)[0]],
         expect=[], drops={"ip_fragment": 1}),

    # ---------------------------------------------------------------- ICMP errors
    Case("ICMP error quoting less than IP header + 8 bytes: icmp_unhandled",
         inputs=[syn, icmp_error(ROUTER, VIP_NAT, quote(IP(src=VIP_NAT, dst=CLIENT) /
                                                      TCP(sport=80, dport=46000), 24))],
         expect=[nat_inbound(syn, RS1, 8080)], drops={"icmp_unhandled": 1}),

    Case("ICMP error quoting IHL 3 / IHL 15 past the quote / GRE: icmp_unhandled",
         inputs=[icmp_error(ROUTER, VIP_NAT, b"\x43" + quote(IP(src=VIP_NAT, dst=CLIENT) / TCP(sport=80, dport=46000))[1:]),
                 icmp_error(ROUTER, VIP_NAT, b"\x4f" + quote(IP(src=VIP_NAT, dst=CLIENT) / TCP(sport=80, dport=46000))[1:]),
                 icmp_error(ROUTER, VIP_NAT, quote(IP(src=VIP_NAT, dst=CLIENT, proto=47) / Raw(b"\0" * 8)))],
         expect=[], drops={"icmp_unhandled": 3}),

    Case("ICMP error quoting random bytes: icmp_unhandled",
         inputs=[icmp_error(ROUTER, VIP_NAT, payload(40, seed=99))],
         expect=[], drops={"icmp_unhandled": 1}),

    Case("ICMP error quoting an untracked connection: icmp_no_conn",
         inputs=[icmp_error(ROUTER, VIP_NAT, quote(IP(src=VIP_NAT, dst=CLIENT) / TCP(sport=80, dport=46099)))],
         expect=[], drops={"icmp_no_conn": 1}),

    Case("ICMP error cut to 4 bytes of ICMP header: icmp_unhandled",
         inputs=[raw_frame(ip_checksum(bytes(IP(src=ROUTER, dst=VIP_NAT, proto=1, len=24)) + b"\x03\x04\xfc\xfb"))],
         expect=[], drops={"icmp_unhandled": 1}),

    # ---------------------------------------------------------------- ARP
    Case("ARP cut to 20 bytes: arp_malformed",
         inputs=[Ether(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=CLIENT_MAC, type=0x0806)) +
                       bytes(ARP(op=1, hwsrc=CLIENT_MAC, psrc=CLIENT, pdst=LB_CLIENT_SIDE))[:20])],
         expect=[], drops={"arp_malformed": 1}),

    Case("ARP with hardware length 8 / protocol length 16: arp_malformed",
         inputs=[Ether(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=CLIENT_MAC) /
                             ARP(op=1, hwlen=8, hwsrc=CLIENT_MAC, psrc=CLIENT, pdst=LB_CLIENT_SIDE))),
                 Ether(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=CLIENT_MAC, type=0x0806)) +
                       bytes.fromhex("0001080006100001") + b"\x01" * 44)],
         expect=[], drops={"arp_malformed": 2}),

    Case("ARP request for a VIP from a client: answered with our MAC",
         inputs=[Ether(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=CLIENT_MAC) /
                             ARP(op=1, hwsrc=CLIENT_MAC, psrc=CLIENT, pdst=VIP_NAT)))],
         expect=[Ether(bytes(Ether(dst=CLIENT_MAC, src=OUR_MAC) /
                             ARP(op=2, hwsrc=OUR_MAC, psrc=VIP_NAT, hwdst=CLIENT_MAC, pdst=CLIENT)))]),
]

# TTL 0 must never be forwarded, also by the methods that keep the TTL.
CASES += [
    Case("TTL 0 to DR and to TUN: ttl_exceeded (never forwarded, RFC 1812)",
         inputs=[client_tcp(VIP_DR, 80, sport=46030, ttl=0), client_tcp(VIP_TUN, 80, sport=46031, ttl=0)],
         expect=[], drops={"ttl_exceeded": 2}),
]

# Flag sets no TCP sends: dropped before they can open (or close) anything.
syn_fin = client_tcp(VIP_NAT, 80, sport=46040, flags="SF")
CASES += [
    Case("SYN+FIN to NAT: tcp_bad_flags (no connection opened)",
         inputs=[syn_fin], expect=[], drops={"tcp_bad_flags": 1}),

    Case("SYN+RST, null (no flags), FIN alone and FIN+PSH+URG (xmas): tcp_bad_flags",
         inputs=[client_tcp(VIP_NAT, 80, sport=46041, flags="SR"),
                 client_tcp(VIP_NAT, 80, sport=46042, flags=""),
                 client_tcp(VIP_NAT, 80, sport=46043, flags="F"),
                 client_tcp(VIP_NAT, 80, sport=46044, flags="FPU")],
         expect=[], drops={"tcp_bad_flags": 4}),

    Case("SYN+FIN on an open connection and to DR: tcp_bad_flags; the connection goes on",
         inputs=[syn, client_tcp(VIP_NAT, 80, sport=46000, flags="SF", seq=1001, ip_id=0x7003),
                 ack := client_tcp(VIP_NAT, 80, sport=46000, flags="A", seq=1001, ack=1, ip_id=0x7004),
                 client_tcp(VIP_DR, 80, sport=46045, flags="SF")],
         expect=[nat_inbound(syn, RS1, 8080), nat_inbound(ack, RS1, 8080)],
         drops={"tcp_bad_flags": 2}),
]

# A corrupted ICMP message is not forwarded: the NAT rewrite of an ICMP
# error recomputes its checksum, which would make the corruption valid.
icmp_about_syn = icmp_error(ROUTER, VIP_NAT, quote(IP(src=VIP_NAT, dst=CLIENT, id=0x7001) /
                                                   TCP(sport=80, dport=46000)))
CASES += [
    Case("control: the same ICMP error with its checksum intact goes to the real server",
         inputs=[syn, icmp_about_syn],
         expect=lambda outputs, _inputs: [] if len(outputs) == 2 and outputs[1][IP].dst == RS1
         else [f"{len(outputs)} outputs, want the SYN and the ICMP error to {RS1}"]),

    Case("ICMP error with a bad ICMP checksum about a tracked NAT connection: icmp_bad_checksum",
         inputs=[syn, patched(icmp_about_syn, 20 + 2, b"\\x12\\x34")],
         expect=[nat_inbound(syn, RS1, 8080)], drops={"icmp_bad_checksum": 1}),

    Case("echo request with a bad ICMP checksum to a VIP: icmp_bad_checksum, no reply",
         inputs=[patched(Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) /
                                     IP(src=CLIENT, dst=VIP_NAT) / ICMP(type=8, id=5, seq=1) /
                                     Raw(b"ping"))), 20 + 2, b"\\x00\\x01")],
         expect=[], drops={"icmp_bad_checksum": 1}),
]

# Someone else claiming our addresses or a VIP in ARP: not learned, not
# answered, counted.
def arp_frame(op, src_mac, psrc, pdst, dst_mac="ff:ff:ff:ff:ff:ff"):
    return Ether(bytes(Ether(dst=dst_mac, src=src_mac) /
                       ARP(op=op, hwsrc=src_mac, psrc=psrc, pdst=pdst,
                           hwdst="00:00:00:00:00:00" if op == 1 else dst_mac)))


CASES += [
    Case("gratuitous ARP from another MAC announcing a VIP (request and reply): arp_conflict, no answer",
         inputs=[arp_frame(1, OTHER_MAC, VIP_NAT, VIP_NAT), arp_frame(2, OTHER_MAC, VIP_NAT, VIP_NAT)],
         expect=[], drops={"arp_conflict": 2}),

    Case("ARP reply from another MAC claiming our own address: arp_conflict, not learned",
         inputs=[arp_frame(2, OTHER_MAC, LB_CLIENT_SIDE, CLIENT, dst_mac=OUR_MAC)],
         expect=[], drops={"arp_conflict": 1}),

    Case("ARP probe (sender 0.0.0.0) for a VIP: answered, we defend it (RFC 5227)",
         inputs=[arp_frame(1, OTHER_MAC, "0.0.0.0", VIP_NAT)],
         expect=[Ether(bytes(Ether(dst=OTHER_MAC, src=OUR_MAC) /
                             ARP(op=2, hwsrc=OUR_MAC, psrc=VIP_NAT, hwdst=OTHER_MAC, pdst="0.0.0.0")))]),
]

# Sources no host sends from, and packets pretending to come from us
# (parse_frame; Worker::inbound for new connections, Worker::local).
def from_src(src: str, vip: str = VIP_NAT, sport: int = 46060) -> Ether:
    return client_tcp(vip, 80, sport=sport, src=src)


CASES += [
    Case("SYN from 0.0.0.0, 0.1.2.3, 127.0.0.1, 224.0.0.5, 239.1.1.1, 240.0.0.1, 255.255.255.255: bad_source_address",
         inputs=[from_src(a) for a in ("0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.5", "239.1.1.1",
                                       "240.0.0.1", "255.255.255.255")],
         expect=[], drops={"bad_source_address": 7}),

    Case("UDP from 127.0.0.1 to DR and a reply-looking segment from 224.0.0.1: bad_source_address",
         inputs=[Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) / IP(src="127.0.0.1", dst=VIP_DR) /
                             UDP(sport=53, dport=53) / Raw(b"x"))),
                 Ether(bytes(Ether(dst=OUR_MAC, src=RS2_MAC) / IP(src="224.0.0.1", dst=CLIENT) /
                             TCP(sport=8080, dport=46000, flags="SA")))],
         expect=[], drops={"bad_source_address": 2}),

    Case("SYN to a VIP from a VIP and from our own address, echo to a VIP from a VIP: spoofed_own_address",
         inputs=[from_src(VIP_DR), from_src(LB_CLIENT_SIDE, sport=46061),
                 Ether(bytes(Ether(dst=OUR_MAC, src=CLIENT_MAC) / IP(src=VIP_TUN, dst=VIP_NAT) /
                             ICMP(type=8, id=9, seq=1) / Raw(b"ping")))],
         expect=[], drops={"spoofed_own_address": 3}),

    Case("control: a SYN from an ordinary client address right next to them is forwarded",
         inputs=[ok_src := from_src("1.0.0.1", sport=46062)],
         expect=[nat_inbound(ok_src, RS1, 8080)]),
]

# Fragments that would rewrite what the first fragment decided (RFC 1858,
# RFC 3128; src/packet/frag_guard.hpp). We do not reassemble: the real
# server does, so nothing may reach it that could replace the L4 header.
tcp_dgram = client_tcp(VIP_NAT, 80, sport=46070, flags="S", options=[], data=payload(80),
                       df=False, ip_id=0x7201)
tcp_frags = fragments(tcp_dgram, 24)      # 20-byte TCP header in the first
at16 = patched(tcp_frags[1], 6, struct.pack("!H", 0x2000 | 2))   # offset 16 bytes: checksum, urgent
at8 = patched(tcp_frags[1], 6, struct.pack("!H", 0x2000 | 1))    # offset 8 bytes: flags
udp_frags = fragments(client_udp(VIP_NAT, 53, sport=46071, data=payload(100), ip_id=0x7202), 40)
udp_moved = patched(udp_frags[0], 20, struct.pack("!H", 46072))  # first fragment, other source port

CASES += [
    Case("TCP fragment at offset 8 bytes (over the flags): frag_tiny_overlap",
         inputs=[fragments(client_tcp(VIP_NAT, 80, sport=46073, flags="S", options=[], data=payload(40),
                                      df=False, ip_id=0x7203), 8)[1]],
         expect=[], drops={"frag_tiny_overlap": 1}),

    Case("TCP fragment at 16 bytes held before its first, one at 8 bytes after: dropped, the rest forwarded",
         inputs=[at16, *tcp_frags, at8],
         expect=[nat_inbound(f, RS1, 8080 if i == 0 else None) for i, f in enumerate(tcp_frags)],
         ordered=False, drops={"frag_overlap": 1, "frag_tiny_overlap": 1}),

    Case("a second first fragment with another source port: frag_overlap; the datagram goes on",
         inputs=[udp_frags[0], udp_moved, *udp_frags[1:]],
         expect=[nat_inbound(f, RS1, 5353 if i == 0 else None) for i, f in enumerate(udp_frags)],
         ordered=False, drops={"frag_overlap": 1}),

    Case("the same first fragment twice (a duplicate): both forwarded",
         inputs=[udp_frags[0], udp_frags[0]],
         expect=[nat_inbound(udp_frags[0], RS1, 5353)] * 2),
]
