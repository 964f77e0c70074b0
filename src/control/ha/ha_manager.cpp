#include "control/ha/ha_manager.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "control/config/key_file.hpp"

namespace dvs::control {

namespace {

// Gratuitous ARPs again after these delays (keepalived repeats them too):
// a switch or host that missed the first ones still learns the new master.
constexpr std::chrono::milliseconds kGarpRepeats[] = {std::chrono::milliseconds(1000),
                                                      std::chrono::milliseconds(4000)};

std::vector<VrrpParams> vrrp_params(const HaConfig& ha) {
    std::vector<VrrpParams> out;
    for (const VrrpInstanceConfig& v : ha.vrrp) {
        VrrpParams p;
        p.name = v.name;
        p.vrid = v.vrid;
        p.priority = v.priority;
        p.advert_interval = std::chrono::milliseconds(v.advert_interval_ms);
        p.preempt = v.preempt;
        p.preempt_delay = std::chrono::milliseconds(v.preempt_delay_ms);
        for (uint32_t a : v.addresses) p.addresses.push_back(htonl(a));
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

HaManager::HaManager(boost::asio::io_context& io, const Config& config, dataplane::SyncRings* rings,
                     SyncChannel::SnapshotSource snapshot, std::function<void()> republish)
    : io_(io),
      ha_(config.ha),
      ports_(config.ports),
      republish_(std::move(republish)),
      garp_timer_(io) {
    for (const VrrpInstanceConfig& v : ha_.vrrp) states_[v.name] = VrrpState::kInitialize;
    if (rings != nullptr) {
        SyncChannel::Options o;
        o.interface = ha_.interface;
        o.peer = ha_.sync.peer;
        o.port = ha_.sync.port;
        o.flush_interval = std::chrono::milliseconds(ha_.sync.flush_interval_ms);
        o.workers = rings->workers();
        if (!ha_.sync.key_file.empty()) {
            // validate() read it already; it may have changed since.
            KeyFile key = read_key_file(ha_.sync.key_file);
            if (!key.problem.empty()) throw std::runtime_error("ha.sync.key_file: " + key.problem);
            if (key.group_or_other_access) {
                spdlog::warn("sync: key file {} is accessible to group or others (chmod 600)",
                             ha_.sync.key_file);
            }
            o.key = std::move(key.key);
        }
        sync_ = std::make_unique<SyncChannel>(io, o, *rings, std::move(snapshot),
                                              [this] { return is_master_of_any(); });
    }
}

HaManager::~HaManager() { stop(); }

void HaManager::start() {
    VrrpCallbacks cb;
    cb.on_transition = [this](const std::string& instance, VrrpState from, VrrpState to,
                              const std::string& reason) {
        on_transition(instance, from, to, reason);
    };
    cb.on_garp = [this](const std::string& instance) {
        announce(instance);
        republish_();
    };
    if (sync_) sync_->start();
    vrrp_ = std::make_unique<VrrpService>(io_, ha_.interface, vrrp_params(ha_), cb);
    vrrp_->start();
}

void HaManager::stop() {
    garp_timer_.cancel();
    if (vrrp_) vrrp_->stop();
    if (sync_) sync_->stop();
}

bool HaManager::is_master_of_any() const {
    for (const auto& [name, state] : states_) {
        if (state == VrrpState::kMaster) return true;
    }
    return false;
}

void HaManager::on_transition(const std::string& instance, VrrpState from, VrrpState to,
                              const std::string& reason) {
    (void)reason;  // VrrpService logs the transition with it
    states_[instance] = to;
    if (to == VrrpState::kMaster) {
        announce(instance);
        if (sync_) sync_->cancel_full_request();
    } else if (to == VrrpState::kBackup && sync_) {
        // Coming from MASTER (preempted, or a split brain healing): the new
        // master gets what we hold, then we take its table.
        if (from == VrrpState::kMaster) sync_->hand_back();
        sync_->request_full_transfer();
    }
    republish_();
}

// Worker 0 may skip an intermediate Snapshot, so each generation lists the
// addresses of every instance that is MASTER, not only the one announcing.
void HaManager::announce(const std::string& instance) {
    garp_.clear();
    for (const VrrpInstanceConfig& v : ha_.vrrp) {
        const auto it = states_.find(v.name);
        if (v.name != instance && (it == states_.end() || it->second != VrrpState::kMaster)) {
            continue;
        }
        const auto more = garps_for(v);
        garp_.insert(garp_.end(), more.begin(), more.end());
    }
    garp_instance_ = instance;
    ++garp_generation_;
    repeat_garps(0);
}

void HaManager::repeat_garps(size_t step) {
    if (step >= std::size(kGarpRepeats)) return;
    garp_timer_.expires_after(kGarpRepeats[step]);
    garp_timer_.async_wait([this, step](const boost::system::error_code& ec) {
        if (ec) return;
        const auto it = states_.find(garp_instance_);
        if (it == states_.end() || it->second != VrrpState::kMaster) return;
        ++garp_generation_;
        republish_();
        repeat_garps(step + 1);
    });
}

// A port's floating address is announced on that port; a VIP on the port
// whose subnet holds it, or on every port when none does.
std::vector<dataplane::GratuitousArp> HaManager::garps_for(const VrrpInstanceConfig& v) const {
    std::vector<dataplane::GratuitousArp> out;
    for (uint32_t a : v.addresses) {
        bool placed = false;
        for (size_t p = 0; p < ports_.size() && !placed; ++p) {
            for (const IpPrefix& pa : ports_[p].addresses) {
                if (pa.address == IpAddress::v4(a)) placed = true;
            }
            if (placed) out.push_back({htonl(a), static_cast<uint16_t>(p)});
        }
        for (size_t p = 0; p < ports_.size() && !placed; ++p) {
            for (const IpPrefix& pa : ports_[p].addresses) {
                if (pa.contains(IpAddress::v4(a))) placed = true;
            }
            if (placed) out.push_back({htonl(a), static_cast<uint16_t>(p)});
        }
        for (size_t p = 0; p < ports_.size() && !placed; ++p) {
            out.push_back({htonl(a), static_cast<uint16_t>(p)});
        }
    }
    return out;
}

void HaManager::apply(dataplane::Snapshot& snap) const {
    snap.ha = {};
    for (const VrrpInstanceConfig& v : ha_.vrrp) {
        const auto it = states_.find(v.name);
        if (it != states_.end() && it->second == VrrpState::kMaster) continue;
        for (uint32_t a : v.addresses) snap.ha.standby.push_back(htonl(a));
    }
    snap.ha.garp_generation = garp_generation_;
    snap.ha.garp = garp_;
    snap.ha.sync_emit = sync_ != nullptr && is_master_of_any();
}

void HaManager::apply_initial(const Config& config, dataplane::Snapshot& snap) {
    snap.ha = {};
    for (const VrrpInstanceConfig& v : config.ha.vrrp) {
        for (uint32_t a : v.addresses) snap.ha.standby.push_back(htonl(a));
    }
}

HaStatus HaManager::status() const {
    HaStatus s;
    s.interface = ha_.interface;
    if (vrrp_) {
        s.instances = vrrp_->status();
        s.vrrp = vrrp_->counters();
    }
    s.has_sync = sync_ != nullptr;
    if (sync_) s.sync = sync_->status();
    return s;
}

}  // namespace dvs::control
