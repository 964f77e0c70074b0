#include "control/config/yaml_reader.hpp"

#include <charconv>
#include <set>
#include <string_view>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"

namespace dvs::control {

namespace {

std::string join(std::initializer_list<const char*> names) {
    std::string out;
    for (const char* name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

// yaml-cpp marks are 0-based; an empty document has no mark at all.
SourcePosition position_of(const YAML::Mark& mark) {
    if (mark.is_null()) return {};
    return {mark.line + 1, mark.column + 1};
}

}  // namespace

std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Scalar:
            return "'" + node.Scalar() + "'";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            break;
    }
    return "nothing";
}

Reader::Reader(const YAML::Node& node, SourceMap& positions, std::string path, YAML::Mark mark)
    : node_(node), positions_(&positions), path_(std::move(path)), mark_(mark) {
    positions_->record(path_, position_of(mark_));
}

void Reader::fail(const std::string& problem) const {
    const SourcePosition at = position_of(mark_);
    std::string message = positions_->origin() + ":" + std::to_string(at.line) + ":" +
                          std::to_string(at.column) + ": ";
    if (!path_.empty()) message += path_ + ": ";
    throw ConfigError(message + problem);
}

void Reader::check_keys(std::initializer_list<const char*> allowed) const {
    if (!node_.IsMap()) fail("expected a mapping, got " + describe(node_));
    std::set<std::string> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        // A copy, not a reference: yaml-cpp's iterator hands out a temporary
        // pair, so a reference to its `first` dangles once this statement
        // ends (ASan: stack-use-after-scope, found by fuzz_config). A Node
        // is a cheap handle.
        const YAML::Node key = it->first;
        if (!key.IsScalar()) {
            Reader(key, *positions_, path_, key.Mark())
                .fail("expected a string key, got " + describe(key));
        }
        const std::string& name = key.Scalar();
        bool known = false;
        for (const char* candidate : allowed) known = known || name == candidate;
        if (!known) {
            Reader(key, *positions_, path_, key.Mark())
                .fail("unknown key '" + name + "' (expected one of: " + join(allowed) + ")");
        }
        if (!seen.insert(name).second) {
            Reader(key, *positions_, child_path(name), key.Mark()).fail("duplicate key");
        }
    }
}

std::optional<Reader> Reader::optional(const char* key) const {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (it->first.Scalar() != key) continue;
        // An empty value ("key:" with nothing after it) is marked at the next
        // token, often on the next line; point at the key instead.
        const YAML::Mark mark = it->second.IsNull() ? it->first.Mark() : it->second.Mark();
        return Reader(it->second, *positions_, child_path(key), mark);
    }
    return std::nullopt;
}

Reader Reader::required(const char* key) const {
    if (auto child = optional(key)) return *child;
    fail(std::string("missing required key '") + key + "'");
}

std::vector<Reader> Reader::items() const {
    std::vector<Reader> out;
    if (node_.IsNull()) return out;
    if (!node_.IsSequence()) fail("expected a list, got " + describe(node_));
    std::size_t index = 0;
    for (auto it = node_.begin(); it != node_.end(); ++it, ++index) {
        const YAML::Mark mark = it->IsNull() ? mark_ : it->Mark();
        out.emplace_back(*it, *positions_, path_ + "[" + std::to_string(index) + "]", mark);
    }
    return out;
}

std::string Reader::string() const {
    if (!node_.IsScalar() || node_.Scalar().empty()) {
        fail("expected a string, got " + describe(node_));
    }
    return node_.Scalar();
}

// Names are typed into dvsadm and shown in stats, so keep them to one
// shell-friendly word.
std::string Reader::name() const {
    const std::string expected = "expected a name (letters, digits, '-', '_', '.'; at most 63)";
    if (!node_.IsScalar()) fail(expected + ", got " + describe(node_));
    const std::string& text = node_.Scalar();
    bool ok = !text.empty() && text.size() <= 63;
    for (char c : text) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        ok = ok && word;
    }
    if (!ok) fail(expected + ", got " + describe(node_));
    return text;
}

// A UDP payload or a body substring may be empty.
std::string Reader::text() const {
    if (!node_.IsScalar()) fail("expected a string, got " + describe(node_));
    return node_.Scalar();
}

// Plain decimal digits only: no sign, no 0x, no YAML 1.1 "1_000".
uint32_t Reader::integer(uint32_t lo, uint32_t hi) const {
    const std::string expected =
        "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi);
    if (!node_.IsScalar()) fail(expected + ", got " + describe(node_));
    const std::string& text = node_.Scalar();
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    const bool digits_only = !text.empty() && text.size() <= 10 &&
                             text.find_first_not_of("0123456789") == std::string::npos;
    if (!digits_only || std::from_chars(text.data(), end, value).ptr != end || value < lo ||
        value > hi) {
        fail(expected + ", got " + describe(node_));
    }
    return static_cast<uint32_t>(value);
}

// "2s" or "500ms". Plain digits are refused (issue 19: `interval: 2` was
// taken as seconds while the README says durations need a unit); the
// message says what to write. Health checks want sub-second values, hence ms.
uint32_t Reader::duration_ms(uint32_t lo_ms, uint32_t hi_ms) const {
    const std::string expected = "expected a duration like 2s or 500ms, " +
                                 text::format_duration_ms(lo_ms) + ".." +
                                 text::format_duration_ms(hi_ms);
    if (!node_.IsScalar()) fail(expected + ", got " + describe(node_));
    std::string_view text = node_.Scalar();
    uint64_t scale = 1000;
    if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
        scale = 1;
        text.remove_suffix(2);
    } else if (text.size() > 1 && text.back() == 's') {
        text.remove_suffix(1);
    } else if (!text.empty() && text.size() <= 9 &&
               text.find_first_not_of("0123456789") == std::string_view::npos) {
        const std::string n(text);
        fail("a duration needs a unit: write " + n + "s for seconds or " + n +
             "ms for milliseconds (" + text::format_duration_ms(lo_ms) + ".." +
             text::format_duration_ms(hi_ms) + "), got " + n);
    }
    uint64_t value = 0;
    const bool digits_only = !text.empty() && text.size() <= 9 &&
                             text.find_first_not_of("0123456789") == std::string_view::npos;
    if (!digits_only) fail(expected + ", got " + describe(node_));
    std::from_chars(text.data(), text.data() + text.size(), value);
    value *= scale;
    if (value < lo_ms || value > hi_ms) fail(expected + ", got " + describe(node_));
    return static_cast<uint32_t>(value);
}

// YAML 1.2 core booleans only: true or false (no yes/no/on/off).
bool Reader::boolean() const {
    if (node_.IsScalar() && node_.Scalar() == "true") return true;
    if (node_.IsScalar() && node_.Scalar() == "false") return false;
    fail("expected true or false, got " + describe(node_));
}

namespace {

bool looks_ipv6(const YAML::Node& node) {
    if (!node.IsScalar()) return false;
    const std::string& text = node.Scalar();
    return text::parse_ipv6(std::string_view(text).substr(0, text.find('/'))).has_value();
}

}  // namespace

uint32_t Reader::ipv4() const {
    std::optional<uint32_t> address;
    if (node_.IsScalar()) address = text::parse_ipv4(node_.Scalar());
    if (!address && looks_ipv6(node_)) fail("IPv6 not yet supported here (issue 15)");
    if (!address) fail("expected an IPv4 address like 10.0.0.1, got " + describe(node_));
    return *address;
}

Ipv4Prefix Reader::prefix() const {
    std::optional<Ipv4Prefix> prefix;
    if (looks_ipv6(node_)) fail("IPv6 not yet supported here (issue 15)");
    if (node_.IsScalar()) {
        const std::string& text = node_.Scalar();
        prefix = text::parse_ipv4_prefix(text);
        // Say which half is wrong: an address without a length, or a bad length.
        if (!prefix && text.find('/') != std::string::npos &&
            text::parse_ipv4(std::string_view(text).substr(0, text.find('/')))) {
            fail("expected a prefix length 0..32, got " + describe(node_));
        }
    }
    if (!prefix) fail("expected an IPv4 prefix like 10.0.0.1/24, got " + describe(node_));
    return *prefix;
}

IpAddress Reader::ip() const {
    std::optional<IpAddress> address;
    if (node_.IsScalar()) address = text::parse_ip(node_.Scalar());
    if (!address) {
        fail("expected an IPv4 or IPv6 address like 10.0.0.1 or 2001:db8::1, got " +
             describe(node_));
    }
    return *address;
}

IpPrefix Reader::ip_prefix() const {
    std::optional<IpPrefix> prefix;
    if (node_.IsScalar()) {
        const std::string& text = node_.Scalar();
        prefix = text::parse_ip_prefix(text);
        // Say which half is wrong: an address without a length, or a bad length.
        if (!prefix && text.find('/') != std::string::npos) {
            if (const auto a = text::parse_ip(std::string_view(text).substr(0, text.find('/')))) {
                fail("expected a prefix length 0.." + std::to_string(a->bits()) + ", got " +
                     describe(node_));
            }
        }
    }
    if (!prefix) {
        fail("expected a prefix like 10.0.0.1/24 or 2001:db8::1/64, got " + describe(node_));
    }
    return *prefix;
}

MacAddress Reader::mac() const {
    std::optional<MacAddress> mac;
    if (node_.IsScalar()) mac = text::parse_mac(node_.Scalar());
    if (!mac) fail("expected a MAC address like 02:00:00:00:00:01, got " + describe(node_));
    return *mac;
}

}  // namespace dvs::control
