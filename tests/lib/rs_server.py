#!/usr/bin/python3
"""A small real server for DVS end-to-end tests and the demo.

HTTP (threaded, HTTP/1.1 capable):
  GET /whoami       -> body NAME
  GET /blob         -> a deterministic pseudo-random blob of --blob-mb MiB
                       (the same bytes on every server, so a client can compare
                       its sha256 whichever server answered); /blob?rate=N
                       paces the body at N bytes/s (curl's --limit-rate
                       bursts: 8 MiB at "2M" took 1.5 s here)
  GET /blob.sha256  -> hex sha256 of /blob
  PUT|POST /upload  -> reads the whole body (Content-Length or chunked) and
                       answers "SHA256HEX LENGTH NAME\n"
  --extra-http-port P (repeatable): the same server on more ports (DR and TUN
  cannot change the port, so the RS must listen on the VIP's port).
UDP: every datagram is answered with b"NAME " + payload, from the address it
was sent to (IP_PKTINFO), so a DR/TUN server answers from the VIP on lo.

Run with /usr/bin/python3; only the standard library is used.
"""

import argparse
import hashlib
import http.server
import os
import random
import socket
import socketserver
import sys
import threading
import time

BLOB_SEED = 0x0D75  # fixed: every server generates identical bytes
CHUNK = 1 << 20


def make_blob(directory: str, mb: int) -> tuple[str, str]:
    """Create (once) DIR/blob-<mb>MiB.bin and return (path, sha256 hex)."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"blob-{mb}MiB.bin")
    size = mb * CHUNK
    if not (os.path.exists(path) and os.path.getsize(path) == size):
        rng = random.Random(BLOB_SEED)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            for _ in range(mb):
                f.write(rng.randbytes(CHUNK))
        os.replace(tmp, path)  # several servers may race: same content anyway
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
    return path, digest.hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dvs-rs/1.0"

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def _send_bytes(self, body: bytes, ctype: str = "text/plain") -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        cfg = self.server.cfg
        path, _, query = self.path.partition("?")
        try:
            if path == "/whoami":
                self._send_bytes(cfg["name"].encode())
            elif path == "/blob.sha256":
                self._send_bytes((cfg["sha256"] + "\n").encode())
            elif path == "/blob":
                size = os.path.getsize(cfg["blob"])
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if self.command != "HEAD":
                    rate = 0
                    for kv in query.split("&"):
                        if kv.startswith("rate="):
                            rate = int(kv[5:])
                    piece = 64 * 1024 if rate else 256 * 1024
                    start, sent = time.monotonic(), 0
                    with open(cfg["blob"], "rb") as f:
                        while True:
                            chunk = f.read(piece)
                            if not chunk:
                                break
                            self.wfile.write(chunk)
                            sent += len(chunk)
                            if rate:
                                ahead = start + sent / rate - time.monotonic()
                                if ahead > 0:
                                    time.sleep(ahead)
            else:
                body = b"not found\n"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    do_HEAD = do_GET

    def _read_body(self):
        """Yield the request body in chunks (Content-Length or chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                left = size
                while left:
                    chunk = self.rfile.read(min(left, CHUNK))
                    if not chunk:
                        raise ConnectionResetError("body cut short")
                    left -= len(chunk)
                    yield chunk
                self.rfile.readline(16)  # CRLF after the chunk
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left > 0:
                chunk = self.rfile.read(min(left, CHUNK))
                if not chunk:
                    raise ConnectionResetError("body cut short")
                left -= len(chunk)
                yield chunk

    def do_PUT(self):  # noqa: N802
        path = self.path.split("?", 1)[0]
        try:
            if path != "/upload":
                body = b"not found\n"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True
                return
            digest = hashlib.sha256()
            length = 0
            for chunk in self._read_body():
                digest.update(chunk)
                length += len(chunk)
            self._send_bytes(f"{digest.hexdigest()} {length} {self.server.cfg['name']}\n".encode())
        except (BrokenPipeError, ConnectionResetError, TimeoutError, ValueError):
            self.close_connection = True

    do_POST = do_PUT


class HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class HTTPServer6(HTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        # http.server's server_bind asks getfqdn() for the address: a reverse
        # lookup that stalls for seconds in a namespace without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = self.server_address[1]


def udp6_loop(sock: socket.socket, name: bytes) -> None:
    """The UDP echo over IPv6 (NAT66 servers: the kernel's source is right)."""
    while True:
        try:
            data, peer = sock.recvfrom(65535)
            sock.sendto(name + b" " + data, peer)
        except OSError:
            continue


IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux; Python may lack the name


def udp_loop(sock: socket.socket, name: bytes) -> None:
    """Echo with b"NAME " prefix. The answer leaves from the address the
    datagram was sent to (in_pktinfo.ipi_spec_dst), not from whatever the
    route to the client would pick: a DR/TUN server must answer from the VIP."""
    space = socket.CMSG_SPACE(12)
    while True:
        try:
            data, anc, _flags, peer = sock.recvmsg(65535, space)
            reply_anc = []
            for level, ctype, cdata in anc:
                if level == socket.IPPROTO_IP and ctype == IP_PKTINFO and len(cdata) >= 12:
                    # struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; }
                    dst = cdata[8:12]
                    reply_anc = [(socket.IPPROTO_IP, IP_PKTINFO, b"\0\0\0\0" + dst + b"\0\0\0\0")]
            sock.sendmsg([name + b" " + data], reply_anc, 0, peer)
        except OSError:
            continue


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--http-port", type=int, default=8080)
    ap.add_argument("--extra-http-port", type=int, action="append", default=[])
    ap.add_argument("--udp-port", type=int, default=5353)
    ap.add_argument("--blob-mb", type=int, default=50)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--bind6", action="append", default=[],
                    help="also serve HTTP and UDP on this IPv6 address (repeatable)")
    args = ap.parse_args()

    blob, sha = make_blob(args.dir, args.blob_mb)

    usock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    usock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    usock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    usock.bind((args.bind, args.udp_port))
    threading.Thread(target=udp_loop, args=(usock, args.name.encode()), daemon=True).start()

    cfg = {"name": args.name, "blob": blob, "sha256": sha}
    for port in args.extra_http_port:
        extra = HTTPServer((args.bind, port), Handler)
        extra.cfg = cfg
        threading.Thread(target=extra.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
    httpd = HTTPServer((args.bind, args.http_port), Handler)
    httpd.cfg = cfg
    for addr6 in args.bind6:
        for port in [args.http_port] + args.extra_http_port:
            srv6 = HTTPServer6((addr6, port), Handler)
            srv6.cfg = cfg
            threading.Thread(target=srv6.serve_forever, kwargs={"poll_interval": 0.2},
                             daemon=True).start()
        usock6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        usock6.bind((addr6, args.udp_port))
        threading.Thread(target=udp6_loop, args=(usock6, args.name.encode()), daemon=True).start()
    ports = ",".join(str(p) for p in [args.http_port] + args.extra_http_port)
    print(f"{args.name}: http :{ports} udp :{args.udp_port} "
          f"blob {args.blob_mb} MiB sha256 {sha}", file=sys.stderr, flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
