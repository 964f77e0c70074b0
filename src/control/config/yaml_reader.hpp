#pragma once
// Reader: a YAML node plus where it is (key path, line and column), so the
// loader's per-field checks fail with a complete message without threading
// context by hand. Each Reader made for a key or list item records its
// position in the SourceMap, which is all validate() later needs of the file.
//
// Internal to the YAML loader (yaml_loader.cpp). Readers are cheap values;
// the nodes they hold are shared handles. Control thread only.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "control/config/model.hpp"
#include "control/config/source_map.hpp"

namespace dvs::control {

// What the operator wrote, for "got ..." in messages.
std::string describe(const YAML::Node& node);

class Reader {
public:
    // Records (path, mark) in `positions`, which must outlive the Reader.
    Reader(const YAML::Node& node, SourceMap& positions, std::string path, YAML::Mark mark);

    const YAML::Node& node() const { return node_; }
    const std::string& path() const { return path_; }
    bool is_null() const { return node_.IsNull(); }

    [[noreturn]] void fail(const std::string& problem) const;

    // Mappings. check_keys rejects anything that is not a mapping, keys
    // that are not plain strings, unknown keys (a typo would otherwise
    // silently mean "default") and repeated keys (yaml-cpp keeps both but
    // lookups see only the first). optional/required only after check_keys.
    void check_keys(std::initializer_list<const char*> allowed) const;
    std::optional<Reader> optional(const char* key) const;
    Reader required(const char* key) const;

    // An empty value counts as an empty list, so a section whose entries are
    // all commented out stays valid.
    std::vector<Reader> items() const;

    // Scalars.
    std::string string() const;  // non-empty
    std::string name() const;    // one shell-friendly word, at most 63
    std::string text() const;    // any scalar, empty allowed
    uint32_t integer(uint32_t lo, uint32_t hi) const;
    uint32_t duration_ms(uint32_t lo_ms, uint32_t hi_ms) const;
    bool boolean() const;
    // IPv4 only, for the keys whose IPv6 form comes in a later stage of
    // issue 15: an IPv6 address there is refused by name, not as a typo.
    uint32_t ipv4() const;
    Ipv4Prefix prefix() const;
    // Either family (the keys IPv6 is accepted for).
    IpAddress ip() const;
    IpPrefix ip_prefix() const;
    MacAddress mac() const;

private:
    std::string child_path(const std::string& key) const {
        return path_.empty() ? key : path_ + "." + key;
    }

    YAML::Node node_;
    SourceMap* positions_;
    std::string path_;
    YAML::Mark mark_;
};

}  // namespace dvs::control
