#include "control/announce/vip_routes.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dvs::control {

namespace {

void add_attr(nlmsghdr* h, size_t cap, uint16_t type, const void* data, size_t len) {
    const size_t at = NLMSG_ALIGN(h->nlmsg_len);
    const size_t rta_len = RTA_LENGTH(len);
    if (at + RTA_ALIGN(rta_len) > cap) return;  // sized for our three attributes
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(h) + at);
    rta->rta_type = type;
    rta->rta_len = static_cast<uint16_t>(rta_len);
    std::memcpy(RTA_DATA(rta), data, len);
    h->nlmsg_len = static_cast<uint32_t>(at + RTA_ALIGN(rta_len));
}

}  // namespace

VipRoutes::VipRoutes(uint32_t table, std::string interface)
    : table_(table), interface_(std::move(interface)) {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd_ >= 0) {
        // The kernel answers at once; a bound keeps a surprise from stalling
        // the control thread.
        timeval tv{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
}

VipRoutes::~VipRoutes() {
    if (fd_ >= 0) ::close(fd_);
}

std::string VipRoutes::set(const IpAddress& vip, bool present) {
    if (fd_ < 0) return std::string("netlink socket: ") + std::strerror(errno);
    const int ifindex = static_cast<int>(::if_nametoindex(interface_.c_str()));
    if (ifindex == 0) {
        if (!present) return "";  // the interface and its routes are gone
        return "interface " + interface_ + ": " + std::strerror(errno);
    }
    return present ? request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, vip, ifindex)
                   : request(RTM_DELROUTE, 0, vip, ifindex);
}

std::string VipRoutes::request(uint16_t type, uint16_t flags, const IpAddress& vip, int ifindex) {
    alignas(nlmsghdr) char buf[256] = {};
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    h->nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
    h->nlmsg_type = type;
    h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    h->nlmsg_seq = ++seq_;
    auto* rt = static_cast<rtmsg*>(NLMSG_DATA(h));
    rt->rtm_family = vip.is_v6() ? AF_INET6 : AF_INET;
    rt->rtm_dst_len = static_cast<uint8_t>(vip.bits());
    rt->rtm_table = table_ < 256 ? static_cast<uint8_t>(table_) : uint8_t{RT_TABLE_UNSPEC};
    rt->rtm_protocol = kRouteProtocol;
    // IPv6 routes have no scope of their own (the kernel wants universe).
    rt->rtm_scope = vip.is_v6() ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rt->rtm_type = RTN_UNICAST;
    add_attr(h, sizeof buf, RTA_DST, vip.bytes.data(), vip.bits() / 8);  // network order
    add_attr(h, sizeof buf, RTA_OIF, &ifindex, sizeof ifindex);
    add_attr(h, sizeof buf, RTA_TABLE, &table_, sizeof table_);

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd_, buf, h->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) <
        0) {
        return std::string("netlink send: ") + std::strerror(errno);
    }
    // The acknowledgement: an NLMSG_ERROR with error 0, or the failure.
    for (;;) {
        alignas(nlmsghdr) char reply[1024];
        const ssize_t n = ::recv(fd_, reply, sizeof reply, 0);
        if (n < 0) return std::string("netlink receive: ") + std::strerror(errno);
        int len = static_cast<int>(n);
        for (auto* r = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(r, len);
             r = NLMSG_NEXT(r, len)) {
            if (r->nlmsg_seq != seq_ || r->nlmsg_type != NLMSG_ERROR) continue;
            const int err = -static_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
            if (err == 0 || (type == RTM_DELROUTE && err == ESRCH)) return "";
            return std::string(type == RTM_NEWROUTE ? "add" : "delete") +
                   " route: " + std::strerror(err);
        }
    }
}

}  // namespace dvs::control
