#include "common/text_codec.hpp"

#include "common/name_table.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <utility>
#include <vector>

namespace dvs::text {

namespace {

// One table per enum, read both ways (common/name_table.hpp), so a name is
// spelled once.
constexpr NameTable<Protocol, 2> kProtocols{{{Protocol::kTcp, "tcp"}, {Protocol::kUdp, "udp"}}};
constexpr NameTable<ForwardMethod, 3> kForwardMethods{
    {{ForwardMethod::kNat, "nat"}, {ForwardMethod::kDr, "dr"}, {ForwardMethod::kTun, "tun"}}};
constexpr NameTable<CheckType, 6> kCheckTypes{{{CheckType::kNone, "none"},
                                               {CheckType::kTcp, "tcp"},
                                               {CheckType::kHttp, "http"},
                                               {CheckType::kUdp, "udp"},
                                               {CheckType::kPing, "ping"},
                                               {CheckType::kExec, "exec"}}};
constexpr NameTable<FailureAction, 2> kFailureActions{
    {{FailureAction::kInhibit, "inhibit"}, {FailureAction::kRemove, "remove"}}};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text) {
    uint32_t address = 0;
    for (int field = 0; field < 4; ++field) {
        if (field > 0) {
            if (text.empty() || text.front() != '.') return std::nullopt;
            text.remove_prefix(1);
        }
        std::size_t length = 0;
        while (length < text.size() && length < 4 && text[length] >= '0' && text[length] <= '9') {
            ++length;
        }
        if (length == 0 || length > 3 || (length > 1 && text.front() == '0')) return std::nullopt;
        unsigned value = 0;
        std::from_chars(text.data(), text.data() + length, value);
        if (value > 255) return std::nullopt;
        address = (address << 8) | value;
        text.remove_prefix(length);
    }
    if (!text.empty()) return std::nullopt;
    return address;
}

std::string format_ipv4(uint32_t host_order) {
    return std::to_string(host_order >> 24) + "." + std::to_string((host_order >> 16) & 0xff) +
           "." + std::to_string((host_order >> 8) & 0xff) + "." + std::to_string(host_order & 0xff);
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
    const std::optional<IpPrefix> prefix = parse_ip_prefix(text);
    if (!prefix || !prefix->is_v4()) return std::nullopt;
    return prefix->to_v4();
}

std::string format_ipv4_prefix(const Ipv4Prefix& prefix) {
    return format_ipv4(prefix.address) + "/" + std::to_string(prefix.length);
}

namespace {

// Reads the groups of one side of "::" (or of the whole text) into `out`,
// 16-bit each, a dotted IPv4 tail as two. False on anything malformed.
bool parse_ipv6_groups(std::string_view text, std::vector<uint16_t>& out) {
    if (text.empty()) return true;
    while (true) {
        const std::size_t colon = text.find(':');
        const std::string_view group = text.substr(0, colon);
        if (colon == std::string_view::npos && group.find('.') != std::string_view::npos) {
            const std::optional<uint32_t> v4 = parse_ipv4(group);
            if (!v4) return false;
            out.push_back(static_cast<uint16_t>(*v4 >> 16));
            out.push_back(static_cast<uint16_t>(*v4));
            return true;
        }
        if (group.empty() || group.size() > 4) return false;
        unsigned value = 0;
        for (char c : group) {
            const int d = hex_digit(c);
            if (d < 0) return false;
            value = value << 4 | static_cast<unsigned>(d);
        }
        out.push_back(static_cast<uint16_t>(value));
        if (colon == std::string_view::npos) return true;
        text.remove_prefix(colon + 1);
    }
}

}  // namespace

std::optional<std::array<uint8_t, 16>> parse_ipv6(std::string_view text) {
    if (text.size() < 2 || text.size() > 45) return std::nullopt;
    const std::size_t gap = text.find("::");
    std::vector<uint16_t> head;
    std::vector<uint16_t> tail;
    if (gap == std::string_view::npos) {
        if (!parse_ipv6_groups(text, head) || head.size() != 8) return std::nullopt;
    } else {
        const std::string_view after = text.substr(gap + 2);
        if (after.find("::") != std::string_view::npos) return std::nullopt;
        if (!parse_ipv6_groups(text.substr(0, gap), head) || !parse_ipv6_groups(after, tail)) {
            return std::nullopt;
        }
        // An IPv4 tail belongs at the end only ("::1.2.3.4:5" is no address).
        if (head.size() + tail.size() > 7) return std::nullopt;
        if (text.substr(0, gap).find('.') != std::string_view::npos) return std::nullopt;
    }
    std::array<uint8_t, 16> bytes{};
    auto put = [&bytes](std::size_t group, uint16_t v) {
        bytes[2 * group] = static_cast<uint8_t>(v >> 8);
        bytes[2 * group + 1] = static_cast<uint8_t>(v);
    };
    for (std::size_t i = 0; i < head.size(); ++i) put(i, head[i]);
    for (std::size_t i = 0; i < tail.size(); ++i) put(8 - tail.size() + i, tail[i]);
    return bytes;
}

std::string format_ipv6(const std::array<uint8_t, 16>& a) {
    uint16_t groups[8];
    for (int i = 0; i < 8; ++i) groups[i] = static_cast<uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
    // The longest run of zero groups, the first of equal ones, if two or more.
    int best = -1;
    int best_len = 1;
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && groups[j] == 0) ++j;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    std::string out;
    char hex[8];
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        std::snprintf(hex, sizeof hex, "%x", groups[i]);
        out += hex;
    }
    return out;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
    if (text.find(':') != std::string_view::npos) {
        const auto v6 = parse_ipv6(text);
        if (!v6) return std::nullopt;
        return IpAddress::v6(*v6);
    }
    const auto v4 = parse_ipv4(text);
    if (!v4) return std::nullopt;
    return IpAddress::v4(*v4);
}

std::string format_ip(const IpAddress& address) {
    return address.is_v4() ? format_ipv4(address.to_v4()) : format_ipv6(address.bytes);
}

std::string format_ip_bracketed(const IpAddress& address) {
    return address.is_v4() ? format_ipv4(address.to_v4()) : "[" + format_ipv6(address.bytes) + "]";
}

std::optional<IpPrefix> parse_ip_prefix(std::string_view text) {
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const std::optional<IpAddress> address = parse_ip(text.substr(0, slash));
    const std::string_view length_text = text.substr(slash + 1);
    if (!address || length_text.empty() || length_text.size() > 3 ||
        length_text.find_first_not_of("0123456789") != std::string_view::npos ||
        (length_text.size() > 1 && length_text.front() == '0')) {
        return std::nullopt;
    }
    unsigned length = 0;
    std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (length > address->bits()) return std::nullopt;
    return IpPrefix{*address, static_cast<uint8_t>(length)};
}

std::string format_ip_prefix(const IpPrefix& prefix) {
    return format_ip(prefix.address) + "/" + std::to_string(prefix.length);
}

bool is_contiguous_netmask(uint32_t mask) {
    const uint32_t inverted = ~mask;
    return (inverted & (inverted + 1)) == 0;
}

std::optional<MacAddress> parse_mac(std::string_view text) {
    MacAddress mac{};
    if (text.size() != 17) return std::nullopt;
    for (std::size_t i = 0; i < 6; ++i) {
        const int hi = hex_digit(text[i * 3]);
        const int lo = hex_digit(text[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) return std::nullopt;
        mac[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return mac;
}

std::string format_mac(const MacAddress& mac) {
    char out[18];
    std::snprintf(out, sizeof out, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return out;
}

std::string_view name(Protocol p) { return name_of(kProtocols, p); }
std::string_view name(ForwardMethod f) { return name_of(kForwardMethods, f); }
std::string_view name(CheckType t) { return name_of(kCheckTypes, t); }
std::string_view name(FailureAction a) { return name_of(kFailureActions, a); }

std::optional<Protocol> parse_protocol(std::string_view text) { return value_of(kProtocols, text); }
std::optional<ForwardMethod> parse_forward_method(std::string_view text) {
    return value_of(kForwardMethods, text);
}

std::string_view ipvsadm_switch(ForwardMethod f) {
    switch (f) {
        case ForwardMethod::kDr:
            return "-g";
        case ForwardMethod::kTun:
            return "-i";
        case ForwardMethod::kNat:
            break;
    }
    return "-m";
}

std::optional<CheckType> parse_check_type(std::string_view text) {
    return value_of(kCheckTypes, text);
}
std::optional<FailureAction> parse_failure_action(std::string_view text) {
    return value_of(kFailureActions, text);
}

std::string format_duration_ms(uint32_t ms) {
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

namespace {

constexpr std::string_view kFlagSchedulers[] = {"sh", "mh"};
constexpr NameTable<SchedulerFlag, 2> kSchedulerFlags{
    {{SchedulerFlag::kFallback, "fallback"}, {SchedulerFlag::kPort, "port"}}};

}  // namespace

std::optional<ParsedSchedulerFlag> parse_scheduler_flag(std::string_view text) {
    const std::size_t dash = text.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const std::string_view scheduler = text.substr(0, dash);
    const std::optional<SchedulerFlag> flag = value_of(kSchedulerFlags, text.substr(dash + 1));
    for (std::string_view known : kFlagSchedulers) {
        if (flag && scheduler == known) return ParsedSchedulerFlag{known, *flag};
    }
    return std::nullopt;
}

std::string scheduler_flag_name(std::string_view scheduler, SchedulerFlag flag) {
    return std::string(scheduler) + "-" + std::string(name_of(kSchedulerFlags, flag));
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > text.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    }
    return n;
}

std::string to_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_sequence_length(text, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
        } else {
            out.append(text, i, n);
            i += n;
        }
    }
    return out;
}

}  // namespace dvs::text
