#pragma once
// dvsd's life cycle: load and validate the config, bring up EAL, ports,
// rings and workers, then run the control thread's io_context (signals,
// later the management socket and health checks) until told to stop.

#include <string>

namespace dvs::control {

struct DaemonOptions {
    std::string config_path;
    std::string stats_file;  // SIGUSR1 and exit write the stats JSON here (optional)
    bool check_only = false;
};

// How run_daemon ended. `reexec`: a controlled restart (controlled_restart.cpp)
// saved the connections and released EAL, ports and the management socket;
// main() re-executes dvsd with its own argv, and `fallback_config` (the
// running Config as YAML) is what the new process starts from if the new
// file fails to start.
struct DaemonExit {
    int status = 0;  // 0 ok, 1 bad configuration, 2 runtime failure
    bool reexec = false;
    std::string fallback_config;
};

DaemonExit run_daemon(const DaemonOptions& options);

}  // namespace dvs::control
