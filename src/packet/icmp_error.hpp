#pragma once
// ICMP errors for virtual services (the LVS paper's ICMP handling). Pure
// functions over a parsed view; addresses and ports in network byte order.
//
// An ICMP error quotes the IP header and at least 8 bytes of the packet that
// caused it. Reversing the quoted tuple gives the key of the connection it is
// about: from outside (a router on the client's path, quoting VIP -> client)
// that is the connection's inbound key; from a NAT real server (quoting
// client -> RS) it is the reply key.

#include <cstdint>

#include "packet/flow_key.hpp"
#include "packet/packet_view.hpp"

namespace dvs::dataplane {

inline constexpr uint8_t kIcmpDestUnreachable = 3;
inline constexpr uint8_t kIcmpSourceQuench = 4;
inline constexpr uint8_t kIcmpTimeExceeded = 11;
inline constexpr uint8_t kIcmpParameterProblem = 12;
inline constexpr uint8_t kIcmpCodePortUnreachable = 3;
inline constexpr uint8_t kIcmpCodeFragNeeded = 4;
inline constexpr uint16_t kIcmpQuoteMax = 548;  // 576 - 20 (IP) - 8 (ICMP), as Linux does

struct QuotedPacket {
    Ipv4Hdr* ip = nullptr;  // inside the ICMP message
    uint8_t* l4 = nullptr;  // first 8 bytes of TCP/UDP: ports at offsets 0 and 2
    FlowKey reversed;       // the quoted tuple, reversed
};

bool icmp_is_error(const PacketView& p);

// Parses the quoted packet of an ICMP error: TCP or UDP, header complete, at
// least 8 bytes of L4. False for anything else.
bool icmp_parse_quoted(const PacketView& p, QuotedPacket& q);

// From outside to a NAT real server: outer destination VIP -> rs_ip, quoted
// source VIP:vport -> rs_ip:rs_port. Checksums fixed (ICMP fully recomputed).
void icmp_error_nat_inbound(PacketView& p, QuotedPacket& q, uint32_t rs_ip, uint16_t rs_port);

// From a NAT real server to the client: outer source rs -> VIP, quoted
// destination rs:rport -> VIP:vport.
void icmp_error_nat_reply(PacketView& p, QuotedPacket& q, uint32_t vip, uint16_t vport);

// Writes a complete "fragmentation needed" IP packet (no Ethernet header)
// into out, quoting the first min(orig_len, kIcmpQuoteMax) bytes of orig.
// Returns its length. out must hold 20 + 8 + kIcmpQuoteMax bytes.
uint16_t icmp_write_frag_needed(uint8_t* out, const uint8_t* orig, uint16_t orig_len, uint32_t src,
                                uint32_t dst, uint16_t next_hop_mtu, uint16_t id);
// The same for any "destination unreachable" code (port unreachable for a
// UDP service with no usable server); next_hop_mtu only with code 4.
uint16_t icmp_write_unreachable(uint8_t* out, const uint8_t* orig, uint16_t orig_len, uint32_t src,
                                uint32_t dst, uint8_t code, uint16_t id, uint16_t next_hop_mtu = 0);

}  // namespace dvs::dataplane
