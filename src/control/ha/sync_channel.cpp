#include "control/ha/sync_channel.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <rte_ring.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "common/text_codec.hpp"
#include "control/config/config.hpp"
#include "control/record_ids.hpp"

namespace dvs::control {

namespace {

using dataplane::SyncRecord;
namespace asio = boost::asio;

constexpr auto kFullRequestRetry = std::chrono::seconds(1);
// Room for a drain tick's worth of datagrams (kDrainPerTick records per
// worker) several times over.
constexpr int kReceiveBuffer = 16 << 20;
// Records taken from one worker's out ring per flush: bounds the control
// thread's work per tick; the rest waits for the next one.
constexpr unsigned kDrainPerTick = 16384;
constexpr auto kGapRepairEvery = std::chrono::seconds(10);
// A full transfer costs the whole table in datagrams: at most one per this
// interval, whoever asks (a forged request cost 3,000x its size, issue 20).
constexpr auto kFullRequestEvery = std::chrono::seconds(5);

std::string endpoint_text(const IpAddress& ip, uint16_t port) {
    return text::format_ip_bracketed(ip) + ":" + std::to_string(port);
}

// The peer as the socket sees it. An IPv6 link-local address means nothing
// without its link: it is scoped to the HA interface (the kernel reports a
// link-local sender with that scope too, so the peer check still matches).
asio::ip::address socket_address(const IpAddress& ip, const std::string& interface) {
    if (ip.is_v4()) return asio::ip::address_v4(ip.to_v4());
    asio::ip::address_v6 v6(ip.bytes);
    if (v6.is_link_local()) v6.scope_id(::if_nametoindex(interface.c_str()));
    return v6;
}

}  // namespace

SyncChannel::SyncChannel(asio::io_context& io, Options opts, dataplane::SyncRings& rings,
                         SnapshotSource snapshot, IsMaster is_master)
    : io_(io),
      opts_(std::move(opts)),
      rings_(rings),
      snapshot_(std::move(snapshot)),
      is_master_(std::move(is_master)),
      socket_(io),
      peer_(socket_address(opts_.peer, opts_.interface), opts_.port),
      flush_timer_(io),
      request_timer_(io),
      window_(!opts_.key.empty()) {
    stats_.peer = endpoint_text(opts_.peer, opts_.port);
    if (!opts_.key.empty()) key_.emplace(opts_.key);
    stats_.authenticated = key_.has_value();
    session_.sender = std::random_device{}();
    session_.started_ms =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
}

SyncChannel::~SyncChannel() { stop(); }

void SyncChannel::start() {
    const std::string where =
        "sync socket on " + opts_.interface + " port " + std::to_string(opts_.port);
    boost::system::error_code ec;
    const bool v6 = opts_.peer.is_v6();
    socket_.open(v6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
    if (ec) throw std::runtime_error(where + ": " + ec.message());
    socket_.set_option(asio::socket_base::reuse_address(true), ec);
    // Only the peer's family: an IPv4 datagram would arrive IPv4-mapped and
    // be counted as foreign anyway.
    if (v6) socket_.set_option(asio::ip::v6_only(true), ec);
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, opts_.interface.c_str(),
                     static_cast<socklen_t>(opts_.interface.size())) != 0) {
        throw std::runtime_error(where + ": SO_BINDTODEVICE: " + std::strerror(errno));
    }
    const asio::ip::address any = v6 ? asio::ip::address(asio::ip::address_v6::any())
                                     : asio::ip::address(asio::ip::address_v4::any());
    socket_.bind(asio::ip::udp::endpoint(any, opts_.port), ec);
    if (ec) throw std::runtime_error(where + ": bind: " + ec.message());
    socket_.non_blocking(true, ec);
    // A full transfer or a hand-back arrives as a burst of datagrams (10,000
    // connections: 233 of them) while the control thread may be waiting for
    // a CPU; the default receive buffer (~208 KiB) overflowed and dropped
    // most of them (RcvbufErrors) in e2e_ha_sync_10k. FORCE: root may exceed
    // net.core.rmem_max.
    const int rcvbuf = kReceiveBuffer;
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) !=
        0) {
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    // The same on the way out: a tick may send hundreds of datagrams back to
    // back, and a NIC holds each against the socket until it has sent it.
    if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDBUFFORCE, &rcvbuf, sizeof rcvbuf) !=
        0) {
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
    }
    running_ = true;
    builder_.start(seq_, session_);
    builder6_.start(seq_, session_);
    builder6t_.start(seq_, session_);
    spdlog::info("sync: streaming to {} over {} (flush every {} ms, rings of {} records{})",
                 stats_.peer, opts_.interface, opts_.flush_interval.count(), rings_.ring_size(),
                 key_ ? ", HMAC-SHA256 with ha.sync.key_file" : "");
    if (!key_) {
        spdlog::warn(
            "sync: the stream to {} is not authenticated (no ha.sync.key_file): a host on {} "
            "that sends from {} can remove and add this box's synced connections while it is "
            "backup",
            stats_.peer, opts_.interface, stats_.peer);
    }
    receive();
    flush_tick();
}

void SyncChannel::stop() {
    if (!running_) return;
    running_ = false;
    boost::system::error_code ec;
    flush_timer_.cancel();
    request_timer_.cancel();
    socket_.close(ec);
}

void SyncChannel::flush_tick() {
    if (!running_) return;
    drain_out_rings();
    check_walk_done();
    flush_timer_.expires_after(opts_.flush_interval);
    flush_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) flush_tick();
    });
}

// A datagram the socket could not take (its buffer full: EAGAIN) waits in
// `pending_` and nothing more is drained until it has gone: the records
// wait in the workers' rings, which is where a backlog belongs (a full ring
// is counted there, as `sync_lost`).
void SyncChannel::drain_out_rings() {
    if (!pending_.empty()) {
        if (!send(pending_)) return;
        pending_.clear();
    }
    // The builders keep what they hold between ticks (one of them may be
    // part full when the other's datagram is refused); each datagram gets
    // its sequence number when it goes.
    SyncRecord batch[256];
    const auto ship = [&](sync::DatagramBuilder& b) {
        b.set_seq(seq_);
        const std::span<const uint8_t> d = b.finish(key());
        const bool sent = send(d);
        if (!sent) pending_.assign(d.begin(), d.end());
        b.start(seq_, session_);
        return sent;
    };
    for (uint32_t w = 0; w < rings_.workers(); ++w) {
        rte_ring* out = rings_.worker(w).out;
        unsigned taken = 0;
        while (taken < kDrainPerTick) {
            // Never more than fits either datagram being built, so a blocked
            // send leaves every other record in its ring.
            const auto room = static_cast<unsigned>(std::min(
                {builder_.capacity() - builder_.size(), builder6_.capacity() - builder6_.size(),
                 builder6t_.capacity() - builder6t_.size()}));
            const unsigned n = rte_ring_sc_dequeue_burst_elem(out, batch, sizeof(SyncRecord),
                                                              std::min(room, 256u), nullptr);
            if (n == 0) break;
            taken += n;
            for (unsigned i = 0; i < n; ++i) builder_for(batch[i]).add(batch[i]);
            if (walking_) walk_records_ += n;
            for (sync::DatagramBuilder* b : {&builder_, &builder6_, &builder6t_}) {
                if (b->full() && !ship(*b)) return;
            }
        }
    }
    for (sync::DatagramBuilder* b : {&builder_, &builder6_, &builder6t_}) {
        if (!b->empty() && !ship(*b)) return;
    }
}

bool SyncChannel::send(std::span<const uint8_t> datagram) {
    boost::system::error_code ec;
    socket_.send_to(asio::buffer(datagram.data(), datagram.size()), peer_, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ++stats_.send_blocked;
        return false;
    }
    ++seq_;
    if (ec) {
        // Peer unreachable, buffer full: the records are lost like a
        // dropped datagram (the receiver sees the gap in seq).
        if (stats_.send_errors++ == 0)
            spdlog::warn("sync: send to {}: {}", stats_.peer, ec.message());
        return true;
    }
    ++stats_.datagrams_sent;
    if (datagram.size() > sync::kHeaderSize &&
        (datagram[5] == static_cast<uint8_t>(sync::MessageType::kConnections) ||
         datagram[5] == static_cast<uint8_t>(sync::MessageType::kConnections6) ||
         datagram[5] == static_cast<uint8_t>(sync::MessageType::kTemplates6))) {
        stats_.records_sent += (uint32_t{datagram[6]} << 8) | datagram[7];  // count
    }
    return true;
}

void SyncChannel::start_walk(uint32_t transfer) {
    if (walking_) {
        // One walk answers every request made while it runs; the latest
        // transfer id is the one its end names.
        walk_transfer_ = transfer;
        return;
    }
    walking_ = true;
    walk_transfer_ = transfer;
    walk_records_ = 0;
    ++walk_gen_;
    for (uint32_t w = 0; w < rings_.workers(); ++w) {
        rings_.worker(w).full_requested.store(walk_gen_, std::memory_order_release);
    }
}

void SyncChannel::check_walk_done() {
    if (!walking_) return;
    for (uint32_t w = 0; w < rings_.workers(); ++w) {
        if (rings_.worker(w).full_done.load(std::memory_order_acquire) != walk_gen_) return;
        if (rte_ring_count(rings_.worker(w).out) != 0) return;
    }
    if (!pending_.empty()) return;
    const auto end = sync::encode_full_end(seq_, session_, walk_transfer_,
                                           static_cast<uint32_t>(walk_records_), key());
    if (!send(end)) return;  // the socket is full: next tick
    walking_ = false;
    spdlog::info("sync: {} to {}: {} records", walk_transfer_ ? "full state transfer" : "hand-back",
                 stats_.peer, walk_records_);
}

// Records were lost on the way: the copies they would have created or
// refreshed may be missing. A backup asks for the whole table again, at
// most once per kGapRepairEvery (a master's own table is authoritative).
void SyncChannel::repair_gap(uint32_t lost) {
    if (is_master_() || requesting_) return;
    const auto now = std::chrono::steady_clock::now();
    if (last_gap_repair_ != std::chrono::steady_clock::time_point{} &&
        now - last_gap_repair_ < kGapRepairEvery) {
        return;
    }
    last_gap_repair_ = now;
    ++stats_.gap_repairs;
    spdlog::warn("sync: {} datagrams from {} lost; asking for a full state transfer", lost,
                 stats_.peer);
    request_full_transfer();
}

void SyncChannel::request_full_transfer() {
    if (!running_) return;
    if (!requesting_) {
        requesting_ = true;
        request_transfer_ =
            (session_.sender ^ static_cast<uint32_t>(stats_.full_requests_sent)) | 1;
        request_started_ = std::chrono::steady_clock::now();
        request_records_ = 0;
    }
    send_full_request();
}

void SyncChannel::send_full_request() {
    if (!requesting_ || !running_) return;
    send(sync::encode_full_request(seq_, session_, request_transfer_, key()));
    ++stats_.full_requests_sent;
    request_timer_.expires_after(kFullRequestRetry);
    request_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) send_full_request();
    });
}

void SyncChannel::cancel_full_request() {
    requesting_ = false;
    request_timer_.cancel();
}

void SyncChannel::hand_back() {
    if (running_) start_walk(0);
}

void SyncChannel::receive() {
    socket_.async_receive_from(asio::buffer(rx_buf_), from_,
                               [this](const boost::system::error_code& ec, size_t n) {
                                   if (ec == asio::error::operation_aborted || !running_) return;
                                   if (!ec) on_datagram({rx_buf_.data(), n});
                                   receive();
                               });
}

void SyncChannel::on_datagram(std::span<const uint8_t> d) {
    // The peer sends from the port it listens on (both use opts_.port).
    if (from_.address() != peer_.address() || from_.port() != opts_.port) {
        if (stats_.foreign_datagrams++ == 0) {
            spdlog::warn("sync: ignoring datagrams from {}:{} (the peer is {})",
                         from_.address().to_string(), from_.port(), stats_.peer);
        }
        return;
    }
    const sync::Message msg = sync::decode(d, key());
    if (!admit(msg)) return;
    ++stats_.datagrams_received;
    last_receive_ = std::chrono::steady_clock::now();

    switch (msg.header.type) {
        case sync::MessageType::kFullRequest:
            on_full_request(msg);
            return;
        case sync::MessageType::kFullEnd: {
            const bool ours = requesting_ && msg.transfer == request_transfer_;
            if (ours && request_records_ < msg.total) {
                // Datagrams were lost (the live stream during the transfer
                // only adds records, so fewer than the total means loss):
                // the copy is incomplete, ask for the whole table again.
                spdlog::warn(
                    "sync: full state transfer from {} incomplete: {} of {} records "
                    "arrived; asking again",
                    stats_.peer, request_records_, msg.total);
                request_records_ = 0;
                send_full_request();
            } else if (ours) {
                const double ms = std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - request_started_)
                                      .count();
                ++stats_.full_transfers_received;
                stats_.last_full_records = msg.total;
                stats_.last_full_ms = ms;
                spdlog::info("sync: full state transfer from {} done: {} connections in {:.0f} ms",
                             stats_.peer, msg.total, ms);
                cancel_full_request();
            } else if (msg.transfer == 0) {
                spdlog::info("sync: {} handed back {} connections", stats_.peer, msg.total);
            }
            return;
        }
        case sync::MessageType::kConnections:
        case sync::MessageType::kConnections6:
        case sync::MessageType::kTemplates6: {
            const dataplane::Snapshot* snap = snapshot_();
            if (snap == nullptr) return;
            const bool master = is_master_();
            stats_.records_received += msg.records.size();
            if (requesting_) request_records_ += msg.records.size();
            for (const SyncRecord& r : msg.records) {
                // Master of the instance holding this VIP? (With several
                // instances the two boxes may each be master of one.)
                const bool standby =
                    r.is_v6() ? snap->ha.is_standby6(r.vip6.b) : snap->ha.is_standby(r.vip);
                install(r, *snap, master && !standby);
            }
            return;
        }
    }
}

bool SyncChannel::admit(const sync::Message& msg) {
    using sync::DecodeError;
    if (msg.error == DecodeError::kBadVersion) {
        if (stats_.bad_version++ == 0) {
            spdlog::error(
                "sync: {} speaks sync version {}, this dvsd speaks version {}: nothing it "
                "sends is taken until both boxes run the same DVS release",
                stats_.peer, msg.version, sync::kVersion);
        }
        return false;
    }
    if (sync::is_auth_error(msg.error)) {
        if (stats_.unauthenticated++ == 0) {
            const char* why = msg.error == DecodeError::kSigned
                                  ? "it is signed, but this dvsd has no ha.sync.key_file"
                              : msg.error == DecodeError::kUnsigned
                                  ? "it carries no MAC (the peer has no key file?)"
                                  : "its MAC does not match our key";
            spdlog::error("sync: refusing a datagram from {}: {}", stats_.peer, why);
        }
        return false;
    }
    if (msg.error == DecodeError::kUnknownType) {
        // A later message type from our authenticated peer (a newer DVS):
        // skipped and counted, its sequence number taken so that it does
        // not look like a lost datagram.
        window_.check(msg.header.session, msg.header.seq);
        if (stats_.bad_datagrams++ == 0) {
            spdlog::warn("sync: skipping datagrams of type {} from {} (a newer DVS?)",
                         static_cast<int>(msg.header.type), stats_.peer);
        }
        return false;
    }
    if (msg.error != DecodeError::kNone) {
        if (stats_.bad_datagrams++ == 0) {
            spdlog::warn("sync: malformed datagram from {} ({})", stats_.peer,
                         sync::decode_error_name(msg.error));
        }
        return false;
    }
    const sync::SequenceWindow::Result w = window_.check(msg.header.session, msg.header.seq);
    if (w.verdict != sync::SequenceWindow::Verdict::kFresh) {
        if (stats_.replayed++ == 0) {
            spdlog::warn("sync: refusing a replayed datagram from {} ({})", stats_.peer,
                         w.verdict == sync::SequenceWindow::Verdict::kReplay
                             ? "its sequence number was seen before"
                             : "of a session older than the current one");
        }
        return false;
    }
    if (w.jumped) ++stats_.seq_jumps;
    if (w.lost != 0) {
        stats_.datagrams_lost += w.lost;
        repair_gap(w.lost);
    }
    return true;
}

void SyncChannel::on_full_request(const sync::Message& msg) {
    const auto now = std::chrono::steady_clock::now();
    if (last_request_served_ != std::chrono::steady_clock::time_point{} &&
        now - last_request_served_ < kFullRequestEvery) {
        if (stats_.full_requests_limited++ == 0) {
            spdlog::warn(
                "sync: {} asks for full state transfers more often than once per {} s; "
                "the extra requests are ignored",
                stats_.peer, kFullRequestEvery.count());
        }
        return;
    }
    last_request_served_ = now;
    ++stats_.full_requests_served;
    if (!walking_) spdlog::info("sync: {} asks for a full state transfer", stats_.peer);
    start_walk(msg.transfer);
}

// Gives a peer's record this box's ids and queues it for the owning worker.
void SyncChannel::install(const SyncRecord& in, const dataplane::Snapshot& snap, bool master) {
    SyncRecord r = in;
    // We forward this VIP: our table is the truth. A remove is never taken
    // (a forged one killed live connections); an update only with a key, and
    // only for an entry we lack (a hand-back after a split brain).
    if (master && (r.op == dataplane::SyncOp::kRemove || !key_)) {
        ++stats_.ignored_as_master;
        return;
    }
    bool capped = false;
    switch (assign_record_ids(r, snap, capped)) {
        case RecordIds::kUnknownService:
            ++stats_.unknown_service;
            return;
        case RecordIds::kUnknownServer:
            ++stats_.unknown_server;
            return;
        case RecordIds::kOk:
            break;
    }
    if (capped) ++stats_.timeouts_capped;
    if (master) r.flags |= dataplane::kSyncKeepExisting;
    const uint32_t owner = record_owner(r, rings_.workers());
    if (rte_ring_sp_enqueue_elem(rings_.worker(owner).in, &r, sizeof(SyncRecord)) != 0) {
        ++stats_.install_ring_full;
    }
}

SyncStatus SyncChannel::status() const {
    SyncStatus s = stats_;
    s.requesting_full = requesting_;
    s.queued = 0;
    for (uint32_t w = 0; w < rings_.workers(); ++w)
        s.queued += rte_ring_count(rings_.worker(w).out);
    if (last_receive_ != std::chrono::steady_clock::time_point{}) {
        s.last_receive_age_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - last_receive_).count();
    }
    return s;
}

}  // namespace dvs::control
