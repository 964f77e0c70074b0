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

dataplane::Ip6 to_ip6(const IpAddress& a) { return dataplane::Ip6::from(a.bytes.data()); }

VrrpParams params_of(const VrrpInstanceConfig& v) {
    VrrpParams p;
    p.name = v.name;
    p.vrid = v.vrid;
    p.priority = v.priority;
    p.advert_interval = std::chrono::milliseconds(v.advert_interval_ms);
    p.preempt = v.preempt;
    p.preempt_delay = std::chrono::milliseconds(v.preempt_delay_ms);
    p.primary_ip.family = v.family();  // unspecified: the socket's source address
    p.addresses = v.addresses;
    return p;
}

std::vector<VrrpParams> vrrp_params(const HaConfig& ha, AddressFamily family) {
    std::vector<VrrpParams> out;
    for (const VrrpInstanceConfig& v : ha.vrrp) {
        if (v.family() == family) out.push_back(params_of(v));
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
        o.peer = *ha_.sync.peer;
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
    std::vector<VrrpParams> v4 = vrrp_params(ha_, AddressFamily::kIpv4);
    std::vector<VrrpParams> v6 = vrrp_params(ha_, AddressFamily::kIpv6);
    // Both sockets open before either family starts: a missing link-local
    // address fails the start, not half of it.
    if (!v4.empty()) {
        vrrp_ = std::make_unique<VrrpService>(io_, ha_.interface, AddressFamily::kIpv4,
                                              std::move(v4), cb);
    }
    if (!v6.empty()) {
        vrrp6_ = std::make_unique<VrrpService>(io_, ha_.interface, AddressFamily::kIpv6,
                                               std::move(v6), cb);
    }
    if (vrrp_) vrrp_->start();
    if (vrrp6_) vrrp6_->start();
}

void HaManager::stop() {
    garp_timer_.cancel();
    if (vrrp_) vrrp_->stop();
    if (vrrp6_) vrrp6_->stop();
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
    na_.clear();
    for (const VrrpInstanceConfig& v : ha_.vrrp) {
        const auto it = states_.find(v.name);
        if (v.name != instance && (it == states_.end() || it->second != VrrpState::kMaster)) {
            continue;
        }
        for (const auto& [a, port] : announce_ports(v)) {
            if (a.is_v6()) {
                na_.push_back({to_ip6(a), port});
            } else {
                garp_.push_back({htonl(a.to_v4()), port});
            }
        }
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

std::vector<std::pair<IpAddress, uint16_t>> HaManager::announce_ports(
    const VrrpInstanceConfig& v) const {
    std::vector<std::pair<IpAddress, uint16_t>> out;
    for (const IpAddress& a : v.addresses) {
        bool placed = false;
        for (size_t p = 0; p < ports_.size() && !placed; ++p) {
            for (const IpPrefix& pa : ports_[p].addresses) {
                if (pa.address == a) placed = true;
            }
            if (placed) out.emplace_back(a, static_cast<uint16_t>(p));
        }
        for (size_t p = 0; p < ports_.size() && !placed; ++p) {
            for (const IpPrefix& pa : ports_[p].addresses) {
                if (pa.contains(a)) placed = true;
            }
            if (placed) out.emplace_back(a, static_cast<uint16_t>(p));
        }
        for (size_t p = 0; p < ports_.size() && !placed; ++p) {
            out.emplace_back(a, static_cast<uint16_t>(p));
        }
    }
    return out;
}

namespace {

void add_standby(const VrrpInstanceConfig& v, dataplane::HaView& ha) {
    for (const IpAddress& a : v.addresses) {
        if (a.is_v6()) {
            ha.standby6.push_back(to_ip6(a));
        } else {
            ha.standby.push_back(htonl(a.to_v4()));
        }
    }
}

}  // namespace

void HaManager::apply(dataplane::Snapshot& snap) const {
    snap.ha = {};
    for (const VrrpInstanceConfig& v : ha_.vrrp) {
        const auto it = states_.find(v.name);
        if (it != states_.end() && it->second == VrrpState::kMaster) continue;
        add_standby(v, snap.ha);
    }
    snap.ha.garp_generation = garp_generation_;
    snap.ha.garp = garp_;
    snap.ha.na = na_;
    snap.ha.sync_emit = sync_ != nullptr && is_master_of_any();
}

void HaManager::apply_initial(const Config& config, dataplane::Snapshot& snap) {
    snap.ha = {};
    for (const VrrpInstanceConfig& v : config.ha.vrrp) add_standby(v, snap.ha);
}

HaStatus HaManager::status() const {
    HaStatus s;
    s.interface = ha_.interface;
    // The IPv4 instances, then the IPv6 ones; the socket
    // counters of both families summed.
    for (const auto* service : {vrrp_.get(), vrrp6_.get()}) {
        if (service == nullptr) continue;
        for (VrrpInstanceStatus& i : service->status()) s.instances.push_back(std::move(i));
        const VrrpServiceCounters c = service->counters();
        s.vrrp.socket.received += c.socket.received;
        s.vrrp.socket.not_for_group += c.socket.not_for_group;
        s.vrrp.socket.own += c.socket.own;
        s.vrrp.socket.bad_ip += c.socket.bad_ip;
        s.vrrp.socket.not_link_local += c.socket.not_link_local;
        s.vrrp.socket.send_errors += c.socket.send_errors;
        s.vrrp.socket.receive_errors += c.socket.receive_errors;
        s.vrrp.other_vrid += c.other_vrid;
        s.vrrp.too_short += c.too_short;
    }
    s.has_sync = sync_ != nullptr;
    if (sync_) s.sync = sync_->status();
    return s;
}

}  // namespace dvs::control
