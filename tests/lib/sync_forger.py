#!/usr/bin/env python3
"""A hostile host on the HA link: writes DVS sync datagrams (the wire format
of src/control/ha/sync_protocol.hpp) with a spoofed source address and port,
and replays captured ones. For tests/e2e/e2e_ha_forged_sync.sh (issue 20).

Frames are built by hand (Ethernet, IPv4, UDP) and written to an AF_PACKET
socket, so any source address can be claimed. Standard library only.

  sync_forger.py version  --pcap F --src IP
      the sync version of the first datagram IP sent in capture F
  sync_forger.py removes  COMMON --client IP --vip IP --vport N [--proto tcp]
      remove records for every client port 1024..65535
  sync_forger.py updates  COMMON --count N --vip IP --vport N --rs IP --rs-port N
      N established connections from 10.99.0.0/16, timeout 30 days
  sync_forger.py requests COMMON --count N --interval S
      full-transfer requests
  sync_forger.py gap      COMMON
      two datagrams of one sender with sequence numbers 510,000,000 apart
  sync_forger.py replay   COMMON --pcap F
      resend, unchanged, every sync datagram --src sent to --dst in F
COMMON: --iface IF --dst-mac MAC --src IP --dst IP [--sport N] [--dport N]
        [--version 1|2] [--key-file F]   (sign with this key: version 2)
Prints one JSON line: {"datagrams": sent, "records": records in them}.
"""
import argparse
import hashlib
import hmac
import json
import os
import random
import socket
import struct
import sys
import time

MAGIC = 0x44565359
CONNECTIONS, FULL_REQUEST = 1, 2
TCP, UDP = 6, 17
UDP_STATE, ESTABLISHED = 0, 2
UPDATE, REMOVE = 1, 2
NAT = 0
V1_HEADER, V2_HEADER, TAG = 16, 28, 16
STARTED = int(time.time() * 1000)  # this forger's "session" start (unix ms)


def max_records(version):
    return (1400 - V1_HEADER) // 32 if version == 1 else (1400 - V2_HEADER - TAG) // 32


def header(version, kind, count, seq, sender, key):
    if version == 1:
        return struct.pack("!IBBHII", MAGIC, 1, kind, count, seq, sender)
    return struct.pack("!IBBHIIQB3x", MAGIC, 2, kind, count, seq, sender, STARTED, 1 if key else 0)


def seal(version, data, key):
    if version == 2 and key:
        data += hmac.new(key, data, hashlib.sha256).digest()[:TAG]
    return data


def record(proto, state, op, client, vip, rs, cport, vport, rsport, timeout):
    return struct.pack("!BBBB4s4s4sHHHHII", proto, state, NAT, op, socket.inet_aton(client),
                       socket.inet_aton(vip), socket.inet_aton(rs), cport, vport, rsport, 0,
                       timeout, 0)


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Wire:
    def __init__(self, a):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((a.iface, 0))
        src_mac = open(f"/sys/class/net/{a.iface}/address").read().strip()
        self.eth = bytes.fromhex(a.dst_mac.replace(":", "")) + bytes.fromhex(
            src_mac.replace(":", "")) + b"\x08\x00"
        self.src, self.dst = socket.inet_aton(a.src), socket.inet_aton(a.dst)
        self.sport, self.dport = a.sport, a.dport
        self.datagrams = self.records = 0

    def send(self, payload, records=0, sport=None):
        udp = struct.pack("!HHHH", sport or self.sport, self.dport, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), random.getrandbits(16), 0, 64,
                         17, 0, self.src, self.dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        for attempt in range(100):
            try:
                self.sock.send(self.eth + ip + udp)
                break
            except BlockingIOError:
                time.sleep(0.001)
        self.datagrams += 1
        self.records += records


def connections(a, wire, recs):
    n = max_records(a.version)
    sender = random.getrandbits(32)
    for seq, i in enumerate(range(0, len(recs), n)):
        chunk = recs[i:i + n]
        d = header(a.version, CONNECTIONS, len(chunk), seq, sender, a.key) + b"".join(chunk)
        wire.send(seal(a.version, d, a.key), len(chunk))
        if a.pace:
            time.sleep(a.pace)


def read_pcap(path):
    """(ip src, ip dst, udp sport, udp payload) of each IPv4/UDP frame."""
    data = open(path, "rb").read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos, out = 24, []
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 0x0F) * 4
        udp = frame[14 + ihl:]
        length = struct.unpack("!H", udp[4:6])[0]
        out.append((socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34]),
                    struct.unpack("!H", udp[0:2])[0], udp[8:length]))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["version", "removes", "updates", "requests", "gap", "replay"])
    p.add_argument("--iface")
    p.add_argument("--dst-mac")
    p.add_argument("--src")
    p.add_argument("--dst")
    p.add_argument("--sport", type=int, default=8848)
    p.add_argument("--dport", type=int, default=8848)
    p.add_argument("--version", type=int, default=2)
    p.add_argument("--key-file")
    p.add_argument("--pcap")
    p.add_argument("--client", default="10.0.1.2")
    p.add_argument("--vip", default="192.0.2.10")
    p.add_argument("--vport", type=int, default=80)
    p.add_argument("--proto", default="tcp")
    p.add_argument("--rs", default="10.0.0.11")
    p.add_argument("--rs-port", type=int, default=8080)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.0)
    p.add_argument("--pace", type=float, default=0.0, help="seconds between datagrams")
    a = p.parse_args()
    a.key = None
    if a.key_file:
        a.key = open(a.key_file, "rb").read().rstrip(b"\r\n")

    if a.what == "version":
        for src, _, _, payload in read_pcap(a.pcap):
            if src == a.src and len(payload) > 4 and payload[:4] == b"DVSY":
                print(payload[4])
                return 0
        return 1

    wire = Wire(a)
    proto = TCP if a.proto == "tcp" else UDP
    if a.what == "removes":
        state = ESTABLISHED if proto == TCP else UDP_STATE
        connections(a, wire, [record(proto, state, REMOVE, a.client, a.vip, "0.0.0.0", port,
                                     a.vport, 0, 0) for port in range(1024, 65536)])
    elif a.what == "updates":
        recs = []
        for i in range(a.count):
            client = "10.99.%d.%d" % ((i >> 8) & 255, i & 255)
            recs.append(record(TCP, ESTABLISHED, UPDATE, client, a.vip, a.rs, 40000 + (i % 20000),
                               a.vport, a.rs_port, 2592000))
        connections(a, wire, recs)
    elif a.what == "requests":
        sender = random.getrandbits(32)
        for seq in range(a.count):
            d = header(a.version, FULL_REQUEST, 0, seq, sender, a.key) + struct.pack(
                "!I", random.getrandbits(32) | 1)
            wire.send(seal(a.version, d, a.key))
            time.sleep(a.interval)
    elif a.what == "gap":
        sender = random.getrandbits(32)
        for seq in (1, 510_000_001):
            d = header(a.version, CONNECTIONS, 0, seq, sender, a.key)
            wire.send(seal(a.version, d, a.key))
    elif a.what == "replay":
        for src, dst, sport, payload in read_pcap(a.pcap):
            if src == a.src and dst == a.dst and payload[:4] == b"DVSY":
                wire.send(payload, 0, sport)
    print(json.dumps({"datagrams": wire.datagrams, "records": wire.records}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
