#pragma once
// Text forms of the shared vocabulary (common/net_types.hpp): the one place
// that parses and prints addresses and enum names, for the YAML loader, the
// management protocol, dvsadm and logs alike. Parsers are strict and return
// nullopt on anything else; callers phrase the error for their context.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/net_types.hpp"

namespace dvs::text {

// Exactly four decimal fields 0..255, no leading zeros (inet_aton would read
// "010" as octal 8), nothing before or after. Host byte order.
std::optional<uint32_t> parse_ipv4(std::string_view text);
std::string format_ipv4(uint32_t host_order);

// "10.0.0.1/24": a strict address, '/', a length 0..32 in at most two digits.
std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);
std::string format_ipv4_prefix(const Ipv4Prefix& prefix);

// IPv6 text (RFC 4291 2.2): eight groups of 1-4 hex digits, one "::" for a
// run of zero groups, an embedded dotted IPv4 tail allowed; no zone ("%eth0"),
// no brackets. Network byte order.
std::optional<std::array<uint8_t, 16>> parse_ipv6(std::string_view text);
// RFC 5952: lower case, no leading zeros, the longest run (the first of equal
// ones) of two or more zero groups as "::".
std::string format_ipv6(const std::array<uint8_t, 16>& network_order);

// Either family, told apart by the text: a ':' means IPv6.
std::optional<IpAddress> parse_ip(std::string_view text);
std::string format_ip(const IpAddress& address);
// "[2001:db8::1]" for IPv6 and "10.0.0.1" for IPv4: an address that a ":port"
// follows, as ipvsadm prints and reads them.
std::string format_ip_bracketed(const IpAddress& address);

// "10.0.0.1/24" or "2001:db8::1/64": a strict address, '/', a length of at
// most three digits without leading zeros, 0..32 or 0..128 by family.
std::optional<IpPrefix> parse_ip_prefix(std::string_view text);
std::string format_ip_prefix(const IpPrefix& prefix);

// A netmask whose ones are contiguous from the top (255.255.255.0).
bool is_contiguous_netmask(uint32_t mask);

// Six two-digit hex fields separated by ':' ("02:00:00:00:00:01").
std::optional<MacAddress> parse_mac(std::string_view text);
std::string format_mac(const MacAddress& mac);

// Enum names: "tcp"/"udp"; "nat"/"dr"/"tun"; "none"/"tcp"/"http"/"udp"/
// "ping"/"exec"; "inhibit"/"remove".
std::string_view name(Protocol p);
std::string_view name(ForwardMethod f);
// ipvsadm's switch for a method: -m (NAT), -g (DR), -i (TUN).
std::string_view ipvsadm_switch(ForwardMethod f);
std::string_view name(CheckType t);
std::string_view name(FailureAction a);
std::optional<Protocol> parse_protocol(std::string_view text);
std::optional<ForwardMethod> parse_forward_method(std::string_view text);
std::optional<CheckType> parse_check_type(std::string_view text);
std::optional<FailureAction> parse_failure_action(std::string_view text);

// "500ms", "2s": how durations are written in the config file.
std::string format_duration_ms(uint32_t ms);

// ipvsadm's -b scheduler flags ("sh-fallback", "sh-port", "mh-fallback",
// "mh-port"): each names the scheduler it belongs to and what it turns on.
enum class SchedulerFlag : uint8_t { kFallback, kPort };
struct ParsedSchedulerFlag {
    std::string_view scheduler;  // "sh" or "mh"
    SchedulerFlag flag;
};
std::optional<ParsedSchedulerFlag> parse_scheduler_flag(std::string_view text);
// "<scheduler>-fallback" / "<scheduler>-port".
std::string scheduler_flag_name(std::string_view scheduler, SchedulerFlag flag);

// Length of the UTF-8 sequence that starts at text[i], or 0 when the bytes
// there are not one (RFC 3629: no overlong forms, surrogates or code points
// over U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);
// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace dvs::text
