// libFuzzer target: dvsadm's ipvsadm-style argument parser (dvsadm/parser).
//
// The input is split into words as a shell line (split_words) and parsed as
// a command line; each of its lines is also parsed as an -R restore line.
//
// Invariants:
//  - a command line is either a Command or refused with UsageError whose
//    message is not empty; nothing else escapes;
//  - every accepted command that sends one request builds a request
//    (to_request) that the daemon's protocol parser accepts: dvsadm never
//    sends what dvsd would refuse as malformed.

#include <string>

#include "dvsadm/parser.hpp"
#include "dvsadm/request.hpp"
#include "fuzz_check.hpp"
#include "mgmt/protocol.hpp"

namespace mgmt = dvs::mgmt;
using dvs::dvsadm::Command;
using dvs::dvsadm::UsageError;
using dvs::dvsadm::Verb;

namespace {

void check_command(const Command& cmd) {
    if (cmd.verb == Verb::kRestore || cmd.verb == Verb::kHelp || cmd.verb == Verb::kVersion) return;
    const mgmt::Request request = dvs::dvsadm::to_request(cmd);
    const mgmt::json message = mgmt::to_json(request);
    try {
        (void)mgmt::parse_request(message);
    } catch (const mgmt::ProtocolError& e) {
        std::fprintf(stderr, "dvsadm built a request dvsd refuses: %s\n%s\n", e.what(),
                     message.dump().c_str());
        FUZZ_CHECK(!"accepted command gives a valid request");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        check_command(dvs::dvsadm::parse_command_line(dvs::dvsadm::split_words(text)));
    } catch (const UsageError& e) {
        FUZZ_CHECK(e.what()[0] != '\0');
    }
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        try {
            if (auto cmd = dvs::dvsadm::parse_restore_line(
                    std::string_view(text).substr(start, end - start))) {
                check_command(*cmd);
            }
        } catch (const UsageError& e) {
            FUZZ_CHECK(e.what()[0] != '\0');
        }
        start = end + 1;
    }
    return 0;
}
