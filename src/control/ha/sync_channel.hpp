#pragma once
// The control thread's side of connection sync (README "High availability"):
// a UDP socket on the HA interface to the peer balancer.
//
// Out: every flush interval, the records the workers wrote into their
// `out` rings are packed into datagrams (sync_protocol.hpp) and sent.
// In: datagrams from the peer are checked, each record gets this box's
// service and real server ids (found by address in the running Snapshot) and
// goes to the `in` ring of the worker that owns the flow.
// Full transfers: a backup asks (kFullRequest, repeated every second until
// answered); the master has its workers walk their tables into the stream
// and ends it with kFullEnd, at most once per kFullRequestEvery. A master
// that becomes backup hands its table to the new master the same way (the
// receiver keeps what it already has).
//
// What a datagram must pass (issue 20), each refusal counted on its own so
// none of them touches the loss count: the peer's address and port
// (foreign), the version (bad_version), the MAC when a key is configured
// (unauthenticated), the record format (bad_datagrams), the sequence window
// (replayed: sync_window.hpp). A master takes no remove record for a VIP it
// is master of, and no update either unless a key proves the peer sent it
// (a hand-back after a split brain: absent entries only); timeouts are
// capped at ours plus slack (sync_limits.hpp).
//
// Control thread only; the rings are its only contact with the workers.

#include <utility>  // before Boost.Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "control/ha/ha_status.hpp"
#include "control/ha/sync_protocol.hpp"
#include "control/ha/sync_window.hpp"
#include "dataplane/snapshot.hpp"
#include "dataplane/sync_rings.hpp"

namespace dvs::control {

class SyncChannel {
public:
    struct Options {
        std::string interface;  // SO_BINDTODEVICE
        IpAddress peer;         // IPv4 or IPv6; the socket is of its family
        uint16_t port = 8848;
        std::chrono::milliseconds flush_interval{10};
        uint32_t workers = 1;
        std::string key;  // the shared key (key_file.hpp); "": unauthenticated
    };
    // The running Snapshot (ids are resolved against it), and whether this
    // box is currently VRRP master of some instance.
    using SnapshotSource = std::function<const dataplane::Snapshot*()>;
    using IsMaster = std::function<bool()>;

    SyncChannel(boost::asio::io_context& io, Options opts, dataplane::SyncRings& rings,
                SnapshotSource snapshot, IsMaster is_master);
    ~SyncChannel();

    // Opens the socket (throws std::runtime_error naming the interface and
    // port on failure) and starts the flush timer and the receiver.
    void start();
    void stop();

    // Ask the peer for its whole table, again every second until it is all
    // here (we are backup). cancel: we became master, nothing to wait for.
    void request_full_transfer();
    void cancel_full_request();
    // Send our whole table to the peer unasked (we stopped being master).
    void hand_back();

    SyncStatus status() const;

private:
    void flush_tick();
    void drain_out_rings();
    // False when the socket's buffer is full (the caller keeps the datagram).
    bool send(std::span<const uint8_t> datagram);
    void repair_gap(uint32_t lost);
    void start_walk(uint32_t transfer);
    void check_walk_done();
    void send_full_request();
    void receive();
    void on_datagram(std::span<const uint8_t> d);
    // False: refused (counted, logged the first time).
    bool admit(const sync::Message& msg);
    void on_full_request(const sync::Message& msg);
    void install(const dataplane::SyncRecord& r, const dataplane::Snapshot& snap, bool master);
    const sync::SyncKey* key() const { return key_ ? &*key_ : nullptr; }
    // Each record's datagram type: IPv4, IPv6 connections, IPv6 templates.
    sync::DatagramBuilder& builder_for(const dataplane::SyncRecord& r) {
        if (!r.is_v6()) return builder_;
        return r.is_template() ? builder6t_ : builder6_;
    }

    boost::asio::io_context& io_;
    Options opts_;
    dataplane::SyncRings& rings_;
    SnapshotSource snapshot_;
    IsMaster is_master_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::ip::udp::endpoint peer_;
    boost::asio::steady_timer flush_timer_;
    boost::asio::steady_timer request_timer_;
    boost::asio::ip::udp::endpoint from_;
    std::array<uint8_t, 65536> rx_buf_{};
    sync::DatagramBuilder builder_;  // IPv4 records
    sync::DatagramBuilder builder6_{sync::MessageType::kConnections6};
    sync::DatagramBuilder builder6t_{sync::MessageType::kTemplates6};  // IPv6 templates
    std::vector<uint8_t> pending_;  // built but refused by a full socket buffer
    std::chrono::steady_clock::time_point last_gap_repair_{};
    std::optional<sync::SyncKey> key_;
    sync::Session session_;  // ours
    uint32_t seq_ = 0;
    bool running_ = false;

    // Serving a walk of our table (asked for, or a hand-back).
    bool walking_ = false;
    uint32_t walk_gen_ = 0;
    uint32_t walk_transfer_ = 0;  // 0: a hand-back, nobody asked
    uint64_t walk_records_ = 0;
    // Waiting for the peer's table.
    bool requesting_ = false;
    uint32_t request_transfer_ = 0;
    std::chrono::steady_clock::time_point request_started_;
    uint64_t request_records_ = 0;
    // The last full-transfer request honoured (the rate limit).
    std::chrono::steady_clock::time_point last_request_served_{};
    // The peer's sessions and sequence numbers: replays and losses.
    sync::SequenceWindow window_;
    std::chrono::steady_clock::time_point last_receive_{};
    SyncStatus stats_;
};

}  // namespace dvs::control
