// dvsd: the DVS daemon. Parses the command line and hands over to run_daemon.

#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

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

// Set by a controlled restart for the process it executes: the previous
// running configuration, to start from if the new one does not start.
constexpr const char* kFallbackEnv = "DVS_RESTART_FALLBACK";

// Re-executes dvsd (the same binary, by /proc/self/exe) with `args`. The PID
// stays (systemd's MAINPID with it); every descriptor but 0-2 closes at
// exec, those EAL and libraries opened without O_CLOEXEC too. Returns only
// when exec failed.
int reexec(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    // The signal mask survives exec: the new image starts with none blocked.
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    spdlog::default_logger()->flush();
    ::execv("/proc/self/exe", argv.data());
    spdlog::error("controlled restart: cannot execute /proc/self/exe: {}", std::strerror(errno));
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    dvs::control::DaemonOptions opts;
    std::string level = "info";
    const std::vector<std::string> args(argv, argv + argc);
    std::string fallback;
    if (const char* f = std::getenv(kFallbackEnv)) {
        fallback = f;
        ::unsetenv(kFallbackEnv);  // one fallback only, and not for a later restart
    }
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
    const dvs::control::DaemonExit exit = dvs::control::run_daemon(opts);
    if (exit.reexec) {
        if (!exit.fallback_config.empty()) ::setenv(kFallbackEnv, exit.fallback_config.c_str(), 1);
        spdlog::info("controlled restart: executing dvsd again (pid {})", ::getpid());
        return reexec(args);
    }
    if (exit.status != 0 && !fallback.empty()) {
        // The file the controlled restart validated did not start (ports,
        // EAL): the box must not stay down. Start again from what ran.
        std::vector<std::string> again = args;
        for (size_t i = 1; i + 1 < again.size(); ++i) {
            if (again[i] == "--config" || again[i] == "-c") again[i + 1] = fallback;
        }
        spdlog::error(
            "controlled restart: {} did not start (above); starting again with the previous "
            "configuration, kept as {}; reloads read that file until dvsd is started again "
            "with {}",
            opts.config_path, fallback, opts.config_path);
        return reexec(again);
    }
    return exit.status;
}
