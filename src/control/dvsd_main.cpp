// dvsd: the DVS daemon. Parses the command line and hands over to run_daemon.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "common/version.hpp"
#include "control/daemon.hpp"

namespace {

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: dvsd --config FILE [--check] [--stats-file PATH] [--log-level LEVEL]\n"
                 "       dvsd --version\n"
                 "  --config FILE       YAML configuration (see config/example.yaml)\n"
                 "  --check             validate the configuration and exit (0 = valid)\n"
                 "  --stats-file PATH   write counters as JSON here on SIGUSR1 and at exit\n"
                 "  --log-level LEVEL   trace, debug, info (default), warn, error\n");
}

// The soft limit on open files up to the hard one (often 1,024 -> 524,288):
// management sessions, monitoring connections, health checks and reloads
// all need descriptors, and the soft default is what a flood of sessions
// exhausted (issue 20). The session caps bound each of them anyway.
void raise_fd_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
    const rlim_t before = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &lim) == 0) {
        spdlog::info("open files limit raised from {} to {}", before, lim.rlim_cur);
    }
}

}  // namespace

int main(int argc, char** argv) {
    dvs::control::DaemonOptions opts;
    std::string level = "info";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char* name) -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "dvsd: %s needs a value\n", name);
                std::exit(1);
            }
            return argv[++i];
        };
        if (a == "--config" || a == "-c") {
            opts.config_path = value("--config");
        } else if (a == "--check" || a == "-t") {
            opts.check_only = true;
        } else if (a == "--stats-file") {
            opts.stats_file = value("--stats-file");
        } else if (a == "--log-level") {
            level = value("--log-level");
        } else if (a == "--version" || a == "-V") {
            std::printf("dvsd (DVS) %s\n", dvs::version());
            return 0;
        } else if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "dvsd: unknown argument '%s'\n", a.c_str());
            usage(stderr);
            return 1;
        }
    }
    if (opts.config_path.empty()) {
        std::fprintf(stderr, "dvsd: --config FILE is required\n");
        usage(stderr);
        return 1;
    }
    auto logger = spdlog::stderr_color_mt("dvsd");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(level));
    raise_fd_limit();
    return dvs::control::run_daemon(opts);
}
