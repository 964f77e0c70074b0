// The scalar half of the strict layer: each check and its message. The
// messages are the contract's (tests pin them): dvsadm prints what dvsd
// says, so they must read well to an operator.

#include "mgmt/strict_json.hpp"

#include <algorithm>

#include "common/text_codec.hpp"

namespace dvs::mgmt::wire {

namespace {

uint64_t integer(const Node& n, uint64_t min, uint64_t max) {
    const json& v = n.value();
    const bool in_range =
        (v.is_number_unsigned() && v.get<uint64_t>() >= min && v.get<uint64_t>() <= max) ||
        (v.is_number_integer() && v.get<int64_t>() >= 0 &&
         static_cast<uint64_t>(v.get<int64_t>()) >= min &&
         static_cast<uint64_t>(v.get<int64_t>()) <= max);
    if (!in_range) {
        n.fail("must be an integer " + std::to_string(min) + ".." + std::to_string(max) + ", got " +
               shown(v));
    }
    return v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(v.get<int64_t>());
}

const std::string& string(const Node& n) {
    if (!n.value().is_string()) n.fail("must be a string, got " + shown(n.value()));
    return n.value().get_ref<const std::string&>();
}

// An enum by its name in common/text_codec.hpp; `expected` lists the names.
template <class Parse>
auto by_name(const Node& n, Parse parse, const char* expected) {
    const auto value =
        n.value().is_string() ? parse(n.value().get_ref<const std::string&>()) : std::nullopt;
    if (!value) n.fail(std::string("must be ") + expected + ", got " + shown(n.value()));
    return *value;
}

}  // namespace

std::string shown(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

std::string Node::child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void Node::fail(const std::string& problem) const {
    if (path_.empty()) throw ProtocolError(std::string(root_) + " " + problem);
    throw ProtocolError("field '" + path_ + "' " + problem);
}

void Node::expect_object() const {
    if (!value_->is_object()) fail("must be an object, got " + shown(*value_));
}

void Node::expect_array() const {
    if (!value_->is_array()) fail("must be an array, got " + shown(*value_));
}

void Node::refuse_unknown(const std::vector<std::string_view>& allowed,
                          std::initializer_list<std::string_view> envelope) const {
    for (const auto& [key, unused] : value_->items()) {
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end() ||
            std::find(envelope.begin(), envelope.end(), key) != envelope.end()) {
            continue;
        }
        std::string expected;
        for (std::string_view a : allowed) {
            expected += (expected.empty() ? "" : ", ") + std::string(a);
        }
        throw ProtocolError(
            "unknown field '" + child_path(key) + "'" +
            (expected.empty() ? " (this op takes no fields)" : " (expected " + expected + ")"));
    }
}

void decode(const Node& n, bool& out, AsIs) {
    if (!n.value().is_boolean()) n.fail("must be true or false, got " + shown(n.value()));
    out = n.value().get<bool>();
}

void decode(const Node& n, std::string& out, AsIs) { out = string(n); }

void decode(const Node& n, std::string& out, NonEmpty) {
    out = string(n);
    if (out.empty()) n.fail("must not be empty");
}

void decode(const Node& n, std::string& out, SchedulerFlag) {
    out = string(n);
    if (out != "sh-fallback" && out != "sh-port" && out != "mh-fallback" && out != "mh-port") {
        n.fail("is not a scheduler flag: " + shown(n.value()) +
               " (expected sh-fallback, sh-port, mh-fallback or mh-port)");
    }
}

void decode(const Node& n, uint16_t& out, AsIs) {
    out = static_cast<uint16_t>(integer(n, 0, UINT16_MAX));
}

void decode(const Node& n, uint32_t& out, AsIs) {
    out = static_cast<uint32_t>(integer(n, 0, UINT32_MAX));
}

void decode(const Node& n, uint32_t& out, Range range) {
    out = static_cast<uint32_t>(integer(n, range.min, range.max));
}

void decode(const Node& n, uint64_t& out, AsIs) { out = integer(n, 0, UINT64_MAX); }

void decode(const Node& n, int64_t& out, AsIs) {
    const json& v = n.value();
    if (!v.is_number_integer()) n.fail("must be an integer, got " + shown(v));
    if (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX) {
        n.fail("is out of range, got " + shown(v));
    }
    out = v.get<int64_t>();
}

void decode(const Node& n, double& out, AsIs) {
    if (!n.value().is_number()) n.fail("must be a number, got " + shown(n.value()));
    out = n.value().get<double>();
}

void decode(const Node& n, uint32_t& out, Ipv4) {
    if (n.value().is_string()) {
        if (auto a = text::parse_ipv4(n.value().get_ref<const std::string&>())) {
            out = *a;
            return;
        }
    }
    n.fail("must be an IPv4 address like \"192.0.2.10\", got " + shown(n.value()));
}

void decode(const Node& n, IpAddress& out, IpOrEmpty) {
    if (n.value() == "") {
        out = {};
        return;
    }
    decode(n, out, Ip{});
}

void decode(const Node& n, uint32_t& out, Netmask) {
    decode(n, out, Ipv4{});
    if (!text::is_contiguous_netmask(out)) {
        n.fail("is not a contiguous netmask: " + shown(n.value()));
    }
}

void decode(const Node& n, IpAddress& out, Ip) {
    if (n.value().is_string()) {
        if (auto a = text::parse_ip(n.value().get_ref<const std::string&>())) {
            out = *a;
            return;
        }
    }
    n.fail("must be an IPv4 or IPv6 address like \"192.0.2.10\" or \"2001:db8::10\", got " +
           shown(n.value()));
}

void decode(const Node& n, Protocol& out, AsIs) {
    out = by_name(n, text::parse_protocol, "\"tcp\" or \"udp\"");
}

void decode(const Node& n, ForwardMethod& out, AsIs) {
    out = by_name(n, text::parse_forward_method, "\"nat\", \"dr\" or \"tun\"");
}

json encode(uint32_t address, Ipv4) { return text::format_ipv4(address); }

json encode(const IpAddress& address, IpOrEmpty) {
    return address.is_unspecified() ? std::string() : text::format_ip(address);
}

json encode(uint32_t mask, Netmask) { return text::format_ipv4(mask); }

json encode(const IpAddress& address, Ip) { return text::format_ip(address); }

json encode(Protocol p, AsIs) { return std::string(text::name(p)); }

json encode(ForwardMethod f, AsIs) { return std::string(text::name(f)); }

}  // namespace dvs::mgmt::wire
