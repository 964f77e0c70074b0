#pragma once
// Test fixtures for the management socket: a temporary directory, a
// MgmtServer running on its own io_context thread, a fake daemon handler
// with canned answers, and a raw line-oriented client.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mgmt/protocol.hpp"
#include "mgmt/server.hpp"

namespace dvs::test {

using nlohmann::json;

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

struct TempDir {
    std::string path;
    TempDir() {
        char name[] = "/tmp/dvs-mgmt-XXXXXX";
        if (::mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = name;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

// Stands in for dvsd: canned answers for the read-only ops, records the
// requests that change things, refuses what a real daemon would.
class FakeDaemon {
public:
    json list = json::parse(read_file("golden/dvsadm/list_response.json"));
    json conns = json::parse(read_file("golden/dvsadm/conns_response.json"));
    json status = json::parse(read_file("golden/dvsadm/status_response.json"));
    json ha = json::parse(R"({"v":1,"ok":true,"enabled":false})");

    json handle(const json& request) {
        const std::string op = request["op"];
        {
            std::lock_guard lock(mutex_);
            received_.push_back(request);
        }
        if (op == "list") return list;
        if (op == "conns") return conns;
        if (op == "status") return status;
        if (op == "ha") return ha;
        if (op == "reload") return mgmt::ok_response({{"message", "reloaded: 5 services"}});
        if (op == "save_yaml") return mgmt::ok_response({{"yaml", "services: []"}});
        if (op == "del_service" && request["service"]["port"] == 81) {
            return mgmt::error_response("no such service: tcp 192.0.2.10:81");
        }
        if (op == "add_server" && request["server"]["weight"] == 13) {
            throw std::runtime_error("weight 13 is unlucky");
        }
        return mgmt::ok_response();
    }

    control::MgmtHandler handler() {
        return [this](const json& request) { return handle(request); };
    }

    std::vector<json> received() {
        std::lock_guard lock(mutex_);
        return received_;
    }

private:
    std::mutex mutex_;
    std::vector<json> received_;
};

// A MgmtServer on its own thread, as dvsd runs it on the control thread.
class ServerThread {
public:
    ServerThread(const std::string& path, control::MgmtHandler handler,
                 std::optional<gid_t> group = std::nullopt,
                 std::function<void(const std::string&)> on_refusal = {})
        : server_(std::make_unique<control::MgmtServer>(
              io_, control::MgmtServerOptions{path, group, std::move(on_refusal)},
              std::move(handler))),
          thread_([this] { io_.run(); }) {}

    ServerThread(control::MgmtServerOptions options, control::MgmtHandler handler)
        : server_(
              std::make_unique<control::MgmtServer>(io_, std::move(options), std::move(handler))),
          thread_([this] { io_.run(); }) {}

    ~ServerThread() { stop(); }

    void stop() {
        if (!thread_.joinable()) return;
        boost::asio::post(io_, [this] { server_->stop(); });
        guard_.reset();
        thread_.join();
        server_.reset();
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
        boost::asio::make_work_guard(io_);
    std::unique_ptr<control::MgmtServer> server_;
    std::thread thread_;
};

// A plain socket speaking lines, for sending what dvsadm never would.
class RawClient {
public:
    explicit RawClient(const std::string& path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            throw std::runtime_error("connect " + path + ": " + std::strerror(errno));
        }
    }
    ~RawClient() { ::close(fd_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    // Sends everything it can; false once the server has gone away.
    bool send(const std::string& data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    // The next line without '\n'; empty optional on EOF, error or 5 s of silence.
    std::optional<std::string> read_line() {
        while (true) {
            if (auto nl = pending_.find('\n'); nl != std::string::npos) {
                std::string line = pending_.substr(0, nl);
                pending_.erase(0, nl + 1);
                return line;
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 5000) <= 0) return std::nullopt;
            char buffer[4096];
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) return std::nullopt;
            pending_.append(buffer, static_cast<std::size_t>(n));
        }
    }

    json call(const std::string& line) {
        if (!send(line + "\n")) throw std::runtime_error("send failed");
        auto answer = read_line();
        if (!answer) throw std::runtime_error("no answer");
        return json::parse(*answer);
    }

private:
    int fd_ = -1;
    std::string pending_;
};

}  // namespace dvs::test
