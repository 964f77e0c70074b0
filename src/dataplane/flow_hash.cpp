#include "dataplane/flow_hash.hpp"

#include <sys/random.h>

#include <cerrno>
#include <system_error>

namespace dvs::dataplane {

FlowHashSeed random_flow_hash_seed() {
    // The kernel's pool (getrandom(2) without flags: blocks only until the
    // pool is first initialised, early in boot), as Linux seeds its own
    // connection hashes with get_random_bytes.
    FlowHashSeed seed;
    auto* out = reinterpret_cast<unsigned char*>(&seed.value);
    size_t got = 0;
    while (got < sizeof(seed.value)) {
        const ssize_t n = getrandom(out + got, sizeof(seed.value) - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(),
                                    "getrandom for the connection hash seed");
        }
        got += static_cast<size_t>(n);
    }
    return seed;
}

}  // namespace dvs::dataplane
