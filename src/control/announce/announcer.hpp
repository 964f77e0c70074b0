#pragma once
// The fleet's announcement on the control thread (README "Scale-out"):
// after every publish it recomputes which VIPs to announce
// (announce_decision.hpp) from the Snapshot, the drain flag and the
// shutdown state, and writes the difference to the kernel table BIRD
// learns (vip_routes.hpp). It polls BIRD's control socket every two seconds
// for the BGP sessions' state (bird_status.hpp), logs transitions once and
// counts failed polls. Control thread only; the workers never see it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "control/announce/announce_decision.hpp"
#include "control/announce/bird_status.hpp"
#include "control/announce/vip_routes.hpp"
#include "control/config/config.hpp"

namespace dvs::dataplane {
struct Snapshot;
}

namespace dvs::control {

struct FleetStatus {
    bool enabled = false;
    bool ready = false;
    bool drained = false;
    bool stopping = false;
    uint32_t route_table = 0;
    std::string interface;
    std::vector<VipVerdict> vips;
    std::string bird_socket;
    BirdPoll bird;            // the last poll
    uint64_t bird_polls = 0;  // since start
    uint64_t bird_poll_failures = 0;
    uint64_t route_errors = 0;  // kernel table writes that failed (logged)
    std::string last_route_error;
};

// The VIPs of a Snapshot and whether each has a usable server.
std::vector<VipServing> vips_serving(const dataplane::Snapshot& snap);

class Announcer {
public:
    Announcer(boost::asio::io_context& io, const FleetConfig& fleet, std::string interface);
    void start();  // the BIRD poll
    void stop();

    void update(const dataplane::Snapshot& snap);  // after each publish
    void set_ready();
    void set_drained(bool drained);
    void begin_stopping();  // SIGTERM: withdraw everything now

    FleetStatus status() const;

private:
    void apply();
    void poll();

    boost::asio::io_context& io_;
    FleetConfig fleet_;
    VipRoutes routes_;
    boost::asio::steady_timer poll_timer_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    AnnounceInputs inputs_;
    std::vector<VipVerdict> verdicts_;  // as written to the kernel
    BirdPoll bird_;
    bool bird_logged_ = false;  // the current reachability was logged
    uint64_t bird_polls_ = 0, bird_poll_failures_ = 0, route_errors_ = 0;
    std::string last_route_error_;
};

}  // namespace dvs::control
