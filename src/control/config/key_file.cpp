#include "control/config/key_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dvs::control {

KeyFile read_key_file(const std::string& path) {
    KeyFile k;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        k.problem = "cannot read key file " + path + ": " + std::strerror(errno);
        return k;
    }
    if (!S_ISREG(st.st_mode)) {
        k.problem = "key file " + path + " is not a regular file";
        return k;
    }
    if (st.st_size > static_cast<off_t>(kMaxKeyBytes + 2)) {
        k.problem =
            "key file " + path + " is larger than " + std::to_string(kMaxKeyBytes) + " bytes";
        return k;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        k.problem = "cannot read key file " + path + ": " + std::strerror(errno);
        return k;
    }
    std::ostringstream content;
    content << in.rdbuf();
    std::string key = content.str();
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    if (key.size() < kMinKeyBytes) {
        k.problem = "key file " + path + " holds " + std::to_string(key.size()) +
                    " bytes; at least " + std::to_string(kMinKeyBytes) +
                    " are needed (e.g. openssl rand -hex 32 > " + path + ")";
        return k;
    }
    k.key = std::move(key);
    k.group_or_other_access = (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
    return k;
}

}  // namespace dvs::control
