#include "control/ha/vrrp_service.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <set>
#include <stdexcept>

namespace dvs::control {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

int64_t unix_ms_of(VrrpTime at) {
    const auto age = VrrpClock::now() - at;
    return duration_cast<milliseconds>((std::chrono::system_clock::now() - age).time_since_epoch())
        .count();
}

}  // namespace

VrrpService::VrrpService(boost::asio::io_context& io, std::string interface, AddressFamily family,
                         std::vector<VrrpParams> params, VrrpCallbacks callbacks)
    : socket_(io, std::move(interface), family), callbacks_(std::move(callbacks)) {
    std::set<uint8_t> vrids;
    for (VrrpParams& p : params) {
        if (!vrids.insert(p.vrid).second) {
            throw std::invalid_argument("vrrp on " + socket_.interface() + ": vrid " +
                                        std::to_string(p.vrid) + " is used twice");
        }
        if (p.primary_ip.is_unspecified()) p.primary_ip = socket_.primary_ip();
        if (p.primary_ip != socket_.primary_ip()) {
            throw std::invalid_argument("vrrp " + p.name + ": primary address " +
                                        vrrp_address_string(p.primary_ip) +
                                        " is not the primary address of " + socket_.interface() +
                                        " (" + vrrp_address_string(socket_.primary_ip()) + ")");
        }
        slots_.push_back(std::make_unique<Slot>(io, std::move(p)));
    }
}

// Destroyed while running (dvsd leaving without stop()): still hand over
// with priority 0, but a callback that throws must not end the process.
VrrpService::~VrrpService() {
    try {
        stop();
    } catch (const std::exception& e) {
        spdlog::error("vrrp on {}: stopping: {}", socket_.interface(), e.what());
    }
}

void VrrpService::start() {
    if (running_) return;
    running_ = true;
    socket_.start([this](const VrrpReceived& rx) { on_packet(rx); });
    for (auto& slot : slots_) {
        const VrrpParams& p = slot->instance.params();
        spdlog::info("vrrp {}: vrid {} priority {} interval {} ms{} on {} from {}", p.name, p.vrid,
                     p.priority, p.advert_interval.count(), p.preempt ? "" : " nopreempt",
                     socket_.interface(), vrrp_address_string(p.primary_ip));
        apply(*slot, slot->instance.start(VrrpClock::now()));
    }
}

void VrrpService::stop() {
    if (!running_) return;
    running_ = false;
    for (auto& slot : slots_) {
        slot->timer.cancel();
        apply(*slot, slot->instance.shutdown(VrrpClock::now()));
    }
    socket_.close();
}

void VrrpService::on_packet(const VrrpReceived& rx) {
    if (rx.message.size() < 2) {
        ++too_short_;
        return;
    }
    const uint8_t vrid = rx.message[1];
    for (auto& slot : slots_) {
        if (slot->instance.params().vrid == vrid) {
            apply(*slot, slot->instance.on_packet(VrrpClock::now(), rx));
            return;
        }
    }
    ++other_vrid_;
}

void VrrpService::apply(Slot& slot, const VrrpActions& actions) {
    const std::string& name = slot.instance.params().name;
    if (actions.send_advert) send(slot, false);
    if (actions.send_advert_priority_zero) send(slot, true);
    if (!actions.notice.empty()) spdlog::info("vrrp {}: {}", name, actions.notice);
    if (const auto& t = actions.transition) {
        spdlog::info("vrrp {}: {} -> {} ({})", name, to_string(t->from), to_string(t->to),
                     t->reason);
        if (callbacks_.on_transition) callbacks_.on_transition(name, t->from, t->to, t->reason);
    }
    if (actions.send_garp && callbacks_.on_garp) callbacks_.on_garp(name);
    if (running_) arm(slot, actions.deadline);
}

void VrrpService::send(Slot& slot, bool priority_zero) {
    const std::vector<uint8_t> message = vrrp_encode(slot.instance.advert(priority_zero),
                                                     socket_.primary_ip(), vrrp_group(family()));
    if (socket_.send(message)) slot.instance.count_sent(priority_zero);
}

void VrrpService::arm(Slot& slot, const std::optional<VrrpTime>& deadline) {
    slot.timer.cancel();
    if (!deadline) return;
    slot.timer.expires_at(*deadline);
    slot.timer.async_wait([this, &slot](boost::system::error_code ec) {
        if (ec == boost::asio::error::operation_aborted || !running_) return;
        apply(slot, slot.instance.on_timer(VrrpClock::now()));
    });
}

std::vector<VrrpInstanceStatus> VrrpService::status() const {
    std::vector<VrrpInstanceStatus> out;
    for (const auto& slot : slots_) {
        const VrrpInstance& i = slot->instance;
        VrrpInstanceStatus s;
        s.name = i.params().name;
        s.vrid = i.params().vrid;
        s.state = i.state();
        s.priority = i.params().priority;
        s.advert_interval = duration_cast<milliseconds>(i.effective_advert_interval());
        s.master_ip = i.master_ip();
        if (const auto at = i.last_transition_at()) s.last_transition_unix_ms = unix_ms_of(*at);
        s.last_transition_reason = i.last_transition_reason();
        s.counters = i.counters();
        out.push_back(std::move(s));
    }
    return out;
}

VrrpServiceCounters VrrpService::counters() const {
    return {socket_.counters(), other_vrid_, too_short_};
}

}  // namespace dvs::control
