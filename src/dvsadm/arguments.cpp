// The words of a dvsadm command line that are values (numbers, addresses,
// timeouts, protocols, DVS's verb names) and DVS's own verbs, which take
// long options only. Split from parser.cpp, which keeps ipvsadm's syntax.

#include "dvsadm/arguments.hpp"

#include "common/name_table.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "common/text_codec.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::dvsadm {

bool looks_like_option(const std::string& word) { return word.size() > 1 && word[0] == '-'; }

std::optional<uint64_t> parse_number(std::string_view text, uint64_t max) {
    uint64_t value = 0;
    if (text.empty() || text.size() > 20) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
    return value;
}

// "A.B.C.D[:port]", "[IPv6][:port]" or a bare IPv6 address (ipvsadm's
// parse_service: brackets are how an IPv6 address takes a port).
AddressPort parse_address_port(const std::string& text, std::string_view what,
                               std::string_view form) {
    const std::string quoted = "`" + text + "'";
    if (text.empty()) throw UsageError("empty " + std::string(what));
    std::string address_text = text;
    std::optional<std::string> port_text;
    if (text[0] == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) {
            throw UsageError("invalid " + std::string(what) + " " + quoted +
                             " (no `]' closes the IPv6 address; write [2001:db8::10]:80)");
        }
        address_text = text.substr(1, close - 1);
        const std::string rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') {
                throw UsageError("invalid " + std::string(what) + " " + quoted +
                                 " (after `]' comes `:port')");
            }
            port_text = rest.substr(1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        const auto colon = text.find(':');
        address_text = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    auto address = text::parse_ip(address_text);
    const bool bracketed = text[0] == '[';
    if (!address || (bracketed && !address->is_v6()) ||
        (!bracketed && address->is_v6() && address_text != text)) {
        throw UsageError("invalid " + std::string(what) + " " + quoted + " (expected " +
                         std::string(form) +
                         " with a numeric IPv4 address, or [IPv6]:port; dvsadm does not resolve "
                         "host names)");
    }
    AddressPort out;
    out.address = *address;
    if (port_text) {
        auto value = parse_number(*port_text, 65535);
        if (!value) {
            throw UsageError("invalid port `" + *port_text + "' in " + quoted +
                             " (0..65535; dvsadm does not resolve service names)");
        }
        out.port = static_cast<uint16_t>(*value);
    }
    return out;
}

uint32_t parse_timeout(const std::string& text, uint32_t min, std::string_view what) {
    auto value = parse_number(text, mgmt::kMaxTimeoutSeconds);
    if (!value || *value < min) {
        throw UsageError("invalid " + std::string(what) + " `" + text + "' (" +
                         std::to_string(min) + ".." + std::to_string(mgmt::kMaxTimeoutSeconds) +
                         " seconds)");
    }
    return static_cast<uint32_t>(*value);
}

std::optional<Protocol> parse_protocol_word(std::string_view text) {
    if (text == "tcp" || text == "TCP") return Protocol::kTcp;
    if (text == "udp" || text == "UDP") return Protocol::kUdp;
    return std::nullopt;
}

constexpr NameTable<Verb, 8> kVerbWords{{
    {Verb::kStatus, "status"},
    {Verb::kReload, "reload"},
    {Verb::kSaveYaml, "save-yaml"},
    {Verb::kSaveRuntime, "save-runtime"},
    {Verb::kConns, "conns"},
    {Verb::kHealth, "health"},
    {Verb::kHa, "ha"},
    {Verb::kFleet, "fleet"},
}};

std::string verb_word(Verb verb) { return std::string(name_of(kVerbWords, verb, "")); }

std::optional<Verb> dvs_verb(std::string_view word) { return value_of(kVerbWords, word); }

Command parse_dvs_verb(Verb verb, const std::vector<std::string>& words) {
    Command cmd;
    cmd.verb = verb;
    const std::string name = verb_word(verb);
    std::map<std::string, bool> seen;
    if (verb == Verb::kFleet) {
        if (words.size() > 2)
            throw UsageError("fleet takes at most one argument: drain or undrain");
        if (words.size() == 2) {
            if (words[1] != "drain" && words[1] != "undrain") {
                throw UsageError("unexpected argument `" + words[1] +
                                 "' for fleet (drain or undrain)");
            }
            cmd.fleet_action = words[1];
        }
        return cmd;
    }
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (verb == Verb::kReload && word == "--dry-run" && !cmd.dry_run && !cmd.restart) {
            cmd.dry_run = true;
            continue;
        }
        if (verb == Verb::kReload && word == "--restart" && !cmd.dry_run && !cmd.restart) {
            cmd.restart = true;
            continue;
        }
        if (verb == Verb::kReload) {
            throw UsageError("reload takes one of --dry-run or --restart (got `" + word + "')");
        }
        if (verb != Verb::kConns) {
            throw UsageError(name + " takes no arguments (got `" + word + "')");
        }
        if (word == "-n" || word == "--numeric") continue;  // always numeric
        if (word.compare(0, 2, "--") != 0) {
            throw UsageError("unexpected argument `" + word + "' for conns");
        }
        const auto eq = word.find('=');
        const std::string option = word.substr(0, eq);
        if (option != "--vip" && option != "--client" && option != "--server" &&
            option != "--protocol" && option != "--limit") {
            throw UsageError("unknown option `" + option +
                             "' for conns (it takes --vip, --client, --server, --protocol, "
                             "--limit)");
        }
        if (seen[option]) throw UsageError(option + " given twice");
        seen[option] = true;
        std::string value;
        if (eq != std::string::npos) {
            value = word.substr(eq + 1);
        } else if (i + 1 < words.size() && !looks_like_option(words[i + 1])) {
            value = words[++i];
        } else {
            throw UsageError(option + " needs " +
                             (option == "--protocol" ? "tcp or udp"
                              : option == "--limit"  ? "a number"
                                                     : "an address"));
        }
        if (option == "--vip") {
            const AddressPort ap = parse_address_port(value, "virtual address", "VIP[:port]");
            cmd.conn_filter.vip = ap.address;
            cmd.conn_filter.port = ap.port;
        } else if (option == "--client" || option == "--server") {
            auto address = text::parse_ip(value);
            if (!address) {
                throw UsageError("invalid address `" + value + "' for " + option +
                                 " (a numeric IPv4 or IPv6 address)");
            }
            (option == "--client" ? cmd.conn_filter.client : cmd.conn_filter.server) = *address;
        } else if (option == "--protocol") {
            cmd.conn_filter.protocol = parse_protocol_word(value);
            if (!cmd.conn_filter.protocol) {
                throw UsageError("invalid protocol `" + value + "' (tcp or udp)");
            }
        } else {
            auto limit = parse_number(value, UINT32_MAX);
            if (!limit || *limit == 0) {
                throw UsageError("invalid limit `" + value + "' (1.." + std::to_string(UINT32_MAX) +
                                 ")");
            }
            cmd.conn_limit = static_cast<uint32_t>(*limit);
        }
    }
    return cmd;
}

}  // namespace dvs::dvsadm
