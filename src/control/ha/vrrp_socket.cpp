#include "control/ha/vrrp_socket.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
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

RawProtocol::endpoint group_endpoint(AddressFamily family, unsigned ifindex) {
    if (family == AddressFamily::kIpv6) {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        const IpAddress group = vrrp_group(AddressFamily::kIpv6);
        std::memcpy(&sa.sin6_addr, group.bytes.data(), 16);
        sa.sin6_scope_id = ifindex;
        return {&sa, sizeof sa};
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = vrrp_group_address();
    return {&sa, sizeof sa};
}

bool is_link_local(const IpAddress& a) {
    return a.is_v6() && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
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

IpAddress interface_link_local_ipv6(const std::string& interface) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) fail(interface, "getifaddrs", errno);
    const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> guard(list, freeifaddrs);
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 || interface != i->ifa_name) {
            continue;
        }
        IpAddress a;
        a.family = AddressFamily::kIpv6;
        std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr,
                    16);
        if (is_link_local(a)) return a;
    }
    throw std::runtime_error("vrrp on " + interface +
                             ": the interface has no IPv6 link-local address (VRRP for IPv6 "
                             "sends from it, RFC 5798 5.1.2.1; is IPv6 enabled there?)");
}

VrrpSocket::VrrpSocket(asio::io_context& io, std::string interface, AddressFamily family)
    : interface_(std::move(interface)), socket_(io), retry_timer_(io), buffer_(kReceiveBuffer) {
    ifindex_ = if_nametoindex(interface_.c_str());
    if (ifindex_ == 0) fail(interface_, "no such interface", errno);
    if (family == AddressFamily::kIpv6) {
        open_v6();
    } else {
        open_v4();
    }
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    if (ec) fail(interface_, "non-blocking mode", ec.value());
}

void VrrpSocket::open_v4() {
    const uint32_t primary = interface_primary_ipv4(interface_);
    primary_ip_ = ipv4_from_network(primary);

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
    out_if.imr_address.s_addr = primary;
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
}

void VrrpSocket::open_v6() {
    primary_ip_ = interface_link_local_ipv6(interface_);

    boost::system::error_code ec;
    socket_.open(RawProtocol(AF_INET6, kIpProtoVrrp), ec);
    if (ec) fail(interface_, "raw IPv6 socket for next header 112", ec.value());
    const int fd = socket_.native_handle();

    set_option(fd, SOL_SOCKET, SO_BINDTODEVICE, interface_.c_str(),
               static_cast<socklen_t>(interface_.size()), interface_, "SO_BINDTODEVICE");
    // Bound to the link-local address: the source of every advert, which
    // the checksum's pseudo-header names.
    sockaddr_in6 local{};
    local.sin6_family = AF_INET6;
    std::memcpy(&local.sin6_addr, primary_ip_.bytes.data(), 16);
    local.sin6_scope_id = ifindex_;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
        fail(interface_, "bind to " + vrrp_address_string(primary_ip_), errno);
    }

    ipv6_mreq membership{};
    const IpAddress group = vrrp_group(AddressFamily::kIpv6);
    std::memcpy(&membership.ipv6mr_multiaddr, group.bytes.data(), 16);
    membership.ipv6mr_interface = ifindex_;
    set_option(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &membership, sizeof membership, interface_,
               "IPV6_JOIN_GROUP ff02::12");
    const int ifindex = static_cast<int>(ifindex_);
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex, interface_,
               "IPV6_MULTICAST_IF");
    // Network control, as for IPv4 (traffic class CS6).
    const int tclass = IPTOS_PREC_INTERNETCONTROL;
    set_option(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass, interface_, "IPV6_TCLASS");
    const int hops = kVrrpTtl;
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops, interface_,
               "IPV6_MULTICAST_HOPS");
    const int loop = 0;
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop, interface_,
               "IPV6_MULTICAST_LOOP");
    const int all = 0;
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &all, sizeof all, interface_,
               "IPV6_MULTICAST_ALL");
    // A raw IPv6 socket hands over the payload only: the hop limit and the
    // destination come as ancillary data.
    const int on = 1;
    set_option(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on, interface_,
               "IPV6_RECVHOPLIMIT");
    set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on, interface_, "IPV6_RECVPKTINFO");
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
    socket_.send_to(asio::buffer(message.data(), message.size()),
                    group_endpoint(family(), ifindex_), 0, ec);
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
    if (family() == AddressFamily::kIpv6) {
        socket_.async_wait(RawProtocol::socket::wait_read, [this](boost::system::error_code ec) {
            if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
            read_v6();
            receive();
        });
        return;
    }
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
    if (ipv4_from_network(ip.saddr) == primary_ip_) {
        ++counters_.own;
        return;
    }
    VrrpReceived rx;
    rx.src = ipv4_from_network(ip.saddr);
    rx.dst = ipv4_from_network(ip.daddr);
    rx.ttl = ip.ttl;
    rx.message = std::span<const uint8_t>(buffer_.data() + ihl, total - ihl);
    on_packet_(rx);
}

// Everything queued, with recvmsg (the hop limit and destination are
// ancillary data); a failing read is counted and logged once per outage.
void VrrpSocket::read_v6() {
    while (socket_.is_open()) {
        const int fd = socket_.native_handle();
        sockaddr_in6 from{};
        iovec iov{buffer_.data(), buffer_.size()};
        alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in6_pktinfo))];
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            ++counters_.receive_errors;
            if (!receive_failing_) {
                spdlog::warn("vrrp on {}: receive failed: {}", interface_, std::strerror(errno));
            }
            receive_failing_ = true;
            return;
        }
        receive_failing_ = false;
        ++counters_.received;
        VrrpReceived rx;
        rx.src.family = AddressFamily::kIpv6;
        std::memcpy(rx.src.bytes.data(), &from.sin6_addr, 16);
        bool have_hops = false, have_dst = false;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != IPPROTO_IPV6) continue;
            if (c->cmsg_type == IPV6_HOPLIMIT) {
                int hops;
                std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
                rx.ttl = static_cast<uint8_t>(hops);
                have_hops = true;
            } else if (c->cmsg_type == IPV6_PKTINFO) {
                in6_pktinfo info;
                std::memcpy(&info, CMSG_DATA(c), sizeof info);
                rx.dst.family = AddressFamily::kIpv6;
                std::memcpy(rx.dst.bytes.data(), &info.ipi6_addr, 16);
                have_dst = true;
            }
        }
        if (!have_hops || !have_dst || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            ++counters_.bad_ip;
            continue;
        }
        if (rx.dst != vrrp_group(AddressFamily::kIpv6)) {
            ++counters_.not_for_group;
            continue;
        }
        if (rx.src == primary_ip_) {
            ++counters_.own;
            continue;
        }
        if (!is_link_local(rx.src)) {
            ++counters_.not_link_local;
            continue;
        }
        rx.message = std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(n));
        on_packet_(rx);
    }
}

}  // namespace dvs::control
