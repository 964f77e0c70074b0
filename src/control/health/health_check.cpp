#include "control/health/health_check.hpp"

#include "common/text_codec.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string_view>
#include <vector>

#include <boost/asio/ip/icmp.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

extern char** environ;

namespace dvs::control {

namespace {

namespace asio = boost::asio;
using asio::ip::icmp;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

constexpr size_t kMaxHttpAnswer = 64 * 1024;  // enough for a status page; the rest is not read
constexpr size_t kMaxAgentAnswer = 1024;

// Either family: IPv6 real servers are checked through the exception path
// like IPv4 ones (issue 15).
asio::ip::address to_address(const IpAddress& a) {
    if (a.is_v4()) return asio::ip::address_v4(a.to_v4());
    return asio::ip::address_v6(a.bytes);
}

// Short, stable wording for the reasons operators read in logs and dvsadm.
std::string describe_error(const error_code& ec, const std::string& what) {
    if (ec == asio::error::connection_refused) return what + " refused";
    if (ec == asio::error::host_unreachable) return what + ": host unreachable";
    if (ec == asio::error::network_unreachable) return what + ": network unreachable";
    if (ec == asio::error::connection_reset) return what + ": connection reset";
    return what + ": " + ec.message();
}

// What every probe shares: one timer bounds the whole exchange, and finish()
// reports exactly once and releases the probe's socket or child. Completion
// handlers hold a shared_ptr, so a probe lives until its last handler ran.
class ProbeBase : public Probe, public std::enable_shared_from_this<ProbeBase> {
public:
    ProbeBase(asio::io_context& io, uint32_t timeout_ms, ProbeDone done)
        : io_(io), timer_(io), timeout_ms_(timeout_ms), done_(std::move(done)) {}

    void cancel() override {
        if (finished_) return;
        finished_ = true;
        done_ = nullptr;
        timer_.cancel();
        close();
    }

protected:
    template <class Derived>
    std::shared_ptr<Derived> self() {
        return std::static_pointer_cast<Derived>(shared_from_this());
    }

    void arm() {
        timer_.expires_after(std::chrono::milliseconds(timeout_ms_));
        timer_.async_wait([self = shared_from_this()](const error_code& ec) {
            if (!ec && !self->finished_) self->on_timeout();
        });
    }

    virtual void on_timeout() { finish({false, timeout_text()}); }
    virtual void close() = 0;

    std::string timeout_text() const {
        return "timeout after " + std::to_string(timeout_ms_) + " ms";
    }

    void finish(ProbeResult result) {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        close();
        ProbeDone done = std::move(done_);
        done_ = nullptr;
        if (done) done(result);
    }

    // A failure found while starting: reported from the io_context like
    // every other result, never from inside start_probe.
    void finish_later(ProbeResult result) {
        asio::post(io_, [self = shared_from_this(), result] { self->finish(result); });
    }

    bool finished() const { return finished_; }

    asio::io_context& io_;

private:
    asio::steady_timer timer_;
    uint32_t timeout_ms_;
    ProbeDone done_;
    bool finished_ = false;
};

// ------------------------------------------------------------------- tcp

class TcpProbe final : public ProbeBase {
public:
    TcpProbe(asio::io_context& io, const HealthCheckConfig& c, tcp::endpoint ep, ProbeDone done)
        : ProbeBase(io, c.timeout_ms, std::move(done)), socket_(io), endpoint_(ep) {}

    void start() {
        arm();
        socket_.async_connect(endpoint_, [self = self<TcpProbe>()](const error_code& ec) {
            if (self->finished()) return;
            if (ec) return self->finish({false, describe_error(ec, "connect")});
            self->finish({true, "connected"});
        });
    }

private:
    void close() override {
        error_code ignored;
        socket_.close(ignored);
    }

    tcp::socket socket_;
    tcp::endpoint endpoint_;
};

// ------------------------------------------------------------------ http

// HTTP/1.0 with Connection: close, so the answer ends where the server
// closes; no chunked decoding needed to find a substring.
class HttpProbe final : public ProbeBase {
public:
    HttpProbe(asio::io_context& io, const HealthCheckConfig& c, tcp::endpoint ep, ProbeDone done)
        : ProbeBase(io, c.timeout_ms, std::move(done)),
          socket_(io),
          endpoint_(ep),
          expect_status_(c.expect_status),
          expect_body_(c.expect_body) {
        const std::string host =
            ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
        request_ = "GET " + c.path + " HTTP/1.0\r\nHost: " + host +
                   "\r\nUser-Agent: dvsd-health-check\r\nConnection: close\r\n\r\n";
    }

    void start() {
        arm();
        socket_.async_connect(endpoint_, [self = self<HttpProbe>()](const error_code& ec) {
            if (self->finished()) return;
            if (ec) return self->finish({false, describe_error(ec, "connect")});
            asio::async_write(self->socket_, asio::buffer(self->request_),
                              [self](const error_code& wec, size_t) {
                                  if (self->finished()) return;
                                  if (wec)
                                      return self->finish({false, describe_error(wec, "send")});
                                  self->read_more();
                              });
        });
    }

private:
    void read_more() {
        socket_.async_read_some(asio::buffer(chunk_),
                                [self = self<HttpProbe>()](const error_code& ec, size_t n) {
                                    if (self->finished()) return;
                                    self->answer_.append(self->chunk_.data(), n);
                                    if (!ec && self->answer_.size() < kMaxHttpAnswer)
                                        return self->read_more();
                                    if (ec && ec != asio::error::eof && self->answer_.empty()) {
                                        return self->finish({false, describe_error(ec, "read")});
                                    }
                                    self->finish(self->judge());
                                });
    }

    ProbeResult judge() const {
        // "HTTP/1.1 200 OK"
        if (answer_.rfind("HTTP/", 0) != 0 || answer_.size() < 12 || answer_[8] != ' ') {
            return {false, "not an HTTP answer"};
        }
        int status = 0;
        for (size_t i = 9; i < 12; ++i) {
            if (answer_[i] < '0' || answer_[i] > '9') return {false, "not an HTTP answer"};
            status = status * 10 + (answer_[i] - '0');
        }
        const std::string code = "HTTP " + std::to_string(status);
        if (status != expect_status_) return {false, code};
        if (!expect_body_.empty()) {
            const size_t body = answer_.find("\r\n\r\n");
            if (body == std::string::npos ||
                answer_.find(expect_body_, body + 4) == std::string::npos) {
                return {false, code + ", body lacks \"" + expect_body_ + "\""};
            }
        }
        return {true, code};
    }

    void close() override {
        error_code ignored;
        socket_.close(ignored);
    }

    tcp::socket socket_;
    tcp::endpoint endpoint_;
    uint16_t expect_status_;
    std::string expect_body_;
    std::string request_;
    std::string answer_;
    std::array<char, 4096> chunk_{};
};

// ------------------------------------------------------------------- udp

// A connected socket, so an ICMP port unreachable comes back as
// ECONNREFUSED on the receive instead of waiting for the timeout.
class UdpProbe final : public ProbeBase {
public:
    UdpProbe(asio::io_context& io, const HealthCheckConfig& c, udp::endpoint ep, ProbeDone done)
        : ProbeBase(io, c.timeout_ms, std::move(done)),
          socket_(io),
          endpoint_(ep),
          send_(c.send),
          expect_(c.expect) {}

    void start() {
        arm();
        error_code ec;
        socket_.open(endpoint_.protocol(), ec);
        if (!ec) socket_.connect(endpoint_, ec);
        if (ec) return finish_later({false, describe_error(ec, "socket")});
        socket_.async_send(asio::buffer(send_), [self = self<UdpProbe>()](const error_code& sec,
                                                                          size_t) {
            if (self->finished()) return;
            if (sec) return self->finish({false, describe_error(sec, "send")});
            self->socket_.async_receive(
                asio::buffer(self->buffer_), [self](const error_code& rec, size_t n) {
                    if (self->finished()) return;
                    if (rec == asio::error::connection_refused) {
                        return self->finish({false, "port unreachable"});
                    }
                    if (rec) return self->finish({false, describe_error(rec, "receive")});
                    const std::string_view answer(self->buffer_.data(), n);
                    if (!self->expect_.empty() && answer.find(self->expect_) == std::string::npos) {
                        return self->finish({false, "unexpected answer"});
                    }
                    self->finish({true, "answered"});
                });
        });
    }

private:
    void close() override {
        error_code ignored;
        socket_.close(ignored);
    }

    udp::socket socket_;
    udp::endpoint endpoint_;
    std::string send_;
    std::string expect_;
    std::array<char, 2048> buffer_{};
};

// ------------------------------------------------------------------ ping

uint16_t icmp_checksum(const uint8_t* data, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t{data[i]} << 8 | data[i + 1];
    if (n & 1) sum += uint32_t{data[n - 1]} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// ICMP echo on a raw socket (dvsd runs as root; the unprivileged ICMP
// datagram socket depends on net.ipv4.ping_group_range, which is off by
// default). A raw socket sees every ICMP packet the host receives, so the
// answer is matched by source, identifier and sequence. IPv6: ICMPv6 echo
// (types 128/129) on a raw ICMPv6 socket, whose checksum the kernel fills
// in (RFC 3542 3.1) and whose reads start at the ICMPv6 header.
class PingProbe final : public ProbeBase {
public:
    PingProbe(asio::io_context& io, const HealthCheckConfig& c, const IpAddress& address,
              ProbeDone done)
        : ProbeBase(io, c.timeout_ms, std::move(done)), socket_(io), address_(to_address(address)) {
        static std::atomic<uint16_t> next_sequence{1};
        id_ = static_cast<uint16_t>(getpid());
        sequence_ = next_sequence.fetch_add(1);
    }

    void start() {
        arm();
        error_code ec;
        const bool v6 = address_.is_v6();
        socket_.open(v6 ? icmp::v6() : icmp::v4(), ec);
        if (ec) return finish_later({false, describe_error(ec, "ICMP raw socket")});
        std::array<uint8_t, 24> echo{};
        echo[0] = v6 ? 128 : 8;  // echo request
        echo[4] = static_cast<uint8_t>(id_ >> 8);
        echo[5] = static_cast<uint8_t>(id_);
        echo[6] = static_cast<uint8_t>(sequence_ >> 8);
        echo[7] = static_cast<uint8_t>(sequence_);
        std::memcpy(echo.data() + 8, "dvsd health check", 16);
        if (!v6) {  // ICMPv6's covers a pseudo-header: the kernel's job
            const uint16_t sum = icmp_checksum(echo.data(), echo.size());
            echo[2] = static_cast<uint8_t>(sum >> 8);
            echo[3] = static_cast<uint8_t>(sum);
        }
        request_ = echo;
        socket_.async_send_to(asio::buffer(request_), icmp::endpoint(address_, 0),
                              [self = self<PingProbe>()](const error_code& sec, size_t) {
                                  if (self->finished()) return;
                                  if (sec)
                                      return self->finish({false, describe_error(sec, "ping")});
                                  self->receive();
                              });
    }

private:
    void receive() {
        socket_.async_receive_from(asio::buffer(buffer_), from_,
                                   [self = self<PingProbe>()](const error_code& ec, size_t n) {
                                       if (self->finished()) return;
                                       if (ec)
                                           return self->finish({false, describe_error(ec, "ping")});
                                       if (self->is_our_reply(n))
                                           return self->finish({true, "echo reply"});
                                       self->receive();
                                   });
    }

    bool is_our_reply(size_t n) const {
        if (from_.address() != address_) return false;
        const bool v6 = address_.is_v6();
        // IPv4 raw sockets read the IP header too; ICMPv6 ones do not.
        const size_t ihl = v6 ? 0 : (n < 20 ? n + 1 : (buffer_[0] & 0x0f) * 4u);
        if (n < ihl + 8) return false;
        const uint8_t* m = buffer_.data() + ihl;
        const uint16_t id = static_cast<uint16_t>(m[4] << 8 | m[5]);
        const uint16_t seq = static_cast<uint16_t>(m[6] << 8 | m[7]);
        return m[0] == (v6 ? 129 : 0) && id == id_ && seq == sequence_;
    }

    void on_timeout() override { finish({false, "no echo reply, " + timeout_text()}); }

    void close() override {
        error_code ignored;
        socket_.close(ignored);
    }

    icmp::socket socket_;
    asio::ip::address address_;
    uint16_t id_ = 0;
    uint16_t sequence_ = 0;
    std::array<uint8_t, 24> request_{};
    std::array<uint8_t, 1500> buffer_{};
    icmp::endpoint from_;
};

// ------------------------------------------------------------------ exec

// Reaps a child without blocking: polls waitpid every 10 ms. A child in a
// group of its own, so killing the group also kills what the shell started.
void reap_later(asio::io_context& io, pid_t pid) {
    auto timer = std::make_shared<asio::steady_timer>(io);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [timer, poll, pid]() {
        timer->expires_after(std::chrono::milliseconds(10));
        timer->async_wait([timer, poll, pid](const error_code& ec) {
            if (ec) return;
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == 0) return (*poll)();
            *poll = nullptr;  // breaks the cycle: the closure held itself
        });
    };
    (*poll)();
}

// posix_spawn (vfork-like: no copy of dvsd's large address space), the
// child in its own process group with default signal handling, stdin and
// stdout/stderr on /dev/null, no inherited descriptors. The parent polls
// waitpid every 10 ms: simple, and a check's granularity is far coarser.
class ExecProbe final : public ProbeBase {
public:
    ExecProbe(asio::io_context& io, const HealthCheckConfig& c, const ProbeTarget& t,
              ProbeDone done)
        : ProbeBase(io, c.timeout_ms, std::move(done)),
          poll_(io),
          command_(c.command),
          target_(t) {}

    void start() {
        std::vector<std::string> env_strings = {
            "DVS_RS_ADDRESS=" + text::format_ip(target_.address),
            "DVS_RS_PORT=" + std::to_string(target_.port),
            "DVS_RS=" + target_.label,
        };
        std::vector<char*> envp;
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            if (std::strncmp(*e, "DVS_RS", 6) != 0) envp.push_back(*e);
        }
        for (std::string& s : env_strings) envp.push_back(s.data());
        envp.push_back(nullptr);
        std::string sh = "/bin/sh", dash_c = "-c";
        char* argv[] = {sh.data(), dash_c.data(), command_.data(), nullptr};

        posix_spawnattr_t attr;
        posix_spawn_file_actions_t actions;
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_init(&actions);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setflags(
            &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        posix_spawn_file_actions_addclosefrom_np(&actions, 3);
        const int rc = posix_spawn(&pid_, sh.c_str(), &actions, &attr, argv, envp.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) {
            pid_ = -1;
            return finish_later({false, std::string("cannot run /bin/sh: ") + std::strerror(rc)});
        }
        arm();
        poll();
    }

private:
    void poll() {
        poll_.expires_after(std::chrono::milliseconds(10));
        poll_.async_wait([self = self<ExecProbe>()](const error_code& ec) {
            if (ec || self->finished() || self->pid_ <= 0) return;
            int status = 0;
            if (waitpid(self->pid_, &status, WNOHANG) != self->pid_) return self->poll();
            self->pid_ = -1;
            if (self->killed_) return self->finish({false, self->timeout_text() + " (killed)"});
            if (WIFEXITED(status)) {
                const int code = WEXITSTATUS(status);
                return self->finish({code == 0, "exit " + std::to_string(code)});
            }
            self->finish({false, "killed by signal " + std::to_string(WTERMSIG(status))});
        });
    }

    // Kill the command's whole group, then report once it is reaped.
    void on_timeout() override {
        killed_ = true;
        if (pid_ > 0) kill(-pid_, SIGKILL);
    }

    void close() override {
        poll_.cancel();
        if (pid_ > 0) {  // cancelled while running
            kill(-pid_, SIGKILL);
            reap_later(io_, pid_);
            pid_ = -1;
        }
    }

    asio::steady_timer poll_;
    std::string command_;
    ProbeTarget target_;
    pid_t pid_ = -1;
    bool killed_ = false;
};

// ----------------------------------------------------------------- agent

class AgentProbe final : public ProbeBase {
public:
    AgentProbe(asio::io_context& io, const AgentCheckConfig& a, tcp::endpoint ep, ProbeDone done)
        : ProbeBase(io, a.timeout_ms, std::move(done)), socket_(io), endpoint_(ep), send_(a.send) {}

    void start() {
        arm();
        socket_.async_connect(endpoint_, [self = self<AgentProbe>()](const error_code& ec) {
            if (self->finished()) return;
            if (ec) return self->finish({false, describe_error(ec, "agent connect")});
            if (self->send_.empty()) return self->read_more();
            asio::async_write(
                self->socket_, asio::buffer(self->send_), [self](const error_code& wec, size_t) {
                    if (self->finished()) return;
                    if (wec) return self->finish({false, describe_error(wec, "agent send")});
                    self->read_more();
                });
        });
    }

private:
    void read_more() {
        socket_.async_read_some(
            asio::buffer(chunk_), [self = self<AgentProbe>()](const error_code& ec, size_t n) {
                if (self->finished()) return;
                self->answer_.append(self->chunk_.data(), n);
                const size_t eol = self->answer_.find('\n');
                if (eol != std::string::npos) self->answer_.resize(eol);
                const bool complete =
                    eol != std::string::npos || ec || self->answer_.size() >= kMaxAgentAnswer;
                if (!complete) return self->read_more();
                if (ec && ec != asio::error::eof)
                    return self->finish({false, describe_error(ec, "agent read")});
                if (self->answer_.empty())
                    return self->finish({false, "agent closed without answering"});
                self->finish({true, self->answer_});
            });
    }

    void close() override {
        error_code ignored;
        socket_.close(ignored);
    }

    tcp::socket socket_;
    tcp::endpoint endpoint_;
    std::string send_;
    std::string answer_;
    std::array<char, 256> chunk_{};
};

}  // namespace

std::shared_ptr<Probe> start_probe(asio::io_context& io, const HealthCheckConfig& check,
                                   const ProbeTarget& target, ProbeDone done) {
    const uint16_t port = check.port != 0 ? check.port : target.port;
    const auto address = to_address(target.address);
    switch (check.type) {
        case CheckType::kTcp: {
            auto p = std::make_shared<TcpProbe>(io, check, tcp::endpoint(address, port),
                                                std::move(done));
            p->start();
            return p;
        }
        case CheckType::kHttp: {
            auto p = std::make_shared<HttpProbe>(io, check, tcp::endpoint(address, port),
                                                 std::move(done));
            p->start();
            return p;
        }
        case CheckType::kUdp: {
            auto p = std::make_shared<UdpProbe>(io, check, udp::endpoint(address, port),
                                                std::move(done));
            p->start();
            return p;
        }
        case CheckType::kPing: {
            auto p = std::make_shared<PingProbe>(io, check, target.address, std::move(done));
            p->start();
            return p;
        }
        case CheckType::kExec: {
            auto p = std::make_shared<ExecProbe>(io, check, target, std::move(done));
            p->start();
            return p;
        }
        case CheckType::kNone:
            break;
    }
    return nullptr;
}

std::shared_ptr<Probe> start_agent_probe(asio::io_context& io, const AgentCheckConfig& agent,
                                         const IpAddress& address, ProbeDone done) {
    auto p = std::make_shared<AgentProbe>(io, agent, tcp::endpoint(to_address(address), agent.port),
                                          std::move(done));
    p->start();
    return p;
}

}  // namespace dvs::control
