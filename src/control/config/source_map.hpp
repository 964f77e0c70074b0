#pragma once
// Where each key of a configuration was written: key path ("services[2].vip")
// -> line and column. The YAML loader fills it while it reads a file, so
// validate() can name the offending line without holding the YAML document;
// a runtime change (dvsadm) has no file, so its map is empty and names the
// change instead. Either way a problem reads "ORIGIN:LINE:COLUMN: KEY.PATH:
// problem", or "ORIGIN: KEY.PATH: problem" when there is no position.
//
// Written once by whoever builds it (the loader, or the runtime-change path),
// then only read. Control thread only.

#include <map>
#include <string>
#include <utility>

namespace dvs::control {

struct SourcePosition {
    int line = 1;  // 1-based, as editors count
    int column = 1;
};

class SourceMap {
public:
    // `origin`: the file name, or what made the change ("runtime change").
    explicit SourceMap(std::string origin) : origin_(std::move(origin)) {}

    const std::string& origin() const { return origin_; }

    // The first position recorded for a path wins: a key is where it was
    // first met, not where a later lookup happened to stand.
    void record(const std::string& path, SourcePosition position) {
        positions_.emplace(path, position);
    }

    // "ORIGIN:LINE:COLUMN: PATH: problem" from the position of `path` or, if
    // it was not written (a default), of its nearest written ancestor.
    std::string message(const std::string& path, const std::string& problem) const;

    // Throws ConfigError with message(path, problem).
    [[noreturn]] void fail(const std::string& path, const std::string& problem) const;

private:
    const SourcePosition* find(std::string path) const;

    std::string origin_;
    std::map<std::string, SourcePosition> positions_;
};

}  // namespace dvs::control
