#include "control/config/yaml_errors.hpp"

#include <sstream>
#include <vector>

namespace dvs::control {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

// A line that holds YAML (not blank, not only a comment).
bool has_content(const std::string& l) {
    const size_t first = l.find_first_not_of(' ');
    return first != std::string::npos && l[first] != '#';
}

size_t indent_of(const std::string& l) {
    const size_t first = l.find_first_not_of(' ');
    return first == std::string::npos ? 0 : first;
}

// The content line before `line` (0-based), or -1.
int previous_content(const std::vector<std::string>& lines, int line) {
    for (int i = line - 1; i >= 0; --i) {
        if (i < static_cast<int>(lines.size()) && has_content(lines[static_cast<size_t>(i)]))
            return i;
    }
    return -1;
}

// The first content line at or after `line`.
int this_or_next_content(const std::vector<std::string>& lines, int line) {
    for (int i = line; i < static_cast<int>(lines.size()); ++i) {
        if (has_content(lines[static_cast<size_t>(i)])) return i;
    }
    return line;
}

// A block line that is neither "key: ...", "- ..." nor a flow/quoted item:
// the missing-colon mistake ("protocol tcp").
bool lacks_colon(const std::string& l) {
    std::string body = l.substr(indent_of(l));
    if (body.rfind("- ", 0) == 0) body = body.substr(2);
    if (body.empty() || body[0] == '{' || body[0] == '[' || body[0] == '"' || body[0] == '\'')
        return false;
    const size_t hash = body.find(" #");
    if (hash != std::string::npos) body.resize(hash);
    return body.find(':') == std::string::npos;
}

std::string trimmed(const std::string& l) {
    std::string out = l.substr(indent_of(l));
    while (!out.empty() && (out.back() == ' ' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace

YamlErrorText explain_yaml_error(const std::string& text, int line, int column,
                                 const std::string& what) {
    YamlErrorText out{line + 1, column + 1, what};
    const std::vector<std::string> lines = split_lines(text);
    if (what.find("tab") != std::string::npos) {
        out.column = 1;
        out.message = "a tab in the indentation; YAML indents with spaces only";
        return out;
    }
    const bool map_value = what == "illegal map value";
    const bool end_of_block = what == "end of sequence not found" || what == "end of map not found";
    if (!map_value && !end_of_block) return out;
    // A missing ':' makes yaml-cpp read the key and the next line as one
    // scalar and stop on the next line's ':' (one line late): name the
    // line without the colon.
    const int prev = previous_content(lines, this_or_next_content(lines, line));
    if (map_value && prev >= 0 && lacks_colon(lines[static_cast<size_t>(prev)])) {
        const std::string& p = lines[static_cast<size_t>(prev)];
        out.line = prev + 1;
        out.column = static_cast<int>(indent_of(p)) + 1;
        out.message = "'" + trimmed(p) + "' has no ':' (write key: value)";
        return out;
    }
    const int at = this_or_next_content(lines, line);
    if (at < 0 || at >= static_cast<int>(lines.size())) return out;
    const std::string& l = lines[static_cast<size_t>(at)];
    const size_t col = indent_of(l);
    out.line = at + 1;
    out.column = static_cast<int>(col) + 1;
    std::string above;
    if (prev >= 0) {
        above = " (line " + std::to_string(prev + 1) + " starts at column " +
                std::to_string(indent_of(lines[static_cast<size_t>(prev)]) + 1) + ")";
    }
    if (map_value) {
        out.message = "bad indentation: '" + trimmed(l) + "' starts at column " +
                      std::to_string(col + 1) + ", deeper than the keys beside it" + above +
                      "; keys of one mapping start in the same column";
    } else {
        out.message = "bad indentation: '" + trimmed(l) + "' starts at column " +
                      std::to_string(col + 1) + ", which matches no list or mapping above" + above +
                      "; indent it like the entries it belongs with";
    }
    return out;
}

}  // namespace dvs::control
