#include "common/version.hpp"

#include "common/version_tag.hpp"

namespace dvs {

const char* version() { return DVS_VERSION_TEXT; }

}  // namespace dvs
