#pragma once
// A Prometheus scrape beside a benchmark: a thread that renders dvsd's
// /metrics page from the bench worker's counters every `interval`, as
// dvsd's control thread does when Prometheus asks (the HTTP transport
// aside: the listener serves the rendered string). The render reads the
// worker's counters with relaxed loads, never a lock, so what a scrape can
// cost the worker is the cache lines it pulls off the worker's core and
// the CPU it takes. loop_bench --scrape-ms N runs one (BENCHMARKS.md).
// Control-path code: exceptions allowed.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "control/config/config.hpp"
#include "control/id_registry.hpp"
#include "control/monitoring/metrics_page.hpp"
#include "control/snapshot_builder.hpp"
#include "dataplane/counters.hpp"

namespace dvs::bench {

class Scraper {
public:
    Scraper(const std::string& config_yaml, const dataplane::WorkerCounters& counters,
            std::chrono::milliseconds interval)
        : config_(control::load_config_text(config_yaml, "bench")), interval_(interval) {
        control::IdRegistry registry(dataplane::kMaxServices, dataplane::kMaxRealServers);
        ids_ = registry.assign(config_, [](uint32_t) { return true; });
        snapshot_ = control::build_snapshot(config_, 1, 1, &ids_);
        view_.stats.config = &config_;
        view_.stats.snapshot = snapshot_.get();
        view_.stats.ids = &ids_;
        view_.stats.workers.push_back(&counters);
        thread_ = std::thread([this] { loop(); });
    }
    ~Scraper() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    Scraper(const Scraper&) = delete;
    Scraper& operator=(const Scraper&) = delete;

    // After the destructor's join, or approximately while it runs.
    uint64_t scrapes() const { return scrapes_; }
    double mean_render_us() const { return scrapes_ ? render_ns_ / 1e3 / scrapes_ : 0; }
    uint64_t page_bytes() const { return page_bytes_; }

private:
    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
            const auto t0 = std::chrono::steady_clock::now();
            const std::string page = control::monitoring::render_metrics(view_);
            render_ns_ += static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                  std::chrono::steady_clock::now() - t0)
                                                  .count());
            page_bytes_ = page.size();
            ++scrapes_;
        }
    }

    control::Config config_;
    control::IdAssignment ids_;
    std::unique_ptr<dataplane::Snapshot> snapshot_;
    control::monitoring::MonitoringView view_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    uint64_t scrapes_ = 0;
    double render_ns_ = 0;
    uint64_t page_bytes_ = 0;
    std::thread thread_;
};

}  // namespace dvs::bench
