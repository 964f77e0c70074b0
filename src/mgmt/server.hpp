#pragma once
// The management socket: a Unix stream listener on the control thread's
// io_context that reads request lines (mgmt_protocol.hpp), hands each valid
// request to the daemon's handler and writes the answer back.
//
// Who may talk: a peer whose SO_PEERCRED uid is 0, or, when a group is
// configured, whose gid or supplementary groups include it. The socket file
// is 0600 (root only) or 0660 root:group; the credential check holds even if
// someone loosens the file mode. Anyone else gets one error line and is
// disconnected.
//
// What the handler sees: only requests that passed mgmt::parse_request, so
// it may rely on the contract's types and ranges. It returns the whole
// answer (mgmt::ok_response / error_response); an exception it throws
// becomes {"ok":false,"error":what()}. Malformed input never reaches it and
// never stops the server.
//
// Threads: everything runs on the io_context's thread, including the
// handler; nothing blocks it (all socket I/O is asynchronous). Construct,
// stop and destroy on that thread, or while the io_context is not running.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dvs::control {

using MgmtHandler = std::function<nlohmann::json(const nlohmann::json&)>;
// For requests whose answer takes time (a reload): called with a valid
// request before `MgmtHandler`; returning true means it took the request and
// will call `answer` later, on the io_context's thread, with the whole
// answer. The connection reads nothing more until then.
using MgmtAnswer = std::function<void(nlohmann::json)>;
using MgmtDeferredHandler = std::function<bool(const nlohmann::json&, MgmtAnswer answer)>;

// One request line in, one answer out (without the '\n'): JSON errors and
// contract violations are answered here, valid requests go to `handler`,
// whose exceptions become error answers. What a connection does per line;
// public so that it can be tested without a socket.
nlohmann::json handle_request_line(const MgmtHandler& handler, std::string_view line);

struct MgmtServerOptions {
    std::string socket_path;     // at most 107 bytes (sockaddr_un)
    std::optional<gid_t> group;  // also admit this group; the socket becomes 0660 root:group
    // Told about every refused connection (the daemon logs it).
    std::function<void(const std::string&)> on_refusal;
    MgmtDeferredHandler deferred;  // optional
    // Told the peer's uid and pid (SO_PEERCRED) just before each request
    // goes to a handler, on the same thread: whom a change is audited to.
    std::function<void(uid_t uid, pid_t pid)> on_request;  // optional
    // Issue 20: 1,100 held connections locked dvsadm and SIGHUP out (no
    // file descriptors left). At most max_sessions are open; a new one
    // beyond that closes the session that has waited longest for a request
    // (never one whose answer is pending), so the newest client — dvsadm,
    // which writes its request at once — gets through. A session that has
    // not completed a request line (or taken its answer) within
    // idle_timeout is closed: held-open and half-sent lines cost at most
    // max_sessions x kMaxRequestBytes of buffer.
    std::size_t max_sessions = 64;
    std::chrono::milliseconds idle_timeout{10000};
};

class MgmtServer {
public:
    // Creates the parent directory (0755) if missing, replaces a stale socket
    // file, binds, sets the mode and starts accepting. Throws
    // std::runtime_error naming the path when any of that fails, including
    // when another process is already listening there.
    MgmtServer(boost::asio::io_context& io, MgmtServerOptions options, MgmtHandler handler);
    ~MgmtServer();

    MgmtServer(const MgmtServer&) = delete;
    MgmtServer& operator=(const MgmtServer&) = delete;

    // Closes the listener and every open connection and removes the socket
    // file (if it is still ours). Idempotent.
    void stop();

    const std::string& socket_path() const { return options_.socket_path; }

    class Session;  // one connection; defined in mgmt_server.cpp

private:
    void accept_next();
    void on_accept(boost::asio::local::stream_protocol::socket socket);
    void refuse_one_pending();

    MgmtServerOptions options_;
    std::shared_ptr<const MgmtHandler> handler_;  // shared with sessions outliving a stop()
    boost::asio::local::stream_protocol::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;         // accept back-off after e.g. EMFILE
    std::vector<std::weak_ptr<Session>> sessions_;  // in the order they were opened
    int reserve_fd_ = -1;  // closed to accept-and-close a connection when out of fds
    uint64_t sessions_closed_for_room_ = 0;
    std::chrono::steady_clock::time_point last_room_log_{};
    ino_t socket_inode_ = 0;  // to unlink only the file we created
    // False once stopped; completion handlers hold a copy, so one that runs
    // after the server is gone sees false and does not touch it.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dvs::control
