#pragma once
// What the box's BIRD says about its BGP sessions: `show protocols` over
// BIRD's control socket, asked from the control thread with a deadline so
// a BIRD that is gone, stuck or flapping costs one failed poll and never
// blocks anything (workers never see it at all). Announcing does not depend
// on it (vip_routes.hpp): this is for `dvsadm fleet` and the logs.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dvs::control {

struct BirdProtocol {
    std::string name;
    std::string state;  // BIRD's: "up", "start", "down", ...
    std::string info;   // the rest of the row: since, and e.g. "Established"
    bool operator==(const BirdProtocol&) const = default;
};

struct BirdPoll {
    bool reachable = false;
    std::string error;              // why not, when not reachable
    std::vector<BirdProtocol> bgp;  // BGP protocols only
};

// Parses BIRD's reply to `show protocols` (the CLI's numbered lines, the
// greeting included). Pure, for tests.
std::vector<BirdProtocol> parse_bird_protocols(const std::string& reply);

// One query at a time; `done` runs on the io_context's thread.
class BirdStatusQuery : public std::enable_shared_from_this<BirdStatusQuery> {
public:
    using Done = std::function<void(BirdPoll)>;
    static void start(boost::asio::io_context& io, const std::string& socket_path,
                      std::chrono::milliseconds deadline, Done done);

private:
    BirdStatusQuery(boost::asio::io_context& io, Done done);
    void run(const std::string& socket_path, std::chrono::milliseconds deadline);
    void read_more();
    void finish(BirdPoll p);

    boost::asio::local::stream_protocol::socket socket_;
    boost::asio::steady_timer timer_;
    std::array<char, 4096> chunk_{};
    std::string buffer_;
    Done done_;
    bool finished_ = false;
};

}  // namespace dvs::control
