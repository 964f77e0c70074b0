#pragma once
// The reload thread: reads, parses and validates a configuration file away
// from the control thread, so that VRRP adverts, health checks and the
// management socket keep their timing while a large (or hostile) file is
// read. Issue 20: a 12 MB file held the control thread 7-14 s and the HA
// backup took over.
//
// Threads: load() and the destructor run on the control thread; the work
// runs on this object's own thread (at a lower CPU priority); `done` runs
// on the control thread's io_context (posted), never on the loader's.
// Each load gives its memory back to the system (malloc_trim) before it
// reports, accepted or not.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>  // before Boost.Asio: its awaitable.hpp uses std::exchange

#include "control/config/config.hpp"

namespace dvs::control {

struct LoadResult {
    std::optional<Config> config;  // set when the file parsed and validated
    std::string error;             // FILE:LINE:COL: key.path: problem otherwise
    double load_ms = 0;            // read + parse + validate, on the loader thread
};

class ConfigLoader {
public:
    explicit ConfigLoader(boost::asio::io_context& control_io);
    ~ConfigLoader();  // waits for a load in progress, then joins
    ConfigLoader(const ConfigLoader&) = delete;
    ConfigLoader& operator=(const ConfigLoader&) = delete;

    // Loads `path` on the loader thread; `done` is posted to the control
    // io_context with the result.
    void load(std::string path, std::function<void(LoadResult)> done);
    // Destroys `garbage` (a replaced Config) on the loader thread and trims
    // the heap there, so neither costs the control thread.
    void dispose(Config garbage);

private:
    boost::asio::io_context& control_io_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

}  // namespace dvs::control
