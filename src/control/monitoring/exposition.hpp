#pragma once
// A writer for the Prometheus text exposition format (version 0.0.4): one
// HELP and TYPE line per family, then its samples, label values escaped.
// The format wants a family's samples together, so callers emit family by
// family; label sets they reuse across families are built once with
// Labels and passed as text.
//
// Appends to one std::string with std::to_chars: a scrape at 100,000 real
// servers writes about a million lines.

#include <cstdint>
#include <string>
#include <string_view>

namespace dvs::control::monitoring {

enum class MetricType { kCounter, kGauge };

// `name="value",...` (without braces), values escaped as the format wants.
class Labels {
public:
    Labels& add(std::string_view name, std::string_view value);
    Labels& add(std::string_view name, uint64_t value);
    const std::string& text() const { return text_; }

private:
    std::string text_;
};

class Exposition {
public:
    // Starts a family: `name` is complete (a counter's ends in _total).
    void family(std::string_view name, MetricType type, std::string_view help);
    // A sample of the current family; `labels` as Labels::text() makes it.
    void sample(std::string_view labels, uint64_t value);
    void sample(std::string_view labels, int64_t value);
    void sample(std::string_view labels, double value);
    // Two label sets joined, for a shared prefix plus one more label.
    void sample(std::string_view labels, std::string_view more, uint64_t value);

    std::string take() { return std::move(out_); }
    const std::string& text() const { return out_; }
    void reserve(size_t n) { out_.reserve(n); }

private:
    void open(std::string_view labels, std::string_view more);

    std::string out_;
    std::string name_;
};

}  // namespace dvs::control::monitoring
