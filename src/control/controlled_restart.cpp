// A controlled restart (issue 19): a reload whose changes a running dvsd
// cannot apply (ports, dataplane, exception_path, ha: config_diff) becomes a
// restart that keeps connections, when `restart.when_needed` is set or
// `dvsadm reload --restart` asks. EAL cannot be initialised twice in one
// process, so dvsd re-executes itself (dvsd_main.cpp: execv of
// /proc/self/exe with its own argv, same PID).
//
//   1. The new file was parsed and validated on the loader thread; here it
//      gets the rest of what a start checks first (the Snapshot build, the
//      hugepages, the interfaces, the EAL prefix). A refusal changes nothing.
//   2. The running Config is written as YAML next to the state file: the
//      fallback the new process starts from if the new file does not start.
//   3. run()'s io_context stops as for SIGTERM (VRRP goodbye, announcer
//      withdrawn) without STOPPING=1; the teardown saves the connections
//      (conn_carry.cpp), stops the workers, closes the ports (the
//      exception path's taps with them), the management socket and EAL.
//   4. main() re-executes dvsd; the new process restores the connections
//      and sends READY=1, which ends the reload systemd was told of.

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "control/config/config_writer.hpp"
#include "control/daemon_process.hpp"
#include "control/eal_lock.hpp"
#include "control/hugepage_check.hpp"
#include "control/preflight.hpp"
#include "control/service_notify.hpp"
#include "control/snapshot_builder.hpp"

namespace dvs::control {

namespace {

// What start-up would refuse beyond validation; "" when nothing.
std::string start_problems(const Config& running, const Config& next) {
    try {
        build_snapshot(next, next.dataplane.workers, 0);
        check_hugepage_memory(next, read_hugepages());
    } catch (const ConfigError& e) {
        return e.what();
    }
    for (const PreflightWarning& w :
         preflight_warnings(next, SourceMap(next.source), kernel_probe())) {
        if (w.stops_start) return w.text;
    }
    // Our own prefix is released before the new process takes it.
    if (eal_file_prefix(next.dataplane.eal) != eal_file_prefix(running.dataplane.eal)) {
        if (auto who = eal_prefix_in_use(next.dataplane.eal)) return *who;
    }
    return {};
}

// The running Config, for the new process to fall back on. Its services
// are the running ones (runtime changes included), so it names no overlay.
std::string write_fallback(const Config& running, const std::string& state_file) {
    if (state_file.empty()) return {};
    Config copy = running;
    copy.runtime_overlay.clear();
    const std::string path = state_file + ".previous.yaml";
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << "# dvsd's running configuration before a controlled restart (pid " << ::getpid()
          << "): started from if the new file fails to start.\n"
          << config_to_yaml(copy);
        f.flush();
        if (!f) return {};
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    return ec ? std::string() : path;
}

std::string joined(const std::vector<std::string>& keys) {
    std::string s;
    for (const std::string& k : keys) s += (s.empty() ? "" : ", ") + k;
    return s.empty() ? "asked for (dvsadm reload --restart)" : s;
}

}  // namespace

bool Daemon::controlled_restart(const Config& next, const std::vector<std::string>& why,
                                std::string& message) {
    if (!leave_for_restart_) {
        message = "controlled restart: dvsd is stopping";
        return false;
    }
    if (const std::string problem = start_problems(config_, next); !problem.empty()) {
        message = "controlled restart refused, keeping version " + std::to_string(version_) + ": " +
                  problem;
        spdlog::error("{}", message);
        return false;
    }
    // The new process restores from its own state_file: save there.
    config_.restart = next.restart;
    fallback_config_ = write_fallback(config_, config_.restart.state_file);
    reexec_ = true;
    const std::string keep = config_.restart.state_file.empty()
                                 ? "connections are NOT kept (no restart.state_file)"
                                 : "connections are saved to " + config_.restart.state_file +
                                       " and restored by the new process";
    message = "restarting dvsd (pid " + std::to_string(::getpid()) + ") for: " + joined(why) +
              "; " + keep;
    spdlog::warn("controlled restart: {} validated for a restart ({}); {}; fallback {}",
                 opts_.config_path, joined(why), keep,
                 fallback_config_.empty() ? "none (no state_file)" : fallback_config_);
    service_notify::status("restarting: " + joined(why));
    leave_for_restart_();
    return true;
}

}  // namespace dvs::control
