// systemd notifications (control/service_notify): the datagrams, and that
// they reach a NOTIFY_SOCKET listener the way systemd would read them,
// including an abstract socket name ('@'). Without NOTIFY_SOCKET nothing
// is sent.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <string>

#include "control/service_notify.hpp"

using namespace dvs::control;

TEST_CASE("notification datagrams say what systemd expects", "[systemd]") {
    CHECK(service_notify::ready_message("forwarding: 1 workers") ==
          "READY=1\nSTATUS=forwarding: 1 workers");
    CHECK(service_notify::reloading_message("reloading /etc/dvs/dvs.yaml", 1234567) ==
          "RELOADING=1\nMONOTONIC_USEC=1234567\nSTATUS=reloading /etc/dvs/dvs.yaml");
    CHECK(service_notify::stopping_message("bye") == "STOPPING=1\nSTATUS=bye");
    // A status is one line: a newline would start another assignment.
    CHECK(service_notify::status_message("bad\nREADY=1\r") == "STATUS=bad READY=1 ");
}

namespace {

// A datagram socket bound to an abstract name, as NOTIFY_SOCKET names it.
struct Listener {
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    std::string name = "@dvs-unit-notify-" + std::to_string(getpid());

    Listener() {
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path + 1, name.data() + 1, name.size() - 1);
        const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0);
        timeval tv{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~Listener() { close(fd); }
    std::string receive() const {
        char buf[512];
        const ssize_t n = recv(fd, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    }
};

}  // namespace

TEST_CASE("notifications reach NOTIFY_SOCKET, abstract names included", "[systemd]") {
    Listener l;
    REQUIRE(setenv("NOTIFY_SOCKET", l.name.c_str(), 1) == 0);
    CHECK(service_notify::ready("up"));
    CHECK(l.receive() == "READY=1\nSTATUS=up");
    CHECK(service_notify::reloading("again"));
    const std::string reloading = l.receive();
    CHECK(reloading.rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0);
    CHECK(reloading.find("\nSTATUS=again") != std::string::npos);
    CHECK(service_notify::stopping("bye"));
    CHECK(l.receive() == "STOPPING=1\nSTATUS=bye");
    // Not under systemd: nothing to do, and no error either.
    unsetenv("NOTIFY_SOCKET");
    CHECK_FALSE(service_notify::ready("up"));
}
