#pragma once
// The kernel side of VRRP on one interface: a raw IPv4 socket for protocol
// 112, bound to the interface, joined to 224.0.0.18 there, sending with TTL
// 255 from the interface's primary address and never hearing itself.
//
// The VRRP interface is a kernel interface (a management NIC, or dvsd's
// exception-path tap): adverts are control traffic, and the kernel already
// does IP, multicast membership and ARP for it.
//
// Receive checks the IP header only (IPv4, protocol 112, sent to 224.0.0.18,
// not from us, complete); the TTL is passed on so that the instance counts a
// wrong one against its VRID. Errors at set-up throw std::runtime_error
// naming the interface. Control thread only.

#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "control/ha/ha_status.hpp"
#include "control/ha/vrrp_instance.hpp"

namespace dvs::control {

// The first IPv4 address of `interface` in network byte order (the kernel
// lists the primary first); throws when the interface has none.
uint32_t interface_primary_ipv4(const std::string& interface);

class VrrpSocket {
public:
    using Handler = std::function<void(const VrrpReceived&)>;

    // Opens and configures the socket; throws std::runtime_error.
    VrrpSocket(boost::asio::io_context& io, std::string interface);
    VrrpSocket(const VrrpSocket&) = delete;
    VrrpSocket& operator=(const VrrpSocket&) = delete;

    // Reads packets until close(); `on_packet` sees each accepted one (its
    // message span is valid during the call only).
    void start(Handler on_packet);
    // Sends one VRRP message to 224.0.0.18 at once (the socket does not
    // block: a full send buffer is an error, counted). False on error.
    bool send(std::span<const uint8_t> message);
    void close();

    const std::string& interface() const { return interface_; }
    uint32_t primary_ip() const { return primary_ip_; }
    const VrrpSocketCounters& counters() const { return counters_; }

private:
    void receive();
    void handle(size_t len);

    std::string interface_;
    unsigned ifindex_ = 0;
    uint32_t primary_ip_ = 0;
    boost::asio::generic::raw_protocol::socket socket_;
    boost::asio::steady_timer retry_timer_;  // after a receive error
    std::vector<uint8_t> buffer_;
    Handler on_packet_;
    bool send_failing_ = false;
    bool receive_failing_ = false;
    VrrpSocketCounters counters_;
};

}  // namespace dvs::control
