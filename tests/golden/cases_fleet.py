"""Maglev continuation (issue 16): a box of a fleet receives a segment of a
connection another box placed.

192.0.2.70 (VIP_MH), every service mh with one server so the pick is known:
tcp 80 -> RS2 dr and tcp 81 -> RS1:8080 nat with `continuation: true`,
tcp 82 with continuation and no server, tcp 83 mh without continuation
(the golden config has no fleet section, so the default is off), tcp 84 ->
RS2 dr with continuation and max_half_open: 1.
"""

from golden import (CLIENT, RS1, RS2_MAC, VIP_MH, Case, client_tcp, dr, nat_inbound, nat_reply,
                    rs_tcp)

ack_dr = client_tcp(VIP_MH, 80, sport=47001, flags="A", seq=5001, ack=9001)
data_dr = client_tcp(VIP_MH, 80, sport=47001, flags="PA", seq=5001, ack=9001, data=b"GET / HTTP/1.1\r\n\r\n")
ack_nat = client_tcp(VIP_MH, 81, sport=47002, flags="A", seq=5001, ack=9001)
reply_nat = rs_tcp(RS1, 8080, 47002, flags="A", seq=9001, ack=5001)
fin_nat = client_tcp(VIP_MH, 81, sport=47003, flags="FA", seq=7001, ack=9001)
ack_empty = client_tcp(VIP_MH, 82, sport=47004, flags="A", seq=5001, ack=9001)
ack_plain = client_tcp(VIP_MH, 83, sport=47005, flags="A", seq=5001, ack=9001)
syn_dr = client_tcp(VIP_MH, 80, sport=47006, flags="S")
ack_a = client_tcp(VIP_MH, 84, sport=47010, flags="A", seq=5001, ack=9001)
data_a = client_tcp(VIP_MH, 84, sport=47010, flags="PA", seq=5001, ack=9001, data=b"more")
ack_b = client_tcp(VIP_MH, 84, sport=47011, flags="A", seq=6001, ack=9001)

CASES = [
    Case("continuation: an ACK without state goes to the mh pick (RS2, dr), counted",
         inputs=[ack_dr], expect=[dr(ack_dr, RS2_MAC)],
         counters={"continued_no_state": 1, "conns_created": 1}),

    Case("continuation: the entry made by the first segment carries the next (counted once)",
         inputs=[ack_dr, data_dr], expect=[dr(ack_dr, RS2_MAC), dr(data_dr, RS2_MAC)],
         counters={"continued_no_state": 1, "conns_created": 1}),

    Case("continuation, NAT: the ACK is rewritten to RS1:8080 and the server's reply back to the VIP",
         inputs=[ack_nat, reply_nat],
         expect=[nat_inbound(ack_nat, RS1, 8080), nat_reply(reply_nat, VIP_MH, 81)],
         counters={"continued_no_state": 1}),

    Case("continuation: a FIN without state reaches the server too (the close completes there)",
         inputs=[fin_nat], expect=[nat_inbound(fin_nat, RS1, 8080)],
         counters={"continued_no_state": 1}),

    Case("continuation with no usable server: tcp_no_conn, never a reset (on_no_server: reject)",
         inputs=[ack_empty], expect=[], drops={"tcp_no_conn": 1},
         counters={"continued_no_state": 0, "no_server_rejects": 0}),

    Case("mh without continuation: a non-SYN without state stays tcp_no_conn",
         inputs=[ack_plain], expect=[], drops={"tcp_no_conn": 1},
         counters={"continued_no_state": 0}),

    Case("continuation: a SYN is an ordinary new connection (not counted as continued)",
         inputs=[syn_dr], expect=[dr(syn_dr, RS2_MAC)],
         counters={"continued_no_state": 0, "conns_created": 1}),

    # An ACK flood of made-up tuples must not fill the table with 900 s
    # ESTABLISHED entries: a continued ACK is half-open (SYN_RECV: bounded by
    # max_half_open, short timeout under SYN pressure) until the flow's next
    # segment shows it is real.
    Case("continuation: an unconfirmed continued flow is half-open, so a second one meets max_half_open",
         inputs=[ack_a, ack_b], expect=[dr(ack_a, RS2_MAC)], drops={"half_open_limit": 1},
         counters={"continued_no_state": 1, "conns_created": 1}),

    Case("continuation: the flow's next segment confirms it (established) and frees its half-open place",
         inputs=[ack_a, data_a, ack_b],
         expect=[dr(ack_a, RS2_MAC), dr(data_a, RS2_MAC), dr(ack_b, RS2_MAC)],
         counters={"continued_no_state": 2, "conns_created": 2}),
]
