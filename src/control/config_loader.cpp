#include "control/config_loader.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <chrono>
#include <memory>

namespace dvs::control {

namespace asio = boost::asio;

ConfigLoader::ConfigLoader(asio::io_context& control_io)
    : control_io_(control_io), work_(asio::make_work_guard(io_)) {
    thread_ = std::thread([this] {
        // Below the control thread: on a busy box the scheduler gives the
        // control thread (VRRP, health checks) the CPU first. Linux applies
        // a nice value to one thread when given its tid.
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
        io_.run();
    });
}

ConfigLoader::~ConfigLoader() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
}

void ConfigLoader::load(std::string path, std::function<void(LoadResult)> done) {
    asio::post(io_, [this, path = std::move(path), done = std::move(done)]() mutable {
        const auto t0 = std::chrono::steady_clock::now();
        auto result = std::make_shared<LoadResult>();
        try {
            result->config = load_config_file(path);
        } catch (const ConfigError& e) {
            result->error = e.what();
        } catch (const std::bad_alloc&) {
            result->error = path + ": out of memory while loading";
        }
        result->load_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        // The YAML tree is gone by now; give its pages back (a rejected
        // 12 MB file left 850 MB resident before this).
        ::malloc_trim(0);
        asio::post(control_io_, [result, done = std::move(done)] { done(std::move(*result)); });
    });
}

void ConfigLoader::dispose(Config garbage) {
    auto held = std::make_shared<Config>(std::move(garbage));
    asio::post(io_, [held]() mutable {
        held.reset();
        ::malloc_trim(0);
    });
}

}  // namespace dvs::control
