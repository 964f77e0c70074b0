#pragma once
// The runtime changes (dvsadm) that no file holds yet (issue 19: a SIGHUP
// silently discarded them). Each change is logged once as an audit line
// with who made it; the ones not yet saved are kept, counted for `dvsadm
// status`, and logged one by one when a reload of the file discards them.
//
//   audit: dvsadm uid 0 pid 4242: -e -t 192.0.2.10:80 (web) -r 10.0.0.12:8080: weight 2 -> 5
//   reload of dvs.yaml discards runtime change: -e -t ... (dvsadm uid 0 pid 4242, 2026-12-05
//   06:12:01 UTC)
//
// Control thread only.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dvs::control {

// Who is on the other end of the management socket (SO_PEERCRED).
struct Caller {
    uid_t uid = 0;
    pid_t pid = 0;
};

class RuntimeChanges {
public:
    // Logs one audit line per described change (or that the request
    // changed nothing) and keeps them as unsaved. Returns the lines logged.
    std::vector<std::string> record(const Caller& who, const std::string& request,
                                    const std::vector<std::string>& changes);
    // A reload of `file` replaced the running configuration: logs each
    // unsaved change as discarded, then forgets them.
    void discard(const std::string& file);
    // The changes are in a file now (a save): nothing unsaved.
    void saved() { unsaved_.clear(); }

    size_t unsaved() const { return unsaved_.size(); }

private:
    struct Entry {
        std::string change;
        std::string who;  // "dvsadm uid 0 pid 4242, 2026-12-05 06:12:01 UTC"
    };
    std::vector<Entry> unsaved_;
};

}  // namespace dvs::control
