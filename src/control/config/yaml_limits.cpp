#include "control/config/yaml_limits.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"

namespace dvs::control {

namespace {

[[noreturn]] void refuse(const std::string& source, std::size_t line, std::size_t column,
                         const std::string& path, const std::string& problem) {
    std::string message = source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    if (!path.empty()) message += path + ": ";
    throw ConfigError(message + problem);
}

// The parse events, counted against the limits; throws at the first one
// exceeded, at the position of the node that exceeded it.
class LimitCounter : public YAML::EventHandler {
public:
    LimitCounter(const std::string& source, const YamlLimits& limits)
        : source_(source), limits_(limits) {}

    int documents = 0;

    void OnDocumentStart(const YAML::Mark& mark) override {
        // A second document ("---") would otherwise be ignored without a word.
        if (++documents == 2) fail(mark, "expected a single YAML document, found another one");
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, ""); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark, ""); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  const std::string& value) override {
        node(mark, value);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        open(mark, false);
    }
    void OnSequenceEnd() override { stack_.pop_back(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        open(mark, true);
    }
    void OnMapEnd() override { stack_.pop_back(); }

private:
    enum class Role { kOther, kServices, kService, kRealServers };
    struct Frame {
        bool map = false;
        Role role = Role::kOther;
        std::size_t children = 0;  // in a mapping: keys and values
        std::string key;           // in a mapping: the last key read
    };

    // The key path of the node about to start under the top frame: below
    // the top, each frame's open child is its last one (a mapping's value).
    std::string path() const {
        std::string out;
        for (std::size_t k = 0; k < stack_.size(); ++k) {
            const Frame& f = stack_[k];
            const bool top = k + 1 == stack_.size();
            if (f.map) {
                if ((!top || f.children % 2 == 1) && !f.key.empty()) {
                    out += (out.empty() ? "" : ".") + f.key;
                }
            } else {
                out += "[" + std::to_string(top ? f.children : f.children - 1) + "]";
            }
        }
        return out;
    }

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& problem) const {
        refuse(source_, mark.line + 1, mark.column + 1, path(), problem);
    }

    // Every node, scalar or container, when it starts. Returns its role.
    Role node(const YAML::Mark& mark, const std::string& scalar, bool container = false) {
        if (++nodes_ > limits_.max_nodes) {
            fail(mark, "more than " + std::to_string(limits_.max_nodes) +
                           " YAML nodes; a configuration this large is refused");
        }
        Role role = Role::kOther;
        if (!stack_.empty()) {
            Frame& parent = stack_.back();
            const bool is_key = parent.map && parent.children % 2 == 0;
            if (!is_key) {
                if (parent.map && stack_.size() == 1 && parent.key == "services" && container) {
                    role = Role::kServices;
                } else if (parent.role == Role::kServices) {
                    if (++services_ > limits_.max_services) {
                        fail(mark, "more than " + std::to_string(limits_.max_services) +
                                       " services (the dataplane's limit)");
                    }
                    role = Role::kService;
                } else if (parent.role == Role::kService && parent.key == "real_servers" &&
                           container) {
                    role = Role::kRealServers;
                } else if (parent.role == Role::kRealServers) {
                    if (++real_servers_ > limits_.max_real_servers) {
                        fail(mark, "more than " + std::to_string(limits_.max_real_servers) +
                                       " real servers in all services (the dataplane's limit)");
                    }
                }
            }
            if (is_key) parent.key = scalar;
            ++parent.children;
        }
        return role;
    }

    void open(const YAML::Mark& mark, bool map) {
        if (stack_.size() >= limits_.max_depth) {
            fail(mark, "nested deeper than " + std::to_string(limits_.max_depth) +
                           " levels (a configuration needs 6)");
        }
        const Role role = node(mark, "", true);
        stack_.push_back(Frame{map, role, 0, {}});
    }

    const std::string& source_;
    const YamlLimits& limits_;
    std::vector<Frame> stack_;
    std::size_t nodes_ = 0, services_ = 0, real_servers_ = 0;
};

}  // namespace

void check_text(std::string_view text, const std::string& source, const YamlLimits& limits) {
    if (text.size() > limits.max_bytes) {
        refuse(source, 1, 1, "",
               "larger than the " + std::to_string(limits.max_bytes >> 20) +
                   " MiB a configuration may have");
    }
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = text::utf8_sequence_length(text, i);
        if (n == 0) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(text[i]));
            refuse(source, line, column, "",
                   std::string("invalid UTF-8 (byte ") + hex +
                       "); YAML text must be UTF-8, and names end up in JSON");
        }
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
        i += n;
    }
}

void check_structure(const std::string& text, const std::string& source, const YamlLimits& limits) {
    LimitCounter counter(source, limits);
    try {
        std::istringstream in(text);
        YAML::Parser parser(in);
        // Not a loop to the end: on some malformed texts the parser stops
        // advancing and keeps yielding empty documents (fuzz_config found
        // 800 MB in 8 s from 2.5 KB). Two documents are enough to know.
        while (counter.documents < 2 && parser.HandleNextDocument(counter)) {
        }
    } catch (const YAML::Exception&) {
        // The loader reports it, with its position.
    }
}

}  // namespace dvs::control
