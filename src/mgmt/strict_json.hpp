#pragma once
// The management codecs' one layer between nlohmann::json values and the
// message structs (mgmt/messages.hpp). A message type lists its fields once,
// in a describe() function template over a visitor, and that list serves
// both directions:
//
//     template <class V, class S>
//         requires Is<S, ServiceKey>
//     void describe(V& v, S& k) {
//         v("vip", k.vip, kIp);     // key, member, then options:
//         v("port", k.port);        //   a value format and/or a Presence
//         v("protocol", k.protocol);
//     }
//
// Reader fills a struct and refuses anything off the contract, naming the
// field ("field 'service.port' must be an integer 0..65535, got 70000");
// in a strict Node (requests) an unknown key is refused too, because a typo
// must not silently mean "default". Writer builds the JSON object. Neither
// lets a nlohmann exception escape: every type is checked before it is read.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/net_types.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::mgmt::wire {

// How a field may be absent, and how an empty one is written.
enum class Presence {
    kRequired,     // must be there (the default for a plain member)
    kOptional,     // std::optional: absent <-> empty; null is refused
    kNullable,     // std::optional: empty is written as null; absent or null read as empty
    kLenient,      // std::optional: empty is left out; absent or null read as empty
    kDefault,      // absent reads as the member's default; always written
    kOmitDefault,  // absent reads as the default; written only when not the default
};
inline constexpr Presence kNullable = Presence::kNullable;
inline constexpr Presence kLenient = Presence::kLenient;
inline constexpr Presence kDefault = Presence::kDefault;
inline constexpr Presence kOmitDefault = Presence::kOmitDefault;

// Value formats: how one C++ value is spelt on the wire. Without one, a
// value goes as itself (integers checked against their type's range, enums
// by name through common/text_codec.hpp, structs through their describe()).
struct AsIs {};
struct Ipv4 {};       // uint32_t host order <-> "192.0.2.10"
struct IpOrEmpty {};  // IpAddress, unspecified <-> ""
struct Netmask {};    // Ipv4, contiguous
struct Ip {};         // IpAddress <-> "192.0.2.10" or "2001:db8::10"
struct NonEmpty {};   // a string that must not be ""
struct SchedulerFlag {};
struct Range {  // an integer in min..max
    uint64_t min;
    uint64_t max;
};
inline constexpr Ipv4 kIpv4;
inline constexpr IpOrEmpty kIpOrEmpty;
inline constexpr Netmask kNetmask;
inline constexpr Ip kIp;
inline constexpr NonEmpty kNonEmpty;
inline constexpr SchedulerFlag kSchedulerFlag;

// What the peer sent, short enough for a one-line message.
std::string shown(const json& value);

// A JSON value plus where it is in its message ("services[2].vip"), so any
// check can fail with a complete message.
class Node {
public:
    // `root` names the whole message in messages about it ("request");
    // `strict`: objects refuse keys their type does not describe.
    Node(const json& value, std::string path, const char* root, bool strict)
        : value_(&value), path_(std::move(path)), root_(root), strict_(strict) {}

    const json& value() const { return *value_; }
    bool strict() const { return strict_; }
    std::string child_path(std::string_view key) const;
    Node child(std::string_view key, const json& value) const {
        return Node(value, child_path(key), root_, strict_);
    }
    Node item(std::size_t index) const {
        return Node((*value_)[index], path_ + "[" + std::to_string(index) + "]", root_, strict_);
    }

    [[noreturn]] void fail(const std::string& problem) const;
    void expect_object() const;
    void expect_array() const;
    // Refuses a key outside `allowed` and `envelope` (listed in the message
    // only from `allowed`).
    void refuse_unknown(const std::vector<std::string_view>& allowed,
                        std::initializer_list<std::string_view> envelope = {}) const;

private:
    const json* value_;
    std::string path_;
    const char* root_;
    bool strict_;
};

// ------------------------------------------------------------------ values

void decode(const Node& n, bool& out, AsIs);
void decode(const Node& n, std::string& out, AsIs);
void decode(const Node& n, std::string& out, NonEmpty);
void decode(const Node& n, std::string& out, SchedulerFlag);
void decode(const Node& n, uint16_t& out, AsIs);
void decode(const Node& n, uint32_t& out, AsIs);
void decode(const Node& n, uint32_t& out, Range range);
void decode(const Node& n, uint64_t& out, AsIs);
void decode(const Node& n, int64_t& out, AsIs);
void decode(const Node& n, double& out, AsIs);
void decode(const Node& n, uint32_t& out, Ipv4);
void decode(const Node& n, IpAddress& out, IpOrEmpty);
void decode(const Node& n, uint32_t& out, Netmask);
void decode(const Node& n, IpAddress& out, Ip);
void decode(const Node& n, Protocol& out, AsIs);
void decode(const Node& n, ForwardMethod& out, AsIs);

template <class T>
requires std::is_arithmetic_v<T> json encode(T value, AsIs) { return value; }
inline json encode(uint32_t value, Range) { return value; }
inline json encode(const std::string& value, AsIs) { return value; }
inline json encode(const std::string& value, NonEmpty) { return value; }
inline json encode(const std::string& value, SchedulerFlag) { return value; }
json encode(uint32_t address, Ipv4);
json encode(const IpAddress& address, IpOrEmpty);
json encode(uint32_t mask, Netmask);
json encode(const IpAddress& address, Ip);
json encode(Protocol p, AsIs);
json encode(ForwardMethod f, AsIs);

template <class S, class T>
concept Is = std::same_as<std::remove_const_t<S>, T>;

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

constexpr AsIs format_of() { return {}; }
template <class First, class... Rest>
constexpr auto format_of(First first, Rest... rest) {
    if constexpr (std::is_same_v<First, Presence>) {
        return format_of(rest...);
    } else {
        return first;
    }
}

template <class... Options>
constexpr Presence presence_of(Presence fallback, Options... options) {
    Presence p = fallback;
    (
        [&] {
            if constexpr (std::is_same_v<Options, Presence>) p = options;
        }(),
        ...);
    return p;
}

// Lists a type's keys (for refuse_unknown).
class Names {
public:
    std::vector<std::string_view> keys;
    template <class T, class... Options>
    void operator()(std::string_view key, const T&, Options...) {
        keys.push_back(key);
    }
    template <class T>
    void group(const std::optional<T>&, std::string_view) {
        T probe{};
        describe(*this, probe);
    }
};

template <class T>
concept Described = requires(Names& names, T& value) {
    describe(names, value);
};

template <class T>
requires Described<T> std::vector<std::string_view> field_names() {
    Names names;
    T probe{};
    describe(names, probe);
    return names.keys;
}

template <class T, class F>
void decode(const Node& n, std::vector<T>& out, F format) {
    n.expect_array();
    out.clear();
    for (std::size_t i = 0; i < n.value().size(); ++i) {
        T item{};
        decode(n.item(i), item, format);
        out.push_back(std::move(item));
    }
}

template <class T>
void decode(const Node& n, std::map<std::string, T>& out, AsIs format) {
    n.expect_object();
    out.clear();
    for (const auto& [key, value] : n.value().items())
        decode(n.child(key, value), out[key], format);
}

// Fills `out` from the fields of the object `object`, in describe()'s order.
class Reader {
public:
    explicit Reader(const Node& object) : object_(object) {}

    template <class T, class... Options>
    void operator()(std::string_view key, T& value, Options... options) {
        const auto format = format_of(options...);
        const auto it = object_.value().find(key);
        const bool absent = it == object_.value().end();
        if constexpr (IsOptional<T>::value) {
            using Inner = typename T::value_type;
            if constexpr (IsOptional<Inner>::value) {
                // Three states: absent, null, a value (persistence: leave,
                // turn off, set).
                if (absent) return value.reset();
                if (it->is_null()) {
                    value.emplace();  // null: off
                    return;
                }
                typename Inner::value_type inner{};
                decode(object_.child(key, *it), inner, format);
                value.emplace(std::move(inner));
            } else {
                const Presence presence = presence_of(Presence::kOptional, options...);
                if (absent || (it->is_null() && presence != Presence::kOptional)) {
                    return value.reset();
                }
                Inner inner{};
                decode(object_.child(key, *it), inner, format);
                value = std::move(inner);
            }
        } else {
            if (absent) {
                if (presence_of(Presence::kRequired, options...) == Presence::kRequired) {
                    throw ProtocolError("missing field '" + object_.child_path(key) + "'");
                }
                return;  // the member keeps its default
            }
            decode(object_.child(key, *it), value, format);
        }
    }

    // A struct whose fields sit in this object, all there or none: `key`
    // decides (the list answer's conns, pkts_in, ...).
    template <class T>
    void group(std::optional<T>& value, std::string_view key) {
        if (!object_.value().contains(key)) return value.reset();
        T inner{};
        describe(*this, inner);
        value = std::move(inner);
    }

private:
    const Node& object_;
};

// Builds the JSON object of a struct.
class Writer {
public:
    explicit Writer(json start = json::object()) : object(std::move(start)) {}
    json object;

    template <class T, class... Options>
    void operator()(std::string_view key, const T& value, Options... options) {
        const auto format = format_of(options...);
        const std::string name(key);
        if constexpr (IsOptional<T>::value) {
            if constexpr (IsOptional<typename T::value_type>::value) {
                if (value) object[name] = *value ? encode(**value, format) : json();
            } else if (value) {
                object[name] = encode(*value, format);
            } else if (presence_of(Presence::kOptional, options...) == Presence::kNullable) {
                object[name] = nullptr;
            }
        } else {
            if (presence_of(Presence::kRequired, options...) == Presence::kOmitDefault &&
                value == T{}) {
                return;
            }
            object[name] = encode(value, format);
        }
    }

    template <class T>
    void group(const std::optional<T>& value, std::string_view) {
        if (value) describe(*this, *value);
    }
};

template <class T>
requires Described<T>
void decode(const Node& n, T& out, AsIs) {
    n.expect_object();
    if (n.strict()) n.refuse_unknown(field_names<T>());
    Reader reader(n);
    describe(reader, out);
}

template <class T>
requires Described<T> json encode(const T& value, AsIs) {
    Writer writer;
    describe(writer, value);
    return std::move(writer.object);
}

template <class T, class F>
json encode(const std::vector<T>& values, F format) {
    json out = json::array();
    for (const T& v : values) out.push_back(encode(v, format));
    return out;
}

template <class T>
json encode(const std::map<std::string, T>& values, AsIs format) {
    json out = json::object();
    for (const auto& [key, v] : values) out[key] = encode(v, format);
    return out;
}

}  // namespace dvs::mgmt::wire
