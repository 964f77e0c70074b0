#pragma once
// The value words of a dvsadm command line, shared by ipvsadm's syntax
// (parser.cpp) and DVS's own verbs (arguments.cpp). Each throws UsageError
// with a message that says what to type, or returns nullopt where the caller
// phrases it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dvsadm/command.hpp"
#include "dvsadm/parser.hpp"

namespace dvs::dvsadm {

// "-x" or "--xyz" (a lone "-" is a value).
bool looks_like_option(const std::string& word);

// Decimal digits only, at most `max`.
std::optional<uint64_t> parse_number(std::string_view text, uint64_t max);

struct AddressPort {
    IpAddress address;
    std::optional<uint16_t> port;
};

// "A.B.C.D[:port]", "[2001:db8::10][:port]" or "2001:db8::10"; `what` names
// it in messages ("service address"), `form` shows how to write it
// ("VIP[:port]").
AddressPort parse_address_port(const std::string& text, std::string_view what,
                               std::string_view form);

// Seconds, min..mgmt::kMaxTimeoutSeconds.
uint32_t parse_timeout(const std::string& text, uint32_t min, std::string_view what);

// "tcp" / "udp", either case as ipvsadm writes them.
std::optional<Protocol> parse_protocol_word(std::string_view text);

// DVS's verbs (status, reload, save-yaml, conns, health, ha) and their words.
std::string verb_word(Verb verb);
std::optional<Verb> dvs_verb(std::string_view word);

// words[0] is the verb's word; conns takes --vip, --client, --server,
// --protocol, --limit.
Command parse_dvs_verb(Verb verb, const std::vector<std::string>& words);

}  // namespace dvs::dvsadm
