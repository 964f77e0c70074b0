// Connections carried across a restart (README "Restarts that keep
// connections"): on SIGTERM the workers copy their tables out (the
// connection listing's ConnDump, templates included) and the control thread
// writes them to restart.state_file; at the next start each saved entry gets
// this run's ids and goes, through the sync `in` ring, to the worker that
// owns its flow, with the time it had left minus the time dvsd was away.
// TCP's retransmissions then carry established connections over the gap.

#include <rte_ring.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "control/conn_state_file.hpp"
#include "control/daemon_process.hpp"
#include "control/record_ids.hpp"

namespace dvs::control {

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

// Workers still forwarding: entries made after a worker's walk passed them
// are not saved (new flows in the last milliseconds; their clients retry).
void Daemon::save_connections() {
    const std::string& path = config_.restart.state_file;
    if (path.empty() || workers_.empty()) return;
    const auto started = std::chrono::steady_clock::now();
    constexpr auto kPatience = std::chrono::seconds(10);
    std::vector<std::vector<dataplane::ConnDumpEntry>> buffers(workers_.size());
    std::vector<std::vector<dataplane::ConnDumpEntry6>> buffers6(workers_.size());
    const uint32_t capacity6 = dataplane::conn6_capacity(config_.dataplane.conn_capacity,
                                                         config_.dataplane.conn6_capacity);
    for (size_t w = 0; w < workers_.size(); ++w) {
        dataplane::ConnDump& d = workers_[w]->conn_dump();
        // A listing the management socket started before it closed: let it end.
        while (d.state.load(std::memory_order_acquire) == dataplane::ConnDump::kRequested &&
               std::chrono::steady_clock::now() - started < kPatience) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        buffers[w].resize(config_.dataplane.conn_capacity);
        d.filter = {};
        d.filter.templates = true;
        d.out = buffers[w].data();
        d.capacity = config_.dataplane.conn_capacity;
        buffers6[w].resize(capacity6);
        d.out6 = buffers6[w].data();
        d.capacity6 = capacity6;
        d.restart();
        d.state.store(dataplane::ConnDump::kRequested, std::memory_order_release);
    }
    SavedConnections saved;
    size_t templates = 0;
    for (size_t w = 0; w < workers_.size(); ++w) {
        dataplane::ConnDump& d = workers_[w]->conn_dump();
        while (d.state.load(std::memory_order_acquire) != dataplane::ConnDump::kDone) {
            if (std::chrono::steady_clock::now() - started > kPatience) {
                spdlog::error(
                    "restart: worker {} did not hand over its connections in time; "
                    "{} not written",
                    w, path);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        for (uint32_t i = 0; i < d.count; ++i) {
            const dataplane::ConnDumpEntry& e = buffers[w][i];
            saved.records.push_back(
                dataplane::SyncRecord::from_conn(e.conn, dataplane::SyncOp::kUpdate, e.expires_in));
            if (e.conn.state == dataplane::ConnState::kTemplate) ++templates;
        }
        for (uint32_t i = 0; i < d.count6; ++i) {
            const dataplane::ConnDumpEntry6& e = buffers6[w][i];
            saved.records.push_back(dataplane::SyncRecord::from_conn6(
                e.conn, dataplane::SyncOp::kUpdate, e.expires_in));
            if (e.conn.state == dataplane::ConnState::kTemplate) ++templates;
        }
    }
    saved.saved_at_ms = unix_now_ms();
    try {
        write_conn_state_file(path, saved);
    } catch (const std::exception& e) {
        spdlog::error("restart: connections not saved: {}", e.what());
        return;
    }
    spdlog::info("restart: saved {} connections and {} persistence templates to {} in {:.0f} ms",
                 saved.records.size() - templates, templates, path, ms_since(started));
}

// Runs once, after the first Snapshot is published and the workers run.
// A missing file is the normal first start; an unreadable one is logged and
// left for the operator (renamed), and dvsd starts with an empty table.
// Returns when the restored entries were saved.
std::optional<int64_t> Daemon::restore_connections() {
    const std::string& path = config_.restart.state_file;
    if (path.empty() || !sync_rings_) return std::nullopt;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        spdlog::info("restart: no saved connections at {}", path);
        return std::nullopt;
    }
    const auto started = std::chrono::steady_clock::now();
    SavedConnections saved;
    try {
        saved = read_conn_state_file(path);
    } catch (const std::exception& e) {
        const std::string kept = path + ".bad";
        std::filesystem::rename(path, kept, ec);
        spdlog::warn("restart: saved connections not restored: {} (kept as {})", e.what(), kept);
        return std::nullopt;
    }
    // Installed once: a later crash must not bring back this old table.
    std::filesystem::remove(path, ec);
    const int64_t away_ms = std::max<int64_t>(0, unix_now_ms() - saved.saved_at_ms);
    const auto away_s = static_cast<uint32_t>((away_ms + 999) / 1000);
    const dataplane::Snapshot* snap = publisher_->current();
    size_t queued = 0, expired = 0, unknown = 0, capped_n = 0, ring_full = 0;
    constexpr auto kPatience = std::chrono::seconds(10);
    for (dataplane::SyncRecord r : saved.records) {
        if (r.timeout <= away_s) {
            ++expired;
            continue;
        }
        r.timeout -= away_s;
        bool capped = false;
        if (assign_record_ids(r, *snap, capped) != RecordIds::kOk) {
            ++unknown;  // its service or server is no longer configured
            continue;
        }
        capped_n += capped ? 1 : 0;
        r.flags |= dataplane::kSyncRestored;
        rte_ring* in = sync_rings_->worker(record_owner(r, sync_rings_->workers())).in;
        // The workers drain their rings every loop: wait for room, boundedly.
        while (rte_ring_sp_enqueue_elem(in, &r, sizeof r) != 0) {
            if (std::chrono::steady_clock::now() - started > kPatience) break;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        if (std::chrono::steady_clock::now() - started > kPatience) {
            ++ring_full;
            continue;
        }
        ++queued;
    }
    spdlog::info(
        "restart: {} of {} saved entries handed to the workers ({:.1f} s after they were "
        "saved, in {:.0f} ms); {} had expired, {} name a service or server no longer "
        "configured, {} timeouts capped, {} not installed in time",
        queued, saved.records.size(), away_ms / 1000.0, ms_since(started), expired, unknown,
        capped_n, ring_full);
    return saved.saved_at_ms;
}

}  // namespace dvs::control
