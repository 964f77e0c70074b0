// The management socket server, in-process: a real Unix socket under a temp
// directory, a fake handler, and clients that misbehave on purpose.

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "test_mgmt_support.hpp"

using namespace dvs;
using namespace dvs::test;
using mgmt::error_response;
using mgmt::kMaxRequestBytes;

namespace {

mode_t file_mode(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// Runs `request` from a forked child with the given credentials and returns
// what the child read back (or "SETUID FAILED"). The child only makes system
// calls: the parent has threads.
std::string call_as(const std::string& path, uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
                    const std::string& request) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(pipe_fds[0]);
        const int out = pipe_fds[1];
        if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(gid) != 0 ||
            ::setuid(uid) != 0) {
            static const char kFailed[] = "SETUID FAILED";
            (void)!::write(out, kFailed, sizeof kFailed - 1);
            ::_exit(1);
        }
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            static const char kNoConnect[] = "CONNECT FAILED";
            (void)!::write(out, kNoConnect, sizeof kNoConnect - 1);
            ::_exit(1);
        }
        // A refused peer may be cut off before it gets to write: no SIGPIPE.
        (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
            (void)!::write(out, buffer, static_cast<std::size_t>(n));
            if (std::memchr(buffer, '\n', static_cast<std::size_t>(n)) != nullptr) break;
        }
        ::_exit(0);
    }
    REQUIRE(pid > 0);
    ::close(pipe_fds[1]);
    std::string answer;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) {
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return answer;
}

}  // namespace

TEST_CASE("requests are answered in order, one connection many requests", "[mgmt]") {
    TempDir dir;
    const std::string path = dir.path + "/dvs.sock";
    FakeDaemon daemon;
    ServerThread server(path, daemon.handler());

    RawClient client(path);
    CHECK(client.call(R"({"v":1,"op":"reload"})") ==
          json::parse(R"({"v":1,"ok":true,"message":"reloaded: 5 services"})"));
    CHECK(client.call(R"({"v":1,"op":"status"})") == daemon.status);

    // Pipelined: three requests in one write, three answers in order.
    REQUIRE(
        client.send("{\"v\":1,\"op\":\"clear\"}\n{\"v\":1,\"op\":\"save_yaml\"}\r\n"
                    "{\"v\":1,\"op\":\"zero\"}\n"));
    CHECK(json::parse(*client.read_line()) == json::parse(R"({"v":1,"ok":true})"));
    CHECK(json::parse(*client.read_line())["yaml"] == "services: []");
    CHECK(json::parse(*client.read_line()) == json::parse(R"({"v":1,"ok":true})"));

    // A blank line is not a request.
    CHECK(client.call("\n"
                      R"({"v":1,"op":"clear"})")["ok"] == true);
    CHECK(daemon.received().size() == 6);

    // Two clients at once.
    RawClient other(path);
    CHECK(other.call(R"({"v":1,"op":"list"})") == daemon.list);
    CHECK(client.call(R"({"v":1,"op":"clear"})")["ok"] == true);
}

TEST_CASE("garbage is answered with an error and the connection stays usable", "[mgmt]") {
    TempDir dir;
    const std::string path = dir.path + "/dvs.sock";
    FakeDaemon daemon;
    ServerThread server(path, daemon.handler());
    RawClient client(path);

    const json garbage = client.call("this is not json");
    CHECK(garbage["v"] == 1);
    CHECK(garbage["ok"] == false);
    CHECK_THAT(garbage["error"].get<std::string>(), Catch::StartsWith("malformed request: "));

    CHECK(client.call(std::string("\x00\x01\xff\xfe", 4))["ok"] == false);
    CHECK(client.call(R"({"v":1,"op":"explode"})")["error"].get<std::string>().rfind(
              "unknown op \"explode\" (known: status,", 0) == 0);
    CHECK(client.call(R"({"v":1,"op":"add_service","service":{"vip":"x"}})") ==
          error_response("field 'service.vip' must be an IPv4 or IPv6 address like \"192.0.2.10\" "
                         "or \"2001:db8::10\", got "
                         "\"x\""));
    CHECK(client.call(R"({"v":9,"op":"status"})") ==
          error_response("unsupported protocol version 9 (dvsd speaks version 1)"));
    CHECK(daemon.received().empty());

    // A refusal and an exception from the handler are answers too.
    CHECK(
        client.call(
            R"({"v":1,"op":"del_service","service":{"vip":"192.0.2.10","port":81,"protocol":"tcp"}})") ==
        error_response("no such service: tcp 192.0.2.10:81"));
    CHECK(
        client.call(
            R"({"v":1,"op":"add_server","service":{"vip":"192.0.2.10","port":80,"protocol":"tcp"},"server":{"address":"10.0.0.1","port":80,"weight":13}})") ==
        error_response("weight 13 is unlucky"));

    // Still the same connection, still answering.
    CHECK(client.call(R"({"v":1,"op":"status"})") == daemon.status);
}

TEST_CASE("a request line over 64 KiB is refused and the connection closed", "[mgmt]") {
    TempDir dir;
    const std::string path = dir.path + "/dvs.sock";
    FakeDaemon daemon;
    ServerThread server(path, daemon.handler());

    // Exactly at the limit (newline included): accepted.
    const std::string request = R"({"v":1,"op":"clear"})";
    {
        RawClient client(path);
        const std::string padded =
            request + std::string(kMaxRequestBytes - request.size() - 1, ' ');
        CHECK(client.call(padded)["ok"] == true);
    }
    // One byte more: refused, then closed.
    {
        RawClient client(path);
        const std::string padded = request + std::string(kMaxRequestBytes - request.size(), ' ');
        client.send(padded + "\n");
        const auto answer = client.read_line();
        REQUIRE(answer);
        CHECK(json::parse(*answer) ==
              error_response("request line longer than 65536 bytes; closing the connection"));
        CHECK_FALSE(client.read_line());
    }
    // A client that never sends a newline is cut off at the limit.
    {
        RawClient client(path);
        client.send(std::string(3 * kMaxRequestBytes, 'x'));
        const auto answer = client.read_line();
        REQUIRE(answer);
        CHECK(json::parse(*answer)["ok"] == false);
        CHECK_FALSE(client.read_line());
    }
    // The server itself carries on.
    RawClient client(path);
    CHECK(client.call(request)["ok"] == true);
    CHECK(daemon.received().size() == 2);
}

TEST_CASE("idle and half-sent sessions are closed after the idle timeout", "[mgmt]") {
    TempDir dir;
    FakeDaemon daemon;
    control::MgmtServerOptions options{dir.path + "/dvs.sock", std::nullopt};
    options.idle_timeout = std::chrono::milliseconds(200);
    ServerThread server(options, daemon.handler());
    RawClient idle(options.socket_path);
    RawClient half(options.socket_path);
    half.send(R"({"v":1,"op":"sta)");
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(idle.read_line());  // EOF, not the 5 s poll limit
    CHECK_FALSE(half.read_line());
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
    // A client that keeps talking is not cut off between requests.
    RawClient busy(options.socket_path);
    for (int i = 0; i < 3; ++i) {
        CHECK(busy.call(R"({"v":1,"op":"clear"})")["ok"] == true);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

TEST_CASE("beyond max_sessions the oldest idle session makes room", "[mgmt]") {
    TempDir dir;
    FakeDaemon daemon;
    control::MgmtServerOptions options{dir.path + "/dvs.sock", std::nullopt};
    options.max_sessions = 3;
    ServerThread server(options, daemon.handler());
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawClient>(options.socket_path));
    // Each held session is accepted before the next connects.
    for (auto& c : held) CHECK(c->call(R"({"v":1,"op":"clear"})")["ok"] == true);
    RawClient newest(options.socket_path);
    CHECK(newest.call(R"({"v":1,"op":"clear"})")["ok"] == true);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(held[0]->read_line());  // the oldest was closed for it: EOF at once,
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));  // not silence
    CHECK(held[1]->call(R"({"v":1,"op":"clear"})")["ok"] == true);
}

TEST_CASE("the socket file: directory, mode, stale files, removal on stop", "[mgmt]") {
    TempDir dir;
    const std::string parent = dir.path + "/run/dvs";
    const std::string path = parent + "/dvs.sock";
    FakeDaemon daemon;
    {
        ServerThread server(path, daemon.handler());
        CHECK((file_mode(parent) & 07777) == 0755);
        CHECK((file_mode(dir.path + "/run") & 07777) == 0755);
        CHECK(S_ISSOCK(file_mode(path)));
        CHECK((file_mode(path) & 07777) == 0600);

        // A second server on a live socket refuses to steal it.
        boost::asio::io_context io;
        CHECK_THROWS_WITH(
            control::MgmtServer(io, control::MgmtServerOptions{path, std::nullopt},
                                daemon.handler()),
            "management socket " + path + ": another process (a running dvsd?) is listening on it");
        CHECK(RawClient(path).call(R"({"v":1,"op":"clear"})")["ok"] == true);

        server.stop();
        CHECK_FALSE(exists(path));
    }

    SECTION("a stale socket left by a dead daemon is replaced") {
        {
            // Bind without listening: what a crashed dvsd leaves behind.
            const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
            REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
            ::close(fd);
        }
        REQUIRE(exists(path));
        ServerThread server(path, daemon.handler());
        CHECK(RawClient(path).call(R"({"v":1,"op":"clear"})")["ok"] == true);
    }

    SECTION("a file that is not a socket is left alone") {
        { std::ofstream(path) << "precious"; }
        boost::asio::io_context io;
        CHECK_THROWS_WITH(
            control::MgmtServer(io, control::MgmtServerOptions{path, std::nullopt},
                                daemon.handler()),
            "management socket " + path + ": exists and is not a socket; not removing it");
        CHECK(read_file(path) == "precious");
    }

    SECTION("a path too long for sockaddr_un") {
        boost::asio::io_context io;
        const std::string long_path = dir.path + "/" + std::string(120, 'x');
        CHECK_THROWS_WITH(
            control::MgmtServer(io, control::MgmtServerOptions{long_path, std::nullopt},
                                daemon.handler()),
            "management socket " + long_path + ": path is longer than 107 bytes");
    }
}

TEST_CASE("stopping closes open connections and a replaced file is not removed", "[mgmt]") {
    TempDir dir;
    const std::string path = dir.path + "/dvs.sock";
    FakeDaemon daemon;
    ServerThread server(path, daemon.handler());
    RawClient client(path);
    CHECK(client.call(R"({"v":1,"op":"clear"})")["ok"] == true);

    // Someone replaced the file (a newer dvsd): stop() must not delete it.
    REQUIRE(::unlink(path.c_str()) == 0);
    { std::ofstream(path) << "not ours"; }
    server.stop();
    CHECK(read_file(path) == "not ours");
    CHECK_FALSE(client.read_line());  // the open connection was closed
}

TEST_CASE("peer credentials: root, the group, and nobody else", "[mgmt]") {
    if (::getuid() != 0) {
        WARN("not root: the credential checks need setuid in a child; skipped");
        return;
    }
    constexpr gid_t kGroup = 4242;  // any gid: the check is numeric
    constexpr uid_t kNobody = 65534;
    TempDir dir;
    REQUIRE(::chmod(dir.path.c_str(), 0755) == 0);
    const std::string path = dir.path + "/dvs.sock";
    FakeDaemon daemon;
    std::mutex refusals_mutex;
    std::vector<std::string> refusals;  // what the daemon would log
    ServerThread server(path, daemon.handler(), kGroup, [&](const std::string& why) {
        std::lock_guard<std::mutex> lock(refusals_mutex);
        refusals.push_back(why);
    });

    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0660);
    CHECK(st.st_gid == kGroup);

    const std::string request = "{\"v\":1,\"op\":\"clear\"}\n";

    // The file mode lets the group in; the credential check must hold
    // even when the mode is loosened, so open the file to everyone.
    REQUIRE(::chmod(path.c_str(), 0666) == 0);
    std::string answer = call_as(path, kNobody, kNobody, {}, request);
    if (answer == "SETUID FAILED") {
        WARN("setuid not permitted here: skipped");
        return;
    }
    CHECK(answer == mgmt::encode_line(error_response(
                        "permission denied: uid 65534 is not root or in group 4242")));
    CHECK(daemon.received().empty());
    {
        std::lock_guard<std::mutex> lock(refusals_mutex);
        REQUIRE(refusals.size() == 1);
        CHECK(refusals[0].rfind(
                  "permission denied: uid 65534 is not root or in group 4242 (peer pid ", 0) == 0);
    }

    // Primary group, and supplementary group, both admitted.
    answer = call_as(path, kNobody, kGroup, {}, request);
    CHECK(answer == "{\"ok\":true,\"v\":1}\n");
    answer = call_as(path, kNobody, kNobody, {kGroup}, request);
    CHECK(answer == "{\"ok\":true,\"v\":1}\n");
    CHECK(daemon.received().size() == 2);

    // Without a configured group only root may talk.
    server.stop();
    ServerThread root_only(path, daemon.handler());
    REQUIRE(::chmod(path.c_str(), 0666) == 0);
    answer = call_as(path, kNobody, kGroup, {}, request);
    CHECK(answer == mgmt::encode_line(error_response("permission denied: uid 65534 is not root")));
    CHECK(daemon.received().size() == 2);
}
