#pragma once
// yaml-cpp's syntax errors, said for an operator (issue 19: indentation
// mistakes surfaced as "end of sequence not found" or "illegal map value",
// and a missing ':' was reported on the line after it). Given the text and
// where yaml-cpp stopped, names the line that is wrong and what to do.
// Pure; control thread or --check.

#include <string>

namespace dvs::control {

struct YamlErrorText {
    int line = 1;  // 1-based
    int column = 1;
    std::string message;  // after "FILE:LINE:COL: invalid YAML: "
};

// `line`/`column` 0-based, as yaml-cpp's Mark; `what` is its message.
YamlErrorText explain_yaml_error(const std::string& text, int line, int column,
                                 const std::string& what);

}  // namespace dvs::control
