// Scale-out (issue 16): which VIPs a box announces and why, what BIRD's
// `show protocols` says about BGP, and the fleet / continuation settings.
#include <arpa/inet.h>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "control/announce/announce_decision.hpp"
#include "control/announce/announcer.hpp"
#include "control/announce/bird_status.hpp"
#include "control/config/config.hpp"
#include "control/config/config_writer.hpp"
#include "control/health/health_overlay.hpp"
#include "control/snapshot_builder.hpp"
#include "dataplane/snapshot.hpp"

using namespace dvs::control;

namespace {

const dvs::IpAddress kVipA = dvs::IpAddress::v4(0xc0000246);  // 192.0.2.70
const dvs::IpAddress kVipB = dvs::IpAddress::v4(0xc0000247);  // 192.0.2.71

AnnounceInputs serving_box() {
    AnnounceInputs in;
    in.ready = true;
    in.vips = {{kVipA, 2, 1}, {kVipB, 1, 0}};
    return in;
}

const std::string kFleetConfig = R"(
exception_path: { enabled: true }
ports:
  - { name: lan, device: "net_null0", addresses: ["10.0.0.1/24"] }
fleet:
  route_table: 100
services:
  - { name: mh, vip: 192.0.2.70, port: 80, protocol: tcp, scheduler: mh,
      real_servers: [{ address: 10.0.0.11, forward: dr }] }
  - { name: off, vip: 192.0.2.70, port: 81, protocol: tcp, scheduler: mh, continuation: false,
      real_servers: [{ address: 10.0.0.11, forward: dr }] }
  - { name: rr, vip: 192.0.2.71, port: 80, protocol: tcp, scheduler: rr,
      real_servers: [{ address: 10.0.0.11, forward: dr }] }
)";

}  // namespace

TEST_CASE("announce: a ready box announces VIPs with a usable server", "[announce]") {
    const std::vector<VipVerdict> v = decide_announcements(serving_box());
    REQUIRE(v.size() == 2);
    CHECK(v[0] == VipVerdict{kVipA, true, AnnounceReason::kServing});
    CHECK(v[1] == VipVerdict{kVipB, false, AnnounceReason::kNoUsableServer});
}

TEST_CASE("announce: box-wide reasons withdraw every VIP, stopping first", "[announce]") {
    AnnounceInputs in = serving_box();
    in.ready = false;
    CHECK(decide_announcements(in)[0] == VipVerdict{kVipA, false, AnnounceReason::kNotReady});
    in.drained = true;
    CHECK(decide_announcements(in)[0] == VipVerdict{kVipA, false, AnnounceReason::kDrained});
    in.stopping = true;
    CHECK(decide_announcements(in)[0] == VipVerdict{kVipA, false, AnnounceReason::kStopping});
    in = serving_box();
    in.drained = true;
    for (const VipVerdict& d : decide_announcements(in)) {
        CHECK_FALSE(d.announced);
        CHECK(d.reason == AnnounceReason::kDrained);
    }
    CHECK(to_string(AnnounceReason::kNoUsableServer) == "no_usable_server");
}

TEST_CASE("announce: the Snapshot says which VIPs have a usable server", "[announce]") {
    Config c = load_config_text(kFleetConfig, "fleet.yaml");
    std::unique_ptr<dvs::dataplane::Snapshot> snap = build_snapshot(c, 1, 1);
    std::vector<VipServing> v = vips_serving(*snap);
    REQUIRE(v.size() == 2);
    CHECK(v[0].vip == kVipA);
    CHECK(v[0].services == 2);
    CHECK(v[0].usable_services == 2);
    // A health check's verdict: weight 0, no usable server on 192.0.2.71.
    HealthOverlay failed;
    failed.servers = {{}, {}, {ServerVerdict{true}}};
    snap = build_snapshot(c, 1, 2, nullptr, nullptr, &failed);
    v = vips_serving(*snap);
    CHECK(v[1].usable_services == 0);
    CHECK_FALSE(decide_announcements({true, false, false, v})[1].announced);
}

TEST_CASE("announce: IPv6 VIPs are announced by their own address", "[announce]") {
    // Issue 15: an IPv6 service's VIP is in vip6 (vip is 0); it must not be
    // taken for 0.0.0.0 nor merged with another IPv6 VIP.
    const Config c = load_config_text(R"(
exception_path: { enabled: true }
ports:
  - { name: lan, device: "net_null0", addresses: ["10.0.0.1/24", "2001:db8:2::1/64"] }
fleet:
  route_table: 100
services:
  - { name: v4, vip: 192.0.2.70, port: 80, protocol: tcp,
      real_servers: [{ address: 10.0.0.11, forward: dr }] }
  - { name: a6, vip: "2001:db8:10::80", port: 80, protocol: tcp,
      real_servers: [{ address: "2001:db8:2::11", forward: dr }] }
  - { name: b6, vip: "2001:db8:10::81", port: 80, protocol: tcp,
      real_servers: [{ address: "2001:db8:2::11", forward: dr }] }
)",
                                      "fleet6.yaml");
    const std::unique_ptr<dvs::dataplane::Snapshot> snap = build_snapshot(c, 1, 1);
    const std::vector<VipServing> v = vips_serving(*snap);
    REQUIRE(v.size() == 3);
    CHECK(v[0].vip == kVipA);
    CHECK(v[1].vip == c.services[1].vip);
    CHECK(v[1].vip.is_v6());
    CHECK(v[2].vip == c.services[2].vip);
    CHECK(v[2].usable_services == 1);
    const std::vector<VipVerdict> d = decide_announcements({true, false, false, v});
    CHECK(d[1] == VipVerdict{c.services[1].vip, true, AnnounceReason::kServing});
}

TEST_CASE("announce: BIRD's show protocols, BGP rows only", "[announce]") {
    const std::string reply =
        "0001 BIRD 2.0.12 ready.\n"
        "2002-Name       Proto      Table      State  Since         Info\n"
        "1002-device1    Device     ---        up     06:30:11.123  \n"
        " kernel1    Kernel     master4    up     06:30:11.123  \n"
        " router     BGP        ---        up     06:30:13.456  Established   \n"
        " spare      BGP        ---        start  06:30:13.456  Active        Socket: Connection "
        "refused\n"
        "0000 \n";
    const std::vector<BirdProtocol> p = parse_bird_protocols(reply);
    REQUIRE(p.size() == 2);
    CHECK(p[0] == BirdProtocol{"router", "up", "06:30:13.456  Established"});
    CHECK(p[1].name == "spare");
    CHECK(p[1].state == "start");
    CHECK(parse_bird_protocols("0001 BIRD 2.0.12 ready.\n0000 \n").empty());
}

TEST_CASE("announce: a BIRD reply that arrives in pieces is read whole, within the deadline",
          "[announce]") {
    // BIRD writes its greeting, then the table a moment later: the query
    // must wait for the last line, not spin on the lines it already has.
    namespace asio = boost::asio;
    using asio::local::stream_protocol;
    const std::string path = "/tmp/dvs-test-bird-" + std::to_string(::getpid()) + ".ctl";
    ::unlink(path.c_str());
    asio::io_context io;
    stream_protocol::acceptor acceptor(io, stream_protocol::endpoint(path));
    stream_protocol::socket peer(io);
    asio::steady_timer later(io);
    const std::string greeting = "0001 BIRD 2.0.12 ready.\n";
    const std::string table =
        "2002-Name       Proto      Table      State  Since         Info\n"
        "1002-uplink     BGP        ---        up     06:30:13.456  Established\n"
        "0000 \n";
    acceptor.async_accept(peer, [&](const boost::system::error_code& ec) {
        REQUIRE_FALSE(ec);
        asio::write(peer, asio::buffer(greeting));
        later.expires_after(std::chrono::milliseconds(200));
        later.async_wait(
            [&](const boost::system::error_code&) { asio::write(peer, asio::buffer(table)); });
    });
    BirdPoll got;
    bool done = false;
    const auto t0 = std::chrono::steady_clock::now();
    BirdStatusQuery::start(io, path, std::chrono::milliseconds(2000), [&](BirdPoll p) {
        got = std::move(p);
        done = true;
    });
    io.run();
    const auto took = std::chrono::steady_clock::now() - t0;
    ::unlink(path.c_str());
    REQUIRE(done);
    CHECK(got.reachable);
    CHECK(got.error.empty());
    REQUIRE(got.bgp.size() == 1);
    CHECK(got.bgp[0].state == "up");
    CHECK(took < std::chrono::milliseconds(1500));  // answered, not timed out
}

TEST_CASE("announce: no BIRD on the socket is an error at once, not a wait", "[announce]") {
    boost::asio::io_context io;
    BirdPoll got;
    got.reachable = true;
    BirdStatusQuery::start(io, "/tmp/dvs-test-no-bird.ctl", std::chrono::milliseconds(2000),
                           [&](BirdPoll p) { got = std::move(p); });
    io.run();
    CHECK_FALSE(got.reachable);
    CHECK(got.error.find("No such file") != std::string::npos);
}

TEST_CASE("fleet config: continuation is on for mh services of a fleet, off otherwise",
          "[announce]") {
    const Config c = load_config_text(kFleetConfig, "fleet.yaml");
    CHECK(c.fleet.enabled);
    CHECK(c.fleet.route_table == 100);
    CHECK(c.fleet.shutdown_grace_ms == 10000);
    CHECK(continuation_on(c, c.services[0]));
    CHECK_FALSE(continuation_on(c, c.services[1]));  // continuation: false
    CHECK_FALSE(continuation_on(c, c.services[2]));  // rr
    std::unique_ptr<dvs::dataplane::Snapshot> snap = build_snapshot(c, 1, 1);
    CHECK(snap->services[0].continuation);
    CHECK_FALSE(snap->services[1].continuation);
    CHECK_FALSE(snap->services[2].continuation);
    // Without a fleet section an mh service keeps today's behaviour.
    Config alone = c;
    alone.fleet = {};
    CHECK_FALSE(continuation_on(alone, alone.services[0]));
    // Written back and read again: the same configuration.
    CHECK(load_config_text(config_to_yaml(c), "fleet.yaml") == c);
}

TEST_CASE("fleet config: errors name the key", "[announce]") {
    const std::string base = R"(
exception_path: { enabled: true }
ports:
  - { name: lan, device: "net_null0", addresses: ["10.0.0.1/24"] }
)";
    REQUIRE_THROWS_WITH(
        load_config_text(base + "services:\n  - { name: s, vip: 192.0.2.70, port: 80, protocol: "
                                "tcp, scheduler: rr, continuation: true, real_servers: [] }\n",
                         "f.yaml"),
        Catch::Contains("f.yaml:6:") &&
            Catch::Contains("continuation applies to scheduler mh only"));
    REQUIRE_THROWS_WITH(load_config_text(base + "fleet: { route_table: 254 }\n", "f.yaml"),
                        Catch::Contains("fleet.route_table"));
    REQUIRE_THROWS_WITH(
        load_config_text(base + "fleet: { route_table: 100, bird_socket: bird.ctl }\n", "f.yaml"),
        Catch::Contains("fleet.bird_socket") && Catch::Contains("absolute path"));
    // "" is the documented way to say "do not ask BIRD", and survives a
    // write and read back.
    const Config quiet =
        load_config_text(base + "fleet: { route_table: 100, bird_socket: \"\" }\n", "f.yaml");
    CHECK(quiet.fleet.bird_socket.empty());
    CHECK(load_config_text(config_to_yaml(quiet), "f.yaml") == quiet);
    REQUIRE_THROWS_WITH(
        load_config_text("ports:\n  - { name: lan, device: \"net_null0\", addresses: "
                         "[\"10.0.0.1/24\"] }\nfleet: { route_table: 100 }\n",
                         "f.yaml"),
        Catch::Contains("needs exception_path"));
}
