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

// Returns the process exit code: 0 ok, 1 bad configuration, 2 runtime failure.
int run_daemon(const DaemonOptions& options);

}  // namespace dvs::control
