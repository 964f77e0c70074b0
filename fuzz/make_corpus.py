#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Run with Debian's /usr/bin/python3 (python3-scapy). The files are small and
committed; rerun after changing a target's input layout. Packet seeds are real
frames built with scapy behind each target's small header of parameters (see
the comment at the top of each fuzz_*.cpp). It only writes (overwrites) its
own files: a seed it no longer makes must be removed by hand.
"""

import glob
import os
import socket
import struct

from scapy.config import conf

conf.verb = 0
from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import (ICMPv6EchoRequest, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr,  # noqa: E402
                                ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                                IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
OUT = os.path.join(HERE, "corpus")

OUR = "02:00:00:00:01:01"
CLI = "02:00:00:00:00:02"


def eth(p):
    return Ether(src=CLI, dst=OUR) / p


def frames():
    syn = IP(src="10.0.1.2", dst="192.0.2.10", id=1) / TCP(sport=40000, dport=80, flags="S", seq=1000)
    return {
        "tcp_syn": eth(syn),
        "tcp_opts": eth(IP(src="10.0.1.2", dst="192.0.2.10") /
                        TCP(sport=40001, dport=80, flags="S", options=[("MSS", 1460), ("SAckOK", b""),
                                                                       ("WScale", 7)])),
        "tcp_data": eth(IP(src="10.0.0.11", dst="10.0.1.2") / TCP(sport=8080, dport=40000, flags="PA") /
                        Raw(b"HTTP/1.1 200 OK\r\n\r\n")),
        "ip_options": eth(IP(src="10.0.1.2", dst="192.0.2.10", options=b"\x94\x04\x00\x00") /
                          TCP(sport=40002, dport=80, flags="S")),
        "udp": eth(IP(src="10.0.1.2", dst="192.0.2.10") / UDP(sport=5000, dport=53) / Raw(b"q" * 20)),
        "udp_nocsum": eth(IP(src="10.0.1.2", dst="192.0.2.10") / UDP(sport=5001, dport=53, chksum=0) /
                          Raw(b"x" * 9)),
        "udp_big": eth(IP(src="10.0.1.2", dst="192.0.2.30") / UDP(sport=5002, dport=53) / Raw(b"B" * 1600)),
        "tcp_big_df": eth(IP(src="10.0.1.2", dst="192.0.2.30", flags="DF") /
                          TCP(sport=40003, dport=80, flags="A") / Raw(b"D" * 1480)),
        "icmp_echo": eth(IP(src="10.0.1.2", dst="192.0.2.10") / ICMP(type=8, id=7, seq=1) / Raw(b"ping" * 8)),
        "icmp_unreach_tcp": eth(IP(src="198.51.100.1", dst="192.0.2.10") / ICMP(type=3, code=4, nexthopmtu=1400) /
                                bytes(IP(src="192.0.2.10", dst="10.0.1.2") /
                                      TCP(sport=80, dport=40000, flags="SA"))[:28]),
        "icmp_ttl_udp": eth(IP(src="10.0.0.11", dst="10.0.1.2") / ICMP(type=11, code=0) /
                            bytes(IP(src="10.0.1.2", dst="10.0.0.11") / UDP(sport=5000, dport=5353) /
                                  Raw(b"abcd"))),
        "frag_first": eth(IP(src="10.0.1.2", dst="192.0.2.10", id=77, flags="MF") /
                          bytes(UDP(sport=5003, dport=53, len=1208) / Raw(b"F" * 1200))[:1000]),
        "frag_later": eth(IP(src="10.0.1.2", dst="192.0.2.10", id=77, frag=125, proto=17) / Raw(b"F" * 208)),
        "padded": eth(IP(src="10.0.1.2", dst="192.0.2.10") / TCP(sport=40004, dport=80, flags="A")) / Raw(b"\0" * 6),
        "arp_request": Ether(src=CLI, dst="ff:ff:ff:ff:ff:ff") /
                       ARP(op=1, hwsrc=CLI, psrc="10.0.1.2", pdst="192.0.2.10"),
        "arp_reply": Ether(src=CLI, dst=OUR) / ARP(op=2, hwsrc=CLI, psrc="10.0.1.2", hwdst=OUR, pdst="10.0.1.1"),
    }


def ipv6_frames():
    """IPv6 seeds for fuzz_packet only (issue 15): ND, echo, extension headers."""
    return {
        "ipv6_ns": Ether(src=CLI, dst="33:33:ff:00:00:01") /
                   IPv6(src="fe80::2", dst="ff02::1:ff00:1", hlim=255) /
                   ICMPv6ND_NS(tgt="2001:db8:1::1") / ICMPv6NDOptSrcLLAddr(lladdr=CLI),
        "ipv6_echo": eth(IPv6(src="2001:db8:1::2", dst="2001:db8:1::1") /
                         ICMPv6EchoRequest(id=7, seq=1, data=b"ping" * 8)),
        "ipv6_ext_tcp": eth(IPv6(src="2001:db8:1::2", dst="2001:db8::10") / IPv6ExtHdrHopByHop() /
                            IPv6ExtHdrDestOpt() / TCP(sport=40000, dport=80, flags="S")),
        "ipv6_routing_udp": eth(IPv6(src="2001:db8:1::2", dst="2001:db8::10") /
                                IPv6ExtHdrRouting(type=4, segleft=0) / UDP(sport=5000, dport=53) /
                                Raw(b"q" * 12)),
        # An error about a connection, quoting VIP -> client (icmp6_error).
        "ipv6_ptb_quote": eth(IPv6(src="2001:db8:77::1", dst="2001:db8::10") /
                              ICMPv6PacketTooBig(mtu=1400) /
                              Raw(bytes(IPv6(src="2001:db8::10", dst="2001:db8:1::2") /
                                        TCP(sport=80, dport=40000, flags="SA")))),
        # Fragments: a first one, an atomic one, one inside another (issue 15).
        "ipv6_frag_first": eth(IPv6(src="2001:db8:1::2", dst="2001:db8::10") /
                               IPv6ExtHdrFragment(m=1, id=9) / TCP(sport=40001, dport=80) /
                               Raw(b"f" * 64)),
        "ipv6_frag_atomic": eth(IPv6(src="2001:db8:1::2", dst="2001:db8::10") /
                                IPv6ExtHdrFragment(m=0, id=10) / UDP(sport=5001, dport=53) /
                                Raw(b"a" * 16)),
        "ipv6_frag_nested": eth(IPv6(src="2001:db8:1::2", dst="2001:db8::10") /
                                IPv6ExtHdrFragment(m=1, id=11) / IPv6ExtHdrFragment(m=1, id=12) /
                                TCP(sport=40002, dport=80)),
    }


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    # Overwrites its own seeds and deletes nothing: the folders also hold
    # seeds added by hand and the crash inputs every run replays first.
    for name, fr in frames().items():
        b = bytes(fr)
        write("fuzz_packet", name, struct.pack("<BIH", 3, 0x0b00000a, 0x901f) + b)
        write("fuzz_icmp", name, struct.pack("<BIHH", 7, 0x0a0200c0, 0x5000, 1480) + b)
        write("fuzz_tun", name, struct.pack("<BHII", 1, 1500 - 576, 0x0100000a, 0x0d00000a) + b)
        if name.startswith("arp") or name in ("tcp_syn", "udp"):
            write("fuzz_arp", name, bytes.fromhex("020000000101") + struct.pack("<I", 0x0101000a) + b)
    for name, fr in ipv6_frames().items():
        write("fuzz_packet", name, struct.pack("<BIH", 3, 0x0b00000a, 0x901f) + bytes(fr))

    for path in sorted(glob.glob(os.path.join(SRC, "config", "*.yaml*")) +
                       [os.path.join(SRC, "tests", "golden", "golden.yaml.in")]):
        with open(path, "rb") as f:
            text = f.read()
        # golden.yaml.in has placeholders; give them values so it loads.
        text = text.replace(b"@IN@", b"in.pcap").replace(b"@OUT@", b"out.pcap").replace(b"@MTU@", b"1500")
        write("fuzz_config", os.path.basename(path), text)

    requests = [
        '{"v":1,"op":"status"}',
        '{"v":1,"op":"reload"}',
        '{"v":1,"op":"list","rate":true,"stats":true}',
        '{"v":1,"op":"add_service","service":{"flags":["sh-fallback","sh-port"],"persistence":{"netmask":'
        '"255.255.255.0","timeout":600},"port":443,"protocol":"tcp","scheduler":"sh","vip":"192.0.2.10"}}',
        '{"v":1,"op":"edit_service","service":{"persistence":null,"port":53,"protocol":"udp","vip":"192.0.2.10"}}',
        '{"v":1,"op":"del_service","service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}}',
        '{"v":1,"op":"add_server","server":{"address":"10.0.0.11","forward":"nat","port":8080,"weight":3},'
        '"service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}}',
        '{"v":1,"op":"edit_server","server":{"address":"10.0.0.11","port":8080,"weight":0},'
        '"service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}}',
        '{"v":1,"op":"del_server","server":{"address":"10.0.0.11","port":8080},'
        '"service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}}',
        '{"v":1,"op":"clear"}',
        '{"v":1,"op":"zero","service":{"port":80,"protocol":"tcp","vip":"192.0.2.10"}}',
        '{"v":1,"op":"set_timeouts","tcp":900,"tcp_fin":0,"udp":300}',
        '{"v":1,"op":"save_yaml"}',
        '{"v":1,"op":"conns","filter":{"client":"10.0.1.5","port":80,"protocol":"tcp","server":"10.0.0.11",'
        '"vip":"192.0.2.10"},"limit":50}',
        '{"v":1,"ok":true,"yaml":"services: []\\n"}',
        '{"v":1,"ok":false,"error":"no such service"}',
        '{"v":1,"ok":true,"message":"reloaded"}',
    ]
    for i, r in enumerate(requests):
        write("fuzz_mgmt", f"req{i:02d}", (r + "\n").encode())

    lines = [
        "-L -n", "-Ln --stats", "-L -n --rate", "-L --timeout", "-L -c -n",
        "-A -t 192.0.2.10:80 -s wrr -p 300", "-A -u 192.0.2.10:53 -s sh -b sh-port,sh-fallback",
        "-E -t 192.0.2.10:80 -s mh -p 600 -M 255.255.255.0",
        "-a -t 192.0.2.10:80 -r 10.0.0.11:8080 -m -w 3", "-a -t 192.0.2.10:80 -r 10.0.0.12 -g",
        "-a -t 192.0.2.10:80 -r 10.0.0.13 -i -w 0", "-e -t 192.0.2.10:80 -r 10.0.0.11:8080 -m -w 0",
        "-d -t 192.0.2.10:80 -r 10.0.0.11:8080", "-D -t 192.0.2.10:80", "-C", "-Z", "-Z -t 192.0.2.10:80",
        "--set 900 120 300", "-S -n", "-R", "-h", "-v", "status", "reload", "save-yaml",
        "conns --vip 192.0.2.10 --client 10.0.1.2 --server 10.0.0.11",
        "-At192.0.2.10:80 -swlc", "--add-service --tcp-service=192.0.2.10:80 --scheduler=rr",
        "ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.11:80 -g -w 1\n# comment\n-A -u 192.0.2.10:53 -s rr",
        "-A -t '192.0.2.10:80' -s \"wrr\"",
    ]
    for i, line in enumerate(lines):
        write("fuzz_dvsadm", f"cmd{i:02d}", line.encode())

    # VRRPv3 adverts: [src u32][ttl u8][message], checksums over the
    # pseudo-header with 224.0.0.18. The first is keepalived's own (2.2.7,
    # captured with tcpdump: vrid 51, priority 100, 20 cs, 10.0.3.100).
    keepalived = bytes.fromhex("313364010014" "6fc2" "0a000364")
    write("fuzz_vrrp", "keepalived_v3", socket.inet_aton("10.0.3.2") + b"\xff" + keepalived)
    for name, (prio, addrs) in {"prio0": (0, 1), "owner_3addrs": (255, 3), "bad_ttl": (200, 1)}.items():
        body = struct.pack("!BBBBH", 0x31, 51, prio, addrs, 100) + b"\0\0" + \
            b"".join(socket.inet_aton(f"10.0.3.{100 + i}") for i in range(addrs))
        csum = vrrp_checksum(socket.inet_aton("10.0.3.2"), body)
        body = body[:6] + struct.pack("!H", csum) + body[8:]
        ttl = b"\x40" if name == "bad_ttl" else b"\xff"
        write("fuzz_vrrp", name, socket.inet_aton("10.0.3.2") + ttl + body)


def vrrp_checksum(src, body):
    """RFC 5798 5.2.8: pseudo-header (src, 224.0.0.18, 0, 112, length) + message."""
    data = src + socket.inet_aton("224.0.0.18") + struct.pack("!BBH", 0, 112, len(body)) + body
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


if __name__ == "__main__":
    main()
