#pragma once
// Runs the VRRP instances of one interface and one address family (an IPv4
// and an IPv6 virtual router are separate, RFC 5798 5.1, and may share a
// VRID): one VrrpSocket, one steady_timer
// per instance, everything on the caller's io_context (no threads). It
// carries out what each VrrpInstance asks for (send adverts, report
// transitions, ask for gratuitous ARPs) and logs every transition.
//
// The service does not own the virtual addresses: on_transition tells the
// owner (dvsd: the dataplane snapshot) to serve or stop serving them, and
// on_garp asks it to announce them, from its own MAC (no virtual MAC).
//
// Control thread only; callbacks run on the io_context.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/ha/ha_status.hpp"
#include "control/ha/vrrp_instance.hpp"
#include "control/ha/vrrp_socket.hpp"

namespace dvs::control {

struct VrrpCallbacks {
    std::function<void(const std::string& instance, VrrpState from, VrrpState to,
                       const std::string& reason)>
        on_transition;
    // Send gratuitous ARPs for that instance's addresses now.
    std::function<void(const std::string& instance)> on_garp;
};

class VrrpService {
public:
    // Opens the socket (throws std::runtime_error naming the interface) and
    // builds the instances (std::invalid_argument for bad parameters or a
    // VRID used twice). An unspecified primary_ip means the interface's
    // primary IPv4 address (IPv6: its link-local address); any other must
    // be that address, since it is our source.
    VrrpService(boost::asio::io_context& io, std::string interface, AddressFamily family,
                std::vector<VrrpParams> params, VrrpCallbacks callbacks);
    ~VrrpService();
    VrrpService(const VrrpService&) = delete;
    VrrpService& operator=(const VrrpService&) = delete;

    // Every instance leaves Initialize (priority 255: Master at once).
    void start();
    // Masters send their priority-0 advert before this returns, so a backup
    // takes over after its Skew_Time; then the socket closes. Idempotent
    // and final: to run again (e.g. after a reload that changed the VRRP
    // settings), build a new service.
    void stop();

    std::vector<VrrpInstanceStatus> status() const;
    VrrpServiceCounters counters() const;
    const std::string& interface() const { return socket_.interface(); }
    const IpAddress& primary_ip() const { return socket_.primary_ip(); }
    AddressFamily family() const { return socket_.family(); }

private:
    struct Slot {
        Slot(boost::asio::io_context& io, VrrpParams p) : instance(std::move(p)), timer(io) {}
        VrrpInstance instance;
        boost::asio::steady_timer timer;
    };

    void on_packet(const VrrpReceived& rx);
    void apply(Slot& slot, const VrrpActions& actions);
    void send(Slot& slot, bool priority_zero);
    void arm(Slot& slot, const std::optional<VrrpTime>& deadline);

    VrrpSocket socket_;
    VrrpCallbacks callbacks_;
    std::vector<std::unique_ptr<Slot>> slots_;
    uint64_t other_vrid_ = 0;
    uint64_t too_short_ = 0;
    bool running_ = false;
};

}  // namespace dvs::control
