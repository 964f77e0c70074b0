#pragma once
// What `dvsd --version` and `dvsadm --version` print: meson's project
// version, and `git describe` of the source when it was built from git
// ("0.1.0 (git ea2148a-dirty)").

namespace dvs {

const char* version();

}  // namespace dvs
