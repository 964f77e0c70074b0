// libFuzzer target: the management protocol (src/mgmt), both
// the daemon's side (request lines from a socket) and the client's side
// (dvsadm reading dvsd's answers).
//
// Invariants:
//  - a line is either a request or refused with ProtocolError; nothing else
//    escapes (the server answers garbage, it must never die on it);
//  - an accepted request written back with to_json() parses again to the
//    same JSON (the contract round-trips);
//  - a response line is parsed by dvsadm's readers or refused with
//    ProtocolError / DaemonError.

#include <string>

#include "fuzz_check.hpp"
#include "mgmt/protocol.hpp"

namespace mgmt = dvs::mgmt;

namespace {

template <typename F>
void expect_protocol_errors_only(F&& f) {
    try {
        f();
    } catch (const mgmt::ProtocolError&) {
    } catch (const mgmt::DaemonError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    mgmt::json message;
    try {
        message = mgmt::parse_request_line(line);
    } catch (const mgmt::ProtocolError&) {
        return 0;
    }

    // The daemon's side.
    try {
        const mgmt::Request request = mgmt::parse_request(message);
        const mgmt::json written = mgmt::to_json(request);
        const mgmt::json again = mgmt::to_json(mgmt::parse_request(written));
        FUZZ_CHECK(again == written);
        FUZZ_CHECK(mgmt::op_name(request) == written.at("op").get<std::string>());
        // What the client sends is one line the server reads back as the same.
        const std::string encoded = mgmt::encode_line(written);
        FUZZ_CHECK(!encoded.empty() && encoded.back() == '\n');
        FUZZ_CHECK(encoded.find('\n') == encoded.size() - 1);
        FUZZ_CHECK(mgmt::parse_request_line(encoded) == written);
    } catch (const mgmt::ProtocolError&) {
    }

    // dvsadm's side: the same bytes as an answer from dvsd.
    expect_protocol_errors_only([&] { mgmt::check_response(message); });
    expect_protocol_errors_only([&] { (void)mgmt::parse_status_response(message); });
    expect_protocol_errors_only([&] { (void)mgmt::parse_list_response(message); });
    expect_protocol_errors_only([&] { (void)mgmt::parse_conns_response(message); });
    expect_protocol_errors_only([&] { (void)mgmt::parse_health_response(message); });
    expect_protocol_errors_only([&] { (void)mgmt::parse_ha_response(message); });
    expect_protocol_errors_only([&] { (void)mgmt::parse_message_response(message); });
    expect_protocol_errors_only([&] { (void)mgmt::parse_yaml_response(message); });
    return 0;
}
