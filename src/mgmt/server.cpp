// The management socket server: listener set-up, per-connection credential
// check, and the read-line / answer / write loop of each connection.

#include "mgmt/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "mgmt/protocol.hpp"

namespace dvs::control {

namespace asio = boost::asio;
using asio::local::stream_protocol;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error("management socket " + path + ": " + what);
}

[[noreturn]] void fail_errno(const std::string& path, const std::string& what, int err) {
    fail(path, what + ": " + std::strerror(err));
}

// mkdir -p with mode 0755 for the components we create (and only those: an
// existing directory's mode is the operator's business).
void make_parent_directories(const std::string& socket_path) {
    const std::filesystem::path parent = std::filesystem::path(socket_path).parent_path();
    if (parent.empty()) return;
    std::filesystem::path prefix;
    for (const auto& part : parent) {
        prefix /= part;
        struct stat st {};
        if (::stat(prefix.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) fail(socket_path, prefix.string() + " is not a directory");
            continue;
        }
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
            fail_errno(socket_path, "cannot create directory " + prefix.string(), errno);
        }
        // mkdir applies the umask; a group member must be able to reach the socket.
        ::chmod(prefix.c_str(), 0755);
    }
}

// True when something accepts connections on `path` right now.
bool someone_listens(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    // EAGAIN: a listener whose backlog is full, still a listener.
    const bool live = rc == 0 || errno == EAGAIN;
    ::close(fd);
    return live;
}

// A socket file left by a dvsd that died is removed; anything else there is
// not ours to delete.
void remove_stale_socket(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail_errno(path, "cannot stat", errno);
    }
    if (!S_ISSOCK(st.st_mode)) fail(path, "exists and is not a socket; not removing it");
    if (someone_listens(path)) fail(path, "another process (a running dvsd?) is listening on it");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        fail_errno(path, "cannot remove the stale socket", errno);
    }
}

// Supplementary groups are not in SO_PEERCRED; /proc has them (an in-memory
// read, it does not block the io_context). A peer in another PID namespace
// has pid 0 and is judged by its primary gid alone.
bool has_supplementary_group(pid_t pid, gid_t group) {
    if (pid <= 0) return false;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Groups:", 0) != 0) continue;
        std::istringstream groups(line.substr(7));
        unsigned long gid = 0;
        while (groups >> gid) {
            if (gid == group) return true;
        }
        return false;
    }
    return false;
}

}  // namespace

namespace {

// The request when `line` is one the contract accepts, else the error answer.
std::variant<json, json> parse_line(std::string_view line) {
    try {
        json request = mgmt::parse_request_line(line);
        mgmt::parse_request(request);
        return std::variant<json, json>(std::in_place_index<0>, std::move(request));
    } catch (const mgmt::ProtocolError& e) {
        return std::variant<json, json>(std::in_place_index<1>, mgmt::error_response(e.what()));
    }
}

json checked_answer(json answer, const json& request) {
    if (!answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean()) {
        return mgmt::error_response("internal error: dvsd built no valid answer for op '" +
                                    request["op"].get<std::string>() + "'");
    }
    answer["v"] = mgmt::kVersion;
    return answer;
}

json handle_request(const MgmtHandler& handler, const json& request) {
    try {
        return checked_answer(handler(request), request);
    } catch (const std::exception& e) {
        return mgmt::error_response(e.what());
    } catch (...) {
        return mgmt::error_response("internal error: unknown exception");
    }
}

}  // namespace

json handle_request_line(const MgmtHandler& handler, std::string_view line) {
    std::variant<json, json> parsed = parse_line(line);
    if (parsed.index() == 1) return std::get<1>(std::move(parsed));
    return handle_request(handler, std::get<0>(parsed));
}

// ----------------------------------------------------------------- Session

class MgmtServer::Session : public std::enable_shared_from_this<Session> {
public:
    Session(stream_protocol::socket socket, std::shared_ptr<const MgmtHandler> handler,
            std::optional<gid_t> group, std::function<void(const std::string&)> on_refusal,
            MgmtDeferredHandler deferred, std::function<void(uid_t, pid_t)> on_request,
            std::chrono::milliseconds idle_timeout)
        : idle_timeout_(idle_timeout),
          timer_(socket.get_executor()),
          socket_(std::move(socket)),
          handler_(std::move(handler)),
          group_(group),
          on_refusal_(std::move(on_refusal)),
          deferred_(std::move(deferred)),
          on_request_(std::move(on_request)),
          buffer_(mgmt::kMaxRequestBytes) {}

    void start() {
        if (auto refusal = check_peer()) {
            if (on_refusal_)
                on_refusal_(*refusal + " (peer pid " + std::to_string(peer_pid_) + ")");
            send(mgmt::encode_line(mgmt::error_response(*refusal)), /*close_after=*/true);
            return;
        }
        read_next();
    }

    // Waiting for a deferred answer (a reload): not to be closed for room.
    bool busy() const { return deferred_pending_; }

    void close() {
        closed_ = true;
        timer_.cancel();
        boost::system::error_code ignored;
        socket_.shutdown(stream_protocol::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

private:
    // Empty when the peer may talk to us, else the message it gets.
    std::optional<std::string> check_peer() {
        ucred cred{};
        socklen_t length = sizeof cred;
        if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) {
            return std::string("permission denied: cannot read peer credentials: ") +
                   std::strerror(errno);
        }
        peer_uid_ = cred.uid;
        peer_pid_ = cred.pid;
        if (cred.uid == 0) return std::nullopt;
        if (group_ && (cred.gid == *group_ || has_supplementary_group(cred.pid, *group_))) {
            return std::nullopt;
        }
        std::string message = "permission denied: uid " + std::to_string(cred.uid) + " is not root";
        if (group_) message += " or in group " + std::to_string(*group_);
        return message;
    }

    // Every wait on the peer (for a request line, or for it to take an
    // answer) is bounded by idle_timeout_.
    void arm() {
        timer_.expires_after(idle_timeout_);
        timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec && !self->closed_) self->close();
        });
    }

    void read_next() {
        if (closed_) return;
        arm();
        asio::async_read_until(
            socket_, buffer_, '\n',
            [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                self->on_read(ec, n);
            });
    }

    void on_read(boost::system::error_code ec, std::size_t n) {
        if (closed_) return;  // stopped while this completion was queued
        if (ec == asio::error::not_found) {
            // The buffer filled up without a newline.
            send(mgmt::encode_line(mgmt::error_response("request line longer than " +
                                                        std::to_string(mgmt::kMaxRequestBytes) +
                                                        " bytes; closing the connection")),
                 /*close_after=*/true);
            return;
        }
        if (ec) {  // EOF, reset, or cancelled by close()
            close();
            return;
        }
        std::string line(asio::buffers_begin(buffer_.data()),
                         asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n - 1));
        buffer_.consume(n);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) {
            read_next();
            return;
        }
        std::variant<json, json> parsed = parse_line(line);
        if (parsed.index() == 1) {
            send(mgmt::encode_line(std::get<1>(parsed)), /*close_after=*/false);
            return;
        }
        json& request = std::get<0>(parsed);
        if (on_request_) on_request_(peer_uid_, peer_pid_);
        if (deferred_) {
            MgmtAnswer answer = [self = shared_from_this(), request](json reply) {
                self->deferred_pending_ = false;
                if (self->closed_) return;
                self->send(mgmt::encode_line(checked_answer(std::move(reply), request)),
                           /*close_after=*/false);
            };
            try {
                timer_.cancel();
                deferred_pending_ = true;
                if (deferred_(request, std::move(answer))) return;
                deferred_pending_ = false;
            } catch (const std::exception& e) {
                send(mgmt::encode_line(mgmt::error_response(e.what())), /*close_after=*/false);
                return;
            }
        }
        send(mgmt::encode_line(handle_request(*handler_, request)), /*close_after=*/false);
    }

    void send(std::string line, bool close_after) {
        deferred_pending_ = false;
        arm();
        out_ = std::move(line);
        asio::async_write(
            socket_, asio::buffer(out_),
            [self = shared_from_this(), close_after](boost::system::error_code ec, std::size_t) {
                if (ec || close_after) {
                    self->close();
                    return;
                }
                self->read_next();
            });
    }

    std::chrono::milliseconds idle_timeout_;
    asio::steady_timer timer_;
    stream_protocol::socket socket_;
    std::shared_ptr<const MgmtHandler> handler_;
    std::optional<gid_t> group_;
    std::function<void(const std::string&)> on_refusal_;
    MgmtDeferredHandler deferred_;
    std::function<void(uid_t, pid_t)> on_request_;
    uid_t peer_uid_ = 0;
    pid_t peer_pid_ = 0;
    asio::streambuf buffer_;  // capped: a line that does not fit is refused
    std::string out_;         // the answer being written (one at a time)
    bool closed_ = false;
    bool deferred_pending_ = false;
};

// ------------------------------------------------------------- MgmtServer

MgmtServer::MgmtServer(asio::io_context& io, MgmtServerOptions options, MgmtHandler handler)
    : options_(std::move(options)),
      handler_(std::make_shared<const MgmtHandler>(std::move(handler))),
      acceptor_(io),
      retry_timer_(io) {
    const std::string& path = options_.socket_path;
    if (path.empty()) throw std::runtime_error("management socket: empty path");
    if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
        fail(path, "path is longer than " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                       " bytes");
    }
    make_parent_directories(path);
    remove_stale_socket(path);
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

    boost::system::error_code ec;
    const stream_protocol::endpoint endpoint(path);
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) fail(path, "socket: " + ec.message());
    acceptor_.bind(endpoint, ec);
    if (ec) fail(path, "bind: " + ec.message());
    const ::mode_t mode = options_.group ? 0660 : 0600;
    if (::chmod(path.c_str(), mode) != 0) fail_errno(path, "chmod", errno);
    if (options_.group && ::chown(path.c_str(), static_cast<uid_t>(-1), *options_.group) != 0) {
        const int err = errno;
        ::unlink(path.c_str());
        fail_errno(path, "chown to group " + std::to_string(*options_.group), err);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) socket_inode_ = st.st_ino;
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        ::unlink(path.c_str());
        fail(path, "listen: " + ec.message());
    }
    accept_next();
}

MgmtServer::~MgmtServer() {
    stop();
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void MgmtServer::stop() {
    if (!*alive_) return;
    *alive_ = false;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    for (const auto& weak : sessions_) {
        if (auto session = weak.lock()) session->close();
    }
    sessions_.clear();
    // Remove the file only if it is still the one we bound: a newer dvsd may
    // have replaced it.
    struct stat st {};
    if (::lstat(options_.socket_path.c_str(), &st) == 0 && st.st_ino == socket_inode_ &&
        S_ISSOCK(st.st_mode)) {
        ::unlink(options_.socket_path.c_str());
    }
}

void MgmtServer::accept_next() {
    acceptor_.async_accept(
        [this, alive = alive_](boost::system::error_code ec, stream_protocol::socket socket) {
            if (!*alive) return;  // stopped (or destroyed): `this` may be gone
            if (ec) {
                if (ec == boost::system::errc::too_many_files_open ||
                    ec == boost::system::errc::too_many_files_open_in_system) {
                    refuse_one_pending();
                }
                // EMFILE and friends: try again shortly rather than spin.
                retry_timer_.expires_after(std::chrono::milliseconds(100));
                retry_timer_.async_wait([this, alive](boost::system::error_code timer_ec) {
                    if (*alive && !timer_ec) accept_next();
                });
                return;
            }
            on_accept(std::move(socket));
            accept_next();
        });
}

// Out of file descriptors: the reserve one makes room to take the oldest
// pending connection and close it, so its client hears a refusal at once
// instead of hanging in the backlog.
void MgmtServer::refuse_one_pending() {
    if (reserve_fd_ < 0) return;
    ::close(reserve_fd_);
    const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (options_.on_refusal) options_.on_refusal("out of file descriptors: closed a connection");
}

void MgmtServer::on_accept(stream_protocol::socket socket) {
    std::erase_if(sessions_, [](const std::weak_ptr<Session>& s) { return s.expired(); });
    if (sessions_.size() >= options_.max_sessions) {
        // The oldest session that is not waiting for an answer makes room.
        for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
            auto old = it->lock();
            if (old && !old->busy()) {
                old->close();
                sessions_.erase(it);
                ++sessions_closed_for_room_;
                break;
            }
        }
        const auto now = std::chrono::steady_clock::now();
        if (options_.on_refusal && now - last_room_log_ >= std::chrono::seconds(10)) {
            last_room_log_ = now;
            options_.on_refusal("more than " + std::to_string(options_.max_sessions) +
                                " sessions: closed the oldest idle ones (" +
                                std::to_string(sessions_closed_for_room_) + " so far)");
        }
        if (sessions_.size() >= options_.max_sessions) {
            boost::system::error_code ignored;
            socket.close(ignored);  // every session awaits an answer: refuse this one
            return;
        }
    }
    auto session =
        std::make_shared<Session>(std::move(socket), handler_, options_.group, options_.on_refusal,
                                  options_.deferred, options_.on_request, options_.idle_timeout);
    sessions_.push_back(session);
    session->start();
}

}  // namespace dvs::control
