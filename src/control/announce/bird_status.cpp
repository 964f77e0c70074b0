#include "control/announce/bird_status.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <sstream>

namespace dvs::control {

namespace {

constexpr size_t kMaxReply = 256 * 1024;  // a BIRD with thousands of protocols is not ours

bool is_code(const std::string& line) {
    if (line.size() < 5) return false;
    for (int i = 0; i < 4; ++i) {
        if (line[i] < '0' || line[i] > '9') return false;
    }
    return line[4] == '-' || line[4] == ' ';
}

// The last line of a reply: a code followed by a space, other than the
// greeting (0001).
bool reply_complete(const std::string& buffer) {
    std::istringstream in(buffer);
    std::string line;
    while (std::getline(in, line)) {
        if (is_code(line) && line[4] == ' ' && line.compare(0, 4, "0001") != 0) return true;
    }
    return false;
}

}  // namespace

std::vector<BirdProtocol> parse_bird_protocols(const std::string& reply) {
    std::vector<BirdProtocol> out;
    std::istringstream in(reply);
    std::string line, code;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::string text;
        if (is_code(line)) {
            code = line.substr(0, 4);
            text = line.substr(5);
        } else if (!line.empty() && line[0] == ' ') {
            text = line.substr(1);  // continues the previous code
        } else {
            continue;
        }
        if (code != "1002") continue;  // rows of the protocol table
        std::istringstream row(text);
        BirdProtocol p;
        std::string proto, table;
        if (!(row >> p.name >> proto >> table >> p.state)) continue;
        if (proto != "BGP") continue;
        std::getline(row, p.info);
        const size_t first = p.info.find_first_not_of(' ');
        p.info = first == std::string::npos ? "" : p.info.substr(first);
        while (!p.info.empty() && p.info.back() == ' ') p.info.pop_back();
        out.push_back(std::move(p));
    }
    return out;
}

BirdStatusQuery::BirdStatusQuery(boost::asio::io_context& io, Done done)
    : socket_(io), timer_(io), done_(std::move(done)) {}

void BirdStatusQuery::start(boost::asio::io_context& io, const std::string& socket_path,
                            std::chrono::milliseconds deadline, Done done) {
    std::shared_ptr<BirdStatusQuery> q(new BirdStatusQuery(io, std::move(done)));
    q->run(socket_path, deadline);
}

void BirdStatusQuery::run(const std::string& socket_path, std::chrono::milliseconds deadline) {
    auto self = shared_from_this();
    timer_.expires_after(deadline);
    timer_.async_wait([self](const boost::system::error_code& ec) {
        if (!ec) self->finish({false, "no answer in time", {}});
    });
    socket_.async_connect(
        boost::asio::local::stream_protocol::endpoint(socket_path),
        [self, socket_path](const boost::system::error_code& ec) {
            if (ec) return self->finish({false, socket_path + ": " + ec.message(), {}});
            static const std::string kCommand = "show protocols\n";
            boost::asio::async_write(
                self->socket_, boost::asio::buffer(kCommand),
                [self](const boost::system::error_code& wec, size_t) {
                    if (wec) return self->finish({false, "write: " + wec.message(), {}});
                    self->read_more();
                });
        });
}

// Whatever arrives is appended until the reply's last line is in (a read
// until '\n' would return at once while an earlier line is buffered).
void BirdStatusQuery::read_more() {
    auto self = shared_from_this();
    socket_.async_read_some(
        boost::asio::buffer(chunk_), [self](const boost::system::error_code& ec, size_t n) {
            self->buffer_.append(self->chunk_.data(), n);
            if (reply_complete(self->buffer_)) {
                return self->finish({true, "", parse_bird_protocols(self->buffer_)});
            }
            if (ec) return self->finish({false, "read: " + ec.message(), {}});
            if (self->buffer_.size() > kMaxReply)
                return self->finish({false, "reply too long", {}});
            self->read_more();
        });
}

void BirdStatusQuery::finish(BirdPoll p) {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    done_(std::move(p));
}

}  // namespace dvs::control
