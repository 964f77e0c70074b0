#include "control/announce/announcer.hpp"

#include <spdlog/spdlog.h>

#include <arpa/inet.h>

#include <algorithm>

#include "common/text_codec.hpp"
#include "dataplane/snapshot.hpp"

namespace dvs::control {

namespace {

constexpr auto kPollInterval = std::chrono::seconds(2);
constexpr auto kPollDeadline = std::chrono::milliseconds(1000);

std::string vip_text(const IpAddress& vip) { return text::format_ip(vip); }

}  // namespace

std::vector<VipServing> vips_serving(const dataplane::Snapshot& snap) {
    std::vector<VipServing> out;
    for (const dataplane::Service& s : snap.services) {
        if (!s.present) continue;
        // An IPv6 service keeps its VIP in vip6 (vip is 0).
        const IpAddress vip =
            s.v6 ? IpAddress::v6(std::to_array(s.vip6.b)) : IpAddress::v4(ntohl(s.vip));
        auto it =
            std::find_if(out.begin(), out.end(), [&](const VipServing& v) { return v.vip == vip; });
        if (it == out.end()) it = out.insert(out.end(), VipServing{vip, 0, 0});
        ++it->services;
        const bool usable = std::any_of(s.pool.begin(), s.pool.end(), [&](uint32_t id) {
            return id < snap.real_servers.size() && snap.real_servers[id].present &&
                   snap.real_servers[id].weight > 0;
        });
        if (usable) ++it->usable_services;
    }
    return out;
}

Announcer::Announcer(boost::asio::io_context& io, const FleetConfig& fleet, std::string interface)
    : io_(io), fleet_(fleet), routes_(fleet.route_table, std::move(interface)), poll_timer_(io) {
    inputs_.drained = fleet.start_drained;
}

void Announcer::start() {
    spdlog::info("fleet: announcing VIPs in kernel table {} via {}{}", routes_.table(),
                 routes_.interface(), fleet_.start_drained ? " (starting drained)" : "");
    poll();
}

void Announcer::stop() {
    *alive_ = false;
    poll_timer_.cancel();
}

void Announcer::update(const dataplane::Snapshot& snap) {
    inputs_.vips = vips_serving(snap);
    apply();
}

void Announcer::set_ready() {
    inputs_.ready = true;
    apply();
}

void Announcer::set_drained(bool drained) {
    if (inputs_.drained == drained) return;
    inputs_.drained = drained;
    spdlog::info("fleet: {}", drained ? "drained by the operator: withdrawing every VIP"
                                      : "undrained: announcing VIPs that have a usable server");
    apply();
}

void Announcer::begin_stopping() {
    inputs_.stopping = true;
    apply();
}

void Announcer::apply() {
    std::vector<VipVerdict> next = decide_announcements(inputs_);
    auto was = [&](const IpAddress& vip) {
        for (const VipVerdict& v : verdicts_) {
            if (v.vip == vip) return v.announced;
        }
        return false;
    };
    // VIPs that left the configuration are withdrawn too.
    for (const VipVerdict& old : verdicts_) {
        const bool still = std::any_of(next.begin(), next.end(),
                                       [&](const VipVerdict& v) { return v.vip == old.vip; });
        if (!still && old.announced) {
            if (std::string e = routes_.set(old.vip, false); !e.empty()) {
                ++route_errors_;
                last_route_error_ = e;
                spdlog::error("fleet: withdrawing {}: {}", vip_text(old.vip), e);
            } else {
                spdlog::info("fleet: {} withdrawn (no longer configured)", vip_text(old.vip));
            }
        }
    }
    for (VipVerdict& v : next) {
        if (v.announced == was(v.vip)) continue;
        if (std::string e = routes_.set(v.vip, v.announced); !e.empty()) {
            ++route_errors_;
            last_route_error_ = e;
            spdlog::error("fleet: {} {}: {}", v.announced ? "announcing" : "withdrawing",
                          vip_text(v.vip), e);
            v.announced = was(v.vip);  // tried again at the next change
            continue;
        }
        spdlog::info("fleet: {} {} ({})", vip_text(v.vip), v.announced ? "announced" : "withdrawn",
                     to_string(v.reason));
    }
    verdicts_ = std::move(next);
}

void Announcer::poll() {
    if (fleet_.bird_socket.empty()) return;
    std::weak_ptr<bool> alive = alive_;
    BirdStatusQuery::start(io_, fleet_.bird_socket, kPollDeadline, [this, alive](BirdPoll p) {
        if (alive.expired() || !*alive.lock()) return;
        ++bird_polls_;
        if (!p.reachable) ++bird_poll_failures_;
        const bool changed = p.reachable != bird_.reachable || !bird_logged_;
        std::vector<std::string> transitions;
        for (const BirdProtocol& now : p.bgp) {
            auto before = std::find_if(bird_.bgp.begin(), bird_.bgp.end(),
                                       [&](const BirdProtocol& b) { return b.name == now.name; });
            const bool was_up = before != bird_.bgp.end() && before->state == "up";
            if ((now.state == "up") != was_up) {
                transitions.push_back(now.name + (now.state == "up" ? " up" : " down"));
            }
        }
        if (changed) {
            if (p.reachable) {
                spdlog::info("fleet: BIRD answers on {}", fleet_.bird_socket);
            } else {
                spdlog::warn(
                    "fleet: BIRD not reachable ({}); forwarding goes on, VIP routes "
                    "stay in the kernel table, asking again every {} s",
                    p.error, kPollInterval.count());
            }
            bird_logged_ = true;
        }
        for (const std::string& t : transitions) spdlog::info("fleet: BGP session {}", t);
        bird_ = std::move(p);
        poll_timer_.expires_after(kPollInterval);
        poll_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
            if (!ec && !alive.expired() && *alive.lock()) poll();
        });
    });
}

FleetStatus Announcer::status() const {
    FleetStatus s;
    s.enabled = true;
    s.ready = inputs_.ready;
    s.drained = inputs_.drained;
    s.stopping = inputs_.stopping;
    s.route_table = routes_.table();
    s.interface = routes_.interface();
    s.vips = verdicts_;
    s.bird_socket = fleet_.bird_socket;
    s.bird = bird_;
    s.bird_polls = bird_polls_;
    s.bird_poll_failures = bird_poll_failures_;
    s.route_errors = route_errors_;
    s.last_route_error = last_route_error_;
    return s;
}

}  // namespace dvs::control
