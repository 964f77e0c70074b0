#pragma once
// The MAC on sync datagrams (README "High availability", issue 20): HMAC-SHA256
// from OpenSSL's libcrypto, truncated to 16 bytes (as IPsec does, RFC 4868),
// over every byte of the datagram before the tag. The key is the content of
// ha.sync.key_file (control/config/key_file.hpp reads it). Pure: no sockets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace dvs::control::sync {

inline constexpr size_t kTagSize = 16;
using Tag = std::array<uint8_t, kTagSize>;

class SyncKey {
public:
    explicit SyncKey(std::string bytes) : bytes_(std::move(bytes)) {}
    Tag tag(std::span<const uint8_t> data) const;
    // Constant time in the tag's content (CRYPTO_memcmp).
    bool verify(std::span<const uint8_t> data, std::span<const uint8_t> tag) const;

private:
    std::string bytes_;
};

}  // namespace dvs::control::sync
