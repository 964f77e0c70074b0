#include "control/ha/vrrp_socket.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace dvs::control {

namespace {

namespace asio = boost::asio;
using RawProtocol = asio::generic::raw_protocol;

// Large enough for the largest advert (255 addresses) and any IP options.
constexpr size_t kReceiveBuffer = 2048;
constexpr std::chrono::milliseconds kReceiveRetry{100};

[[noreturn]] void fail(const std::string& interface, const std::string& what, int err) {
    throw std::runtime_error("vrrp on " + interface + ": " + what + ": " + std::strerror(err));
}

void set_option(int fd, int level, int name, const void* value, socklen_t len,
                const std::string& interface, const char* what) {
    if (setsockopt(fd, level, name, value, len) != 0) fail(interface, what, errno);
}

RawProtocol::endpoint group_endpoint() {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = vrrp_group_address();
    return {&sa, sizeof sa};
}

}  // namespace

uint32_t interface_primary_ipv4(const std::string& interface) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) fail(interface, "getifaddrs", errno);
    const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> guard(list, freeifaddrs);
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && interface == i->ifa_name) {
            return reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr;
        }
    }
    throw std::runtime_error("vrrp on " + interface +
                             ": the interface has no IPv4 address (VRRP needs one as its source)");
}

VrrpSocket::VrrpSocket(asio::io_context& io, std::string interface)
    : interface_(std::move(interface)), socket_(io), retry_timer_(io), buffer_(kReceiveBuffer) {
    ifindex_ = if_nametoindex(interface_.c_str());
    if (ifindex_ == 0) fail(interface_, "no such interface", errno);
    primary_ip_ = interface_primary_ipv4(interface_);

    boost::system::error_code ec;
    socket_.open(RawProtocol(AF_INET, kIpProtoVrrp), ec);
    if (ec) fail(interface_, "raw socket for protocol 112", ec.value());
    const int fd = socket_.native_handle();

    // Only this interface's adverts, whatever other interfaces carry.
    set_option(fd, SOL_SOCKET, SO_BINDTODEVICE, interface_.c_str(),
               static_cast<socklen_t>(interface_.size()), interface_, "SO_BINDTODEVICE");

    ip_mreqn membership{};
    membership.imr_multiaddr.s_addr = vrrp_group_address();
    membership.imr_ifindex = static_cast<int>(ifindex_);
    set_option(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &membership, sizeof membership, interface_,
               "IP_ADD_MEMBERSHIP 224.0.0.18");

    // The multicast interface, and the source address our checksums assume
    // (the kernel takes a multicast packet's source from here).
    ip_mreqn out_if{};
    out_if.imr_address.s_addr = primary_ip_;
    out_if.imr_ifindex = static_cast<int>(ifindex_);
    set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, &out_if, sizeof out_if, interface_,
               "IP_MULTICAST_IF");

    // Network control (DSCP CS6), as keepalived and routers send it, so a
    // congested link queues adverts ahead of data.
    const int tos = IPTOS_PREC_INTERNETCONTROL;
    set_option(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos, interface_, "IP_TOS");

    const int ttl = kVrrpTtl;
    set_option(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl, interface_, "IP_MULTICAST_TTL");
    const int loop = 0;
    set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop, interface_,
               "IP_MULTICAST_LOOP");
    // Groups other sockets joined are not ours to hear.
    const int all = 0;
    set_option(fd, IPPROTO_IP, IP_MULTICAST_ALL, &all, sizeof all, interface_, "IP_MULTICAST_ALL");

    socket_.non_blocking(true, ec);
    if (ec) fail(interface_, "non-blocking mode", ec.value());
}

void VrrpSocket::start(Handler on_packet) {
    on_packet_ = std::move(on_packet);
    receive();
}

void VrrpSocket::close() {
    retry_timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
}

bool VrrpSocket::send(std::span<const uint8_t> message) {
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(message.data(), message.size()), group_endpoint(), 0, ec);
    if (ec) {
        ++counters_.send_errors;
        // Once per outage, not once per advert interval.
        if (!send_failing_) spdlog::warn("vrrp on {}: send failed: {}", interface_, ec.message());
        send_failing_ = true;
        return false;
    }
    if (send_failing_) spdlog::info("vrrp on {}: sending again", interface_);
    send_failing_ = false;
    return true;
}

void VrrpSocket::receive() {
    socket_.async_receive(asio::buffer(buffer_), [this](boost::system::error_code ec, size_t n) {
        if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
        if (!ec) {
            if (receive_failing_) spdlog::info("vrrp on {}: receiving again", interface_);
            receive_failing_ = false;
            handle(n);
            receive();
            return;
        }
        // An error that repeats (the interface went away) must not spin:
        // log it once and try again a little later.
        ++counters_.receive_errors;
        if (!receive_failing_) {
            spdlog::warn("vrrp on {}: receive failed: {}", interface_, ec.message());
        }
        receive_failing_ = true;
        retry_timer_.expires_after(kReceiveRetry);
        retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
            if (wait_ec == asio::error::operation_aborted || !socket_.is_open()) return;
            receive();
        });
    });
}

// A raw IPv4 socket hands over the IP header with the payload.
void VrrpSocket::handle(size_t len) {
    ++counters_.received;
    if (len < sizeof(iphdr)) {
        ++counters_.bad_ip;
        return;
    }
    iphdr ip;
    std::memcpy(&ip, buffer_.data(), sizeof ip);
    const size_t ihl = size_t{ip.ihl} * 4;
    const size_t total = ntohs(ip.tot_len);
    if (ip.version != 4 || ip.protocol != kIpProtoVrrp || ihl < sizeof(iphdr) || total < ihl ||
        total > len) {
        ++counters_.bad_ip;
        return;
    }
    if (ip.daddr != vrrp_group_address()) {
        ++counters_.not_for_group;
        return;
    }
    if (ip.saddr == primary_ip_) {
        ++counters_.own;
        return;
    }
    VrrpReceived rx;
    rx.src = ip.saddr;
    rx.dst = ip.daddr;
    rx.ttl = ip.ttl;
    rx.message = std::span<const uint8_t>(buffer_.data() + ihl, total - ihl);
    on_packet_(rx);
}

}  // namespace dvs::control
