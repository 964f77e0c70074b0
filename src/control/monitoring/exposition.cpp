#include "control/monitoring/exposition.hpp"

#include <charconv>
#include <cmath>

namespace dvs::control::monitoring {

namespace {

void append_number(std::string& out, auto value) {
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, ec == std::errc() ? end : buf);
}

// HELP text: backslash and newline escaped.
void append_help(std::string& out, std::string_view help) {
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

}  // namespace

Labels& Labels::add(std::string_view name, std::string_view value) {
    if (!text_.empty()) text_ += ',';
    text_.append(name);
    text_ += "=\"";
    for (char c : value) {
        if (c == '\\' || c == '"') {
            text_ += '\\';
            text_ += c;
        } else if (c == '\n') {
            text_ += "\\n";
        } else {
            text_ += c;
        }
    }
    text_ += '"';
    return *this;
}

Labels& Labels::add(std::string_view name, uint64_t value) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return add(name, std::string_view(buf, end));
}

void Exposition::family(std::string_view name, MetricType type, std::string_view help) {
    name_.assign(name);
    out_ += "# HELP ";
    out_.append(name);
    out_ += ' ';
    append_help(out_, help);
    out_ += "\n# TYPE ";
    out_.append(name);
    out_ += type == MetricType::kCounter ? " counter\n" : " gauge\n";
}

void Exposition::open(std::string_view labels, std::string_view more) {
    out_ += name_;
    if (!labels.empty() || !more.empty()) {
        out_ += '{';
        out_.append(labels);
        if (!labels.empty() && !more.empty()) out_ += ',';
        out_.append(more);
        out_ += '}';
    }
    out_ += ' ';
}

void Exposition::sample(std::string_view labels, uint64_t value) {
    open(labels, {});
    append_number(out_, value);
    out_ += '\n';
}

void Exposition::sample(std::string_view labels, int64_t value) {
    open(labels, {});
    append_number(out_, value);
    out_ += '\n';
}

void Exposition::sample(std::string_view labels, double value) {
    open(labels, {});
    if (std::isnan(value)) {
        out_ += "NaN";
    } else if (std::isinf(value)) {
        out_ += value > 0 ? "+Inf" : "-Inf";
    } else {
        append_number(out_, value);
    }
    out_ += '\n';
}

void Exposition::sample(std::string_view labels, std::string_view more, uint64_t value) {
    open(labels, more);
    append_number(out_, value);
    out_ += '\n';
}

}  // namespace dvs::control::monitoring
