#pragma once
// dvsadm's end of the management socket: blocking, one request at a time
// over one connection. The only part of dvsadm that does I/O on the socket.

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace dvs::dvsadm {

// connect() failed: dvsd is not running, or the path or permissions are wrong.
class ConnectError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The connection broke or dvsd did not answer in time.
class TransportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Client {
public:
    static constexpr std::chrono::seconds kDefaultTimeout{120};

    // Throws ConnectError("cannot connect to PATH: reason").
    explicit Client(const std::string& socket_path, std::chrono::seconds timeout = kDefaultTimeout);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Sends one request line and returns the parsed answer line. Throws
    // TransportError, or mgmt::ProtocolError for an answer that is
    // not JSON. A session dvsd closed before any byte of the request
    // reached it (it closes the oldest idle sessions when over its cap)
    // is opened again once: nothing was received, so nothing was done.
    nlohmann::json call(const nlohmann::json& request);

private:
    void connect_socket();  // throws ConnectError
    std::string read_line();

    int fd_ = -1;
    std::string path_;
    std::chrono::seconds timeout_;
    std::string pending_;  // bytes after the last answer line
};

// --socket PATH, else $DVS_SOCKET (when set and not empty), else the default.
std::string resolve_socket_path(const std::string* flag, const char* env_value);

inline constexpr const char* kDefaultSocketPath = "/run/dvs/dvs.sock";

}  // namespace dvs::dvsadm
