#pragma once
// The sync key file (ha.sync.key_file, issue 20): its content, trailing
// newlines removed, is the shared key of the two balancers. At least
// kMinKeyBytes (e.g. `openssl rand -hex 32 > FILE`: 64 characters).

#include <cstddef>
#include <string>

namespace dvs::control {

inline constexpr std::size_t kMinKeyBytes = 32;
inline constexpr std::size_t kMaxKeyBytes = 4096;

struct KeyFile {
    std::string key;                     // empty when `problem` says why
    std::string problem;                 // "" when the key is usable
    bool group_or_other_access = false;  // mode allows group/other access
};

KeyFile read_key_file(const std::string& path);

}  // namespace dvs::control
