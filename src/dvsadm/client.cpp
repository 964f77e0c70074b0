// Blocking Unix-socket client for dvsadm.

#include "dvsadm/client.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mgmt/protocol.hpp"

namespace dvs::dvsadm {

namespace {

// An answer bigger than this is not something dvsd would send.
constexpr std::size_t kMaxAnswerBytes = 256u << 20;

}  // namespace

Client::Client(const std::string& socket_path, std::chrono::seconds timeout)
    : path_(socket_path), timeout_(timeout) {
    connect_socket();
}

void Client::connect_socket() {
    const std::string& socket_path = path_;
    sockaddr_un addr{};
    if (socket_path.size() >= sizeof addr.sun_path) {
        throw ConnectError("cannot connect to " + socket_path + ": path is longer than " +
                           std::to_string(sizeof addr.sun_path - 1) + " bytes");
    }
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        throw ConnectError("cannot connect to " + socket_path + ": " + std::strerror(errno));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_.count());
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int err = errno;
        ::close(fd_);
        fd_ = -1;
        std::string why = std::strerror(err);
        if (err == ENOENT || err == ECONNREFUSED) why += " (is dvsd running?)";
        if (err == EACCES) why += " (dvsadm needs root or the socket's group)";
        throw ConnectError("cannot connect to " + socket_path + ": " + why);
    }
}

Client::~Client() {
    if (fd_ >= 0) ::close(fd_);
}

nlohmann::json Client::call(const nlohmann::json& request) {
    const std::string line = mgmt::encode_line(request);
    std::size_t sent = 0;
    bool reopened = false;
    while (sent < line.size()) {
        const ssize_t n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            // dvsd may have refused us (permission denied) and closed before
            // we wrote; its one line saying why is still there to read.
            const int err = errno;
            try {
                return nlohmann::json::parse(read_line());
            } catch (const std::exception&) {
                // Closed before any of the request arrived, without a word:
                // an idle session dropped under load. Once more, afresh.
                if (sent == 0 && !reopened && (err == EPIPE || err == ECONNRESET)) {
                    ::close(fd_);
                    fd_ = -1;
                    pending_.clear();
                    connect_socket();
                    reopened = true;
                    continue;
                }
                throw TransportError("cannot send to dvsd on " + path_ + ": " + std::strerror(err));
            }
        }
        sent += static_cast<std::size_t>(n);
    }
    const std::string answer = read_line();
    try {
        return nlohmann::json::parse(answer);
    } catch (const nlohmann::json::parse_error& e) {
        throw mgmt::ProtocolError(std::string("malformed response: ") + e.what());
    }
}

std::string Client::read_line() {
    while (true) {
        if (auto nl = pending_.find('\n'); nl != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            return line;
        }
        if (pending_.size() > kMaxAnswerBytes) {
            throw TransportError("answer from dvsd is larger than " +
                                 std::to_string(kMaxAnswerBytes) + " bytes");
        }
        char buffer[65536];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            throw TransportError("no answer from dvsd on " + path_ + " (timed out)");
        }
        if (n < 0) {
            throw TransportError("lost the connection to dvsd on " + path_ + ": " +
                                 std::strerror(errno));
        }
        if (n == 0) {
            throw TransportError("dvsd closed the connection on " + path_ + " without answering");
        }
        pending_.append(buffer, static_cast<std::size_t>(n));
    }
}

std::string resolve_socket_path(const std::string* flag, const char* env_value) {
    if (flag != nullptr) return *flag;
    if (env_value != nullptr && *env_value != '\0') return env_value;
    return kDefaultSocketPath;
}

}  // namespace dvs::dvsadm
