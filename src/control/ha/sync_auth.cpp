#include "control/ha/sync_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>

namespace dvs::control::sync {

Tag SyncKey::tag(std::span<const uint8_t> data) const {
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    // HMAC() only fails on an allocation failure or a broken library:
    // a datagram without its tag cannot be sent, so that is fatal.
    if (HMAC(EVP_sha256(), bytes_.data(), static_cast<int>(bytes_.size()), data.data(), data.size(),
             full, &len) == nullptr ||
        len < kTagSize) {
        std::abort();
    }
    Tag t;
    std::copy(full, full + kTagSize, t.begin());
    return t;
}

bool SyncKey::verify(std::span<const uint8_t> data, std::span<const uint8_t> tag) const {
    if (tag.size() != kTagSize) return false;
    const Tag want = this->tag(data);
    return CRYPTO_memcmp(want.data(), tag.data(), kTagSize) == 0;
}

}  // namespace dvs::control::sync
