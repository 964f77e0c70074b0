#include "control/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>

namespace dvs::control::service_notify {

namespace {

std::string status_line(std::string_view status) {
    std::string line = "STATUS=";
    for (const char c : status) line += (c == '\n' || c == '\r') ? ' ' : c;
    return line;
}

uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

bool send(const std::string& message) { return sd_notify(0, message.c_str()) > 0; }

}  // namespace

std::string ready_message(std::string_view status) { return "READY=1\n" + status_line(status); }

std::string reloading_message(std::string_view status, uint64_t monotonic_usec) {
    return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec) + "\n" +
           status_line(status);
}

std::string stopping_message(std::string_view status) {
    return "STOPPING=1\n" + status_line(status);
}

std::string status_message(std::string_view status) { return status_line(status); }

bool ready(std::string_view s) { return send(ready_message(s)); }
bool reloading(std::string_view s) { return send(reloading_message(s, monotonic_usec())); }
bool stopping(std::string_view s) { return send(stopping_message(s)); }
bool status(std::string_view s) { return send(status_message(s)); }

}  // namespace dvs::control::service_notify
