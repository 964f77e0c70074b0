#pragma once
// The kernel side of VRRP on one interface for one address family:
//  - IPv4: a raw socket for protocol 112, joined to 224.0.0.18, sending
//    with TTL 255 from the interface's primary address;
//  - IPv6: a raw IPv6 socket for next header 112, joined to ff02::12,
//    sending with hop limit 255 from the interface's link-local address
//    (RFC 5798 5.1.2), the checksum computed here (not by the kernel's
//    IPV6_CHECKSUM) so a bad one is counted like IPv4's;
// bound to the interface and never hearing itself.
//
// The VRRP interface is a kernel interface (a management NIC, or dvsd's
// exception-path tap): adverts are control traffic, and the kernel already
// does IP, multicast membership and ARP/ND for it.
//
// Receive checks the IP header only (protocol 112, sent to the group, not
// from us, complete; IPv6: from a link-local address); the TTL or hop limit
// is passed on so that the instance counts a wrong one against its VRID.
// Errors at set-up throw std::runtime_error naming the interface. Control
// thread only.

#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/net_types.hpp"
#include "control/ha/ha_status.hpp"
#include "control/ha/vrrp_instance.hpp"

namespace dvs::control {

// The first IPv4 address of `interface` in network byte order (the kernel
// lists the primary first); throws when the interface has none.
uint32_t interface_primary_ipv4(const std::string& interface);
// The interface's IPv6 link-local address (fe80::/10); throws when it has
// none (IPv6 disabled there, or the address still tentative).
IpAddress interface_link_local_ipv6(const std::string& interface);

class VrrpSocket {
public:
    using Handler = std::function<void(const VrrpReceived&)>;

    // Opens and configures the socket; throws std::runtime_error.
    VrrpSocket(boost::asio::io_context& io, std::string interface,
               AddressFamily family = AddressFamily::kIpv4);
    VrrpSocket(const VrrpSocket&) = delete;
    VrrpSocket& operator=(const VrrpSocket&) = delete;

    // Reads packets until close(); `on_packet` sees each accepted one (its
    // message span is valid during the call only).
    void start(Handler on_packet);
    // Sends one VRRP message to the group at once (the socket does not
    // block: a full send buffer is an error, counted). False on error.
    bool send(std::span<const uint8_t> message);
    void close();

    const std::string& interface() const { return interface_; }
    AddressFamily family() const { return primary_ip_.family; }
    // Our source address: IPv4 primary or IPv6 link-local.
    const IpAddress& primary_ip() const { return primary_ip_; }
    const VrrpSocketCounters& counters() const { return counters_; }

private:
    void open_v4();
    void open_v6();
    void receive();
    void handle(size_t len);
    void read_v6();

    std::string interface_;
    unsigned ifindex_ = 0;
    IpAddress primary_ip_;
    boost::asio::generic::raw_protocol::socket socket_;
    boost::asio::steady_timer retry_timer_;  // after a receive error
    std::vector<uint8_t> buffer_;
    Handler on_packet_;
    bool send_failing_ = false;
    bool receive_failing_ = false;
    VrrpSocketCounters counters_;
};

}  // namespace dvs::control
