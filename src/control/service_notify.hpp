#pragma once
// systemd's readiness protocol (sd_notify(3)) for dvsd.service (Type=notify):
// dvsd tells the service manager when it is ready (ports up, the first
// Snapshot published), when a reload starts and ends, when it stops, and a
// one-line status for `systemctl status`. libsystemd's sd_notify writes one
// datagram to $NOTIFY_SOCKET (a path, or '@' for an abstract name); without
// the variable (not started by systemd) each call does nothing.
//
// Control thread only; a handful of datagrams per start and reload, never
// anything per packet.

#include <cstdint>
#include <string>
#include <string_view>

namespace dvs::control::service_notify {

// The datagrams, as pure functions (unit-tested). `status` is made one line.
std::string ready_message(std::string_view status);
// RELOADING=1 with MONOTONIC_USEC=, which systemd 253+ wants with it to tell
// this reload from an earlier one.
std::string reloading_message(std::string_view status, uint64_t monotonic_usec);
std::string stopping_message(std::string_view status);
std::string status_message(std::string_view status);

// Send to $NOTIFY_SOCKET. False when not under systemd or the send failed
// (nothing else to do about it: dvsd runs on).
bool ready(std::string_view status);
bool reloading(std::string_view status);
bool stopping(std::string_view status);
bool status(std::string_view status);

}  // namespace dvs::control::service_notify
