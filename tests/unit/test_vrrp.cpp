// VRRPv3 (RFC 5798): the advertisement codec against a packet keepalived
// 2.2.7 sent, every decode error, and the state machine's scenarios with
// the time driven by the test.

#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "control/ha/vrrp_instance.hpp"
#include "control/ha/vrrp_packet.hpp"

using namespace dvs::control;
using dvs::AddressFamily;
using dvs::IpAddress;
using namespace std::chrono_literals;

namespace {

IpAddress ip(const char* text) {
    in_addr a{};
    REQUIRE(inet_pton(AF_INET, text, &a) == 1);
    return ipv4_from_network(a.s_addr);
}

IpAddress ip6(const char* text) {
    IpAddress a;
    a.family = AddressFamily::kIpv6;
    REQUIRE(inet_pton(AF_INET6, text, a.bytes.data()) == 1);
    return a;
}

const IpAddress kGroup = vrrp_group(AddressFamily::kIpv4);
const IpAddress kGroup6 = vrrp_group(AddressFamily::kIpv6);

// Captured with tcpdump: keepalived 2.2.7, vrrp_version 3, vrid 51,
// priority 100, advert_int 0.2, one address 10.0.3.100, from 10.0.3.2.
const std::vector<uint8_t> kKeepalivedAdvert = {0x31, 0x33, 0x64, 0x01, 0x00, 0x14,
                                                0x6f, 0xc2, 0x0a, 0x00, 0x03, 0x64};

VrrpParams params(uint8_t priority, const char* primary = "10.0.3.1") {
    VrrpParams p;
    p.name = "vi51";
    p.vrid = 51;
    p.priority = priority;
    p.advert_interval = 200ms;
    p.primary_ip = ip(primary);
    p.addresses = {ip("10.0.3.100")};
    return p;
}

// An advert from a peer, as the socket would hand it over.
struct Peer {
    std::vector<uint8_t> bytes;
    VrrpReceived rx;
};

Peer advert_from(const char* src, uint8_t priority, uint16_t centis = 20,
                 std::vector<IpAddress> addresses = {}) {
    VrrpAdvert a;
    a.vrid = 51;
    a.priority = priority;
    a.max_advert_centis = centis;
    a.addresses = addresses.empty() ? std::vector<IpAddress>{ip("10.0.3.100")} : addresses;
    Peer p;
    p.bytes = vrrp_encode(a, ip(src), kGroup);
    p.rx.src = ip(src);
    p.rx.dst = kGroup;
    p.rx.ttl = 255;
    p.rx.message = p.bytes;
    return p;
}

const VrrpTime t0 = VrrpTime{} + 1000s;

}  // namespace

// ------------------------------------------------------------------ codec

TEST_CASE("decode reads keepalived's VRRPv3 advert and its checksum", "[vrrp]") {
    const VrrpDecodeResult r = vrrp_decode(kKeepalivedAdvert, ip("10.0.3.2"), kGroup);
    REQUIRE(r.ok());
    CHECK(r.advert.vrid == 51);
    CHECK(r.advert.priority == 100);
    CHECK(r.advert.max_advert_centis == 20);
    REQUIRE(r.advert.addresses.size() == 1);
    CHECK(r.advert.addresses[0] == ip("10.0.3.100"));
    // The checksum includes the pseudo-header: another source breaks it.
    CHECK(vrrp_decode(kKeepalivedAdvert, ip("10.0.3.1"), kGroup).error ==
          VrrpDecodeError::kBadChecksum);
}

TEST_CASE("encode writes what keepalived writes, byte for byte", "[vrrp]") {
    VrrpAdvert a;
    a.vrid = 51;
    a.priority = 100;
    a.max_advert_centis = 20;
    a.addresses = {ip("10.0.3.100")};
    CHECK(vrrp_encode(a, ip("10.0.3.2"), kGroup) == kKeepalivedAdvert);
    CHECK(vrrp_checksum(kKeepalivedAdvert, ip("10.0.3.2"), kGroup) == htons(0x6fc2));
}

TEST_CASE("checksum computed by hand over pseudo-header and message", "[vrrp]") {
    // 16-bit words: 0a00 0302 e000 0012 0070 000c | 3133 6401 0014 0a00 0364
    uint32_t sum = 0x0a00 + 0x0302 + 0xe000 + 0x0012 + 0x0070 + 0x000c + 0x3133 + 0x6401 + 0x0014 +
                   0x0a00 + 0x0364;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    CHECK(static_cast<uint16_t>(~sum) == 0x6fc2);
}

TEST_CASE("encode/decode round trip with many addresses", "[vrrp]") {
    VrrpAdvert a;
    a.vrid = 255;
    a.priority = 255;
    a.max_advert_centis = kVrrpMaxIntervalCentis;
    for (uint32_t i = 0; i < kVrrpMaxAddresses; ++i)
        a.addresses.push_back(ipv4_from_network(htonl(0xc0000200 + i)));
    const auto bytes = vrrp_encode(a, ip("192.0.2.1"), kGroup);
    REQUIRE(bytes.size() == vrrp_message_len(255));
    const VrrpDecodeResult r = vrrp_decode(bytes, ip("192.0.2.1"), kGroup);
    REQUIRE(r.ok());
    CHECK(r.advert.vrid == a.vrid);
    CHECK(r.advert.priority == a.priority);
    CHECK(r.advert.max_advert_centis == a.max_advert_centis);
    CHECK(r.advert.addresses == a.addresses);

    // Odd sizes: an odd-length message checksums with a zero pad byte.
    CHECK(vrrp_checksum(std::vector<uint8_t>{0x31, 0x01, 0x02}, IpAddress{}, IpAddress{}) != 0);
}

TEST_CASE("encode refuses what does not fit the fields or the buffer", "[vrrp]") {
    VrrpAdvert a;
    a.vrid = 1;
    a.priority = 1;
    a.max_advert_centis = kVrrpMaxIntervalCentis + 1;
    a.addresses = {ip("10.0.0.1")};
    CHECK(vrrp_encode(a, ip("0.0.0.1"), kGroup).empty());
    a.max_advert_centis = 100;
    a.addresses.assign(256, ip("10.0.0.1"));
    CHECK(vrrp_encode(a, ip("0.0.0.1"), kGroup).empty());
    a.addresses.resize(1);
    std::vector<uint8_t> small(11);
    CHECK(vrrp_encode(a, ip("0.0.0.1"), kGroup, small) == 0);
}

TEST_CASE("every decode error has its reason and name", "[vrrp]") {
    const IpAddress src = ip("10.0.3.2");
    auto with = [&](auto edit) {
        std::vector<uint8_t> m = kKeepalivedAdvert;
        edit(m);
        return vrrp_decode(m, src, kGroup).error;
    };
    auto refix = [&](std::vector<uint8_t>& m) {
        m[6] = m[7] = 0;
        const uint16_t c = vrrp_checksum(m, src, kGroup);
        std::memcpy(&m[6], &c, 2);
    };
    CHECK(vrrp_decode(std::span(kKeepalivedAdvert).first(7), src, kGroup).error ==
          VrrpDecodeError::kTooShort);
    CHECK(with([](auto& m) { m[0] = 0x21; }) == VrrpDecodeError::kBadVersion);  // VRRPv2
    CHECK(with([](auto& m) { m[0] = 0x32; }) == VrrpDecodeError::kBadType);
    CHECK(with([](auto& m) { m[3] = 2; }) == VrrpDecodeError::kLengthMismatch);
    CHECK(with([](auto& m) { m.push_back(0); }) == VrrpDecodeError::kLengthMismatch);
    CHECK(with([](auto& m) { m[2] = 101; }) == VrrpDecodeError::kBadChecksum);
    CHECK(with([&](auto& m) {
              m[4] = m[5] = 0;
              refix(m);
          }) == VrrpDecodeError::kZeroInterval);
    // The reserved upper 4 bits of the interval are ignored.
    CHECK(with([&](auto& m) {
              m[4] = 0xf0;
              refix(m);
          }) == VrrpDecodeError::kNone);

    CHECK(std::string(to_string(VrrpDecodeError::kTooShort)) == "too_short");
    CHECK(std::string(to_string(VrrpDecodeError::kBadVersion)) == "bad_version");
    CHECK(std::string(to_string(VrrpDecodeError::kBadType)) == "bad_type");
    CHECK(std::string(to_string(VrrpDecodeError::kLengthMismatch)) == "length_mismatch");
    CHECK(std::string(to_string(VrrpDecodeError::kBadChecksum)) == "bad_checksum");
    CHECK(std::string(to_string(VrrpDecodeError::kZeroInterval)) == "zero_interval");
}

// ------------------------------------------------------------- parameters

TEST_CASE("parameters are validated", "[vrrp]") {
    CHECK(validate(params(100)).empty());
    auto bad = [](auto edit) {
        VrrpParams p = params(100);
        edit(p);
        return !validate(p).empty();
    };
    CHECK(bad([](VrrpParams& p) { p.vrid = 0; }));
    CHECK(bad([](VrrpParams& p) { p.priority = 0; }));
    CHECK(bad([](VrrpParams& p) { p.advert_interval = 5ms; }));
    CHECK(bad([](VrrpParams& p) { p.advert_interval = 205ms; }));
    CHECK(bad([](VrrpParams& p) { p.advert_interval = 41000ms; }));
    CHECK(bad([](VrrpParams& p) { p.primary_ip = {}; }));
    CHECK(bad([](VrrpParams& p) { p.addresses.clear(); }));
    CHECK_THROWS_AS(VrrpInstance([] {
                        VrrpParams p = params(100);
                        p.vrid = 0;
                        return p;
                    }()),
                    std::invalid_argument);
}

// ---------------------------------------------------------- state machine

TEST_CASE("startup: backup, then master after Master_Down_Interval", "[vrrp]") {
    VrrpInstance v(params(100));
    VrrpActions a = v.start(t0);
    CHECK(a.became_backup());
    CHECK(a.transition->from == VrrpState::kInitialize);
    CHECK_FALSE(a.send_advert);
    // Skew = (256 - 100) * 200 ms / 256 = 121.875 ms; MDI = 600 ms + skew.
    CHECK(v.skew_time() == 121875us);
    CHECK(v.master_down_interval() == 721875us);
    REQUIRE(a.deadline);
    CHECK(*a.deadline == t0 + 721875us);

    a = v.on_timer(t0 + 700ms);  // early: nothing
    CHECK_FALSE(a.transition);
    CHECK(*a.deadline == t0 + 721875us);

    a = v.on_timer(t0 + 721875us);
    CHECK(a.became_master());
    CHECK(a.send_advert);
    CHECK(a.send_garp);
    CHECK(a.transition->reason == "master down timer expired");
    CHECK(v.state() == VrrpState::kMaster);
    CHECK(v.master_ip() == ip("10.0.3.1"));
    CHECK(*a.deadline == t0 + 721875us + 200ms);
    CHECK(v.last_transition_reason() == "master down timer expired");
    CHECK(v.last_transition_at() == t0 + 721875us);

    // As master: an advert every interval, from the time of the call.
    a = v.on_timer(*a.deadline);
    CHECK(a.send_advert);
    CHECK_FALSE(a.send_garp);
    CHECK_FALSE(a.transition);
    CHECK(v.counters().became_backup == 1);
    CHECK(v.counters().became_master == 1);
}

TEST_CASE("priority 255 owns the addresses: master at once", "[vrrp]") {
    VrrpInstance v(params(255));
    const VrrpActions a = v.start(t0);
    CHECK(a.became_master());
    CHECK(a.send_advert);
    CHECK(a.send_garp);
    CHECK(a.transition->reason == "address owner (priority 255)");
    CHECK(*a.deadline == t0 + 200ms);
}

TEST_CASE("a backup hears the master and stays backup", "[vrrp]") {
    VrrpInstance v(params(100));
    v.start(t0);
    const Peer m = advert_from("10.0.3.2", 200);
    for (int i = 1; i <= 10; ++i) {
        const VrrpActions a = v.on_packet(t0 + i * 200ms, m.rx);
        CHECK_FALSE(a.transition);
        CHECK(*a.deadline == t0 + i * 200ms + 721875us);
    }
    CHECK(v.master_ip() == ip("10.0.3.2"));
    CHECK(v.counters().adverts_received == 10);
    CHECK(v.state() == VrrpState::kBackup);
}

TEST_CASE("preempt: a higher-priority backup takes over from a lower master", "[vrrp]") {
    VrrpInstance v(params(200));
    v.start(t0);
    const Peer low = advert_from("10.0.3.2", 100);
    VrrpActions a = v.on_packet(t0 + 100ms, low.rx);
    // Ignored: the down timer from startup keeps running.
    const auto mdi = v.master_down_interval();
    CHECK(*a.deadline == t0 + mdi);
    a = v.on_packet(t0 + 300ms, low.rx);
    CHECK(*a.deadline == t0 + mdi);
    a = v.on_timer(t0 + mdi);
    CHECK(a.became_master());
    CHECK(a.transition->reason == "preempted lower priority master 10.0.3.2");
}

TEST_CASE("preempt_delay: a lower master is tolerated for a while", "[vrrp]") {
    VrrpParams p = params(200);
    p.preempt_delay = 2s;
    VrrpInstance v(p);
    v.start(t0);
    const Peer low = advert_from("10.0.3.2", 100);
    VrrpTime t = t0;
    VrrpActions a;
    for (; t < t0 + 2s; t += 200ms) {
        a = v.on_packet(t, low.rx);
        CHECK_FALSE(a.transition);
        CHECK(*a.deadline == t + v.master_down_interval());
    }
    a = v.on_packet(t, low.rx);  // the delay is over: ignored from now on
    const VrrpTime deadline = *a.deadline;
    CHECK(deadline < t + v.master_down_interval());
    a = v.on_timer(deadline);
    CHECK(a.became_master());
}

TEST_CASE("no preempt: a higher-priority backup leaves a lower master alone", "[vrrp]") {
    VrrpParams p = params(200);
    p.preempt = false;
    VrrpInstance v(p);
    v.start(t0);
    const Peer low = advert_from("10.0.3.2", 100);
    for (int i = 1; i <= 20; ++i) {
        const VrrpActions a = v.on_packet(t0 + i * 200ms, low.rx);
        CHECK_FALSE(a.transition);
    }
    CHECK(v.state() == VrrpState::kBackup);
    CHECK(v.master_ip() == ip("10.0.3.2"));
}

TEST_CASE("equal priority: the higher source address wins", "[vrrp]") {
    // We are 10.0.3.1; the peer 10.0.3.2 wins, 10.0.3.0 loses.
    VrrpInstance v(params(100));
    v.start(t0);
    VrrpActions a = v.on_timer(t0 + v.master_down_interval());
    REQUIRE(v.state() == VrrpState::kMaster);

    const Peer lower = advert_from("10.0.3.0", 100);
    a = v.on_packet(t0 + 1s, lower.rx);
    CHECK_FALSE(a.transition);
    CHECK(a.send_advert);

    const Peer higher = advert_from("10.0.3.2", 100);
    a = v.on_packet(t0 + 2s, higher.rx);
    CHECK(a.became_backup());
    CHECK(a.transition->reason == "equal priority advert from higher address 10.0.3.2");
    CHECK_FALSE(a.send_advert);

    // Addresses compare as numbers, not as network-order integers.
    VrrpInstance w(params(100, "10.0.3.200"));
    w.start(t0);
    w.on_timer(t0 + w.master_down_interval());
    a = w.on_packet(t0 + 1s, advert_from("10.0.4.1", 100).rx);
    CHECK(a.became_backup());
}

TEST_CASE("priority 0 from the master: takeover after Skew_Time", "[vrrp]") {
    VrrpInstance v(params(100));
    v.start(t0);
    v.on_packet(t0 + 100ms, advert_from("10.0.3.2", 200).rx);
    const VrrpActions a = v.on_packet(t0 + 200ms, advert_from("10.0.3.2", 0).rx);
    CHECK_FALSE(a.transition);
    CHECK(*a.deadline == t0 + 200ms + v.skew_time());
    CHECK(v.counters().priority_zero_received == 1);
    const VrrpActions b = v.on_timer(*a.deadline);
    CHECK(b.became_master());
    CHECK(b.transition->reason == "master 10.0.3.2 left (priority 0)");
}

TEST_CASE("shutdown: a master sends priority 0, a backup just stops", "[vrrp]") {
    VrrpInstance m(params(255));
    m.start(t0);
    VrrpActions a = m.shutdown(t0 + 1s);
    CHECK(a.send_advert_priority_zero);
    CHECK_FALSE(a.send_advert);
    CHECK(a.transition->to == VrrpState::kInitialize);
    CHECK_FALSE(a.deadline);
    CHECK(m.advert(true).priority == 0);
    m.count_sent(true);
    CHECK(m.counters().priority_zero_sent == 1);
    CHECK(m.counters().adverts_sent == 1);

    VrrpInstance b(params(100));
    b.start(t0);
    a = b.shutdown(t0 + 1s);
    CHECK_FALSE(a.send_advert_priority_zero);
    CHECK(a.transition->to == VrrpState::kInitialize);
    // Stopped instances ignore packets and timers, and can start again.
    CHECK_FALSE(b.on_packet(t0 + 2s, advert_from("10.0.3.2", 200).rx).transition);
    CHECK(b.start(t0 + 3s).became_backup());
}

TEST_CASE("a master hearing a lower priority advertises at once and re-ARPs", "[vrrp]") {
    VrrpInstance v(params(200));
    v.start(t0);
    v.on_timer(t0 + v.master_down_interval());
    REQUIRE(v.state() == VrrpState::kMaster);
    const VrrpActions a = v.on_packet(t0 + 2s, advert_from("10.0.3.2", 100).rx);
    CHECK(a.send_advert);
    CHECK(a.send_garp);
    CHECK_FALSE(a.transition);
    CHECK(*a.deadline == t0 + 2s + 200ms);
    CHECK(a.notice ==
          "advert from 10.0.3.2 (priority 100, ours 200) loses to us, advertising at once");

    // A leaving master (priority 0) gets an advert, and the ARP caches that
    // may have learned its MAC are taken back.
    const VrrpActions z = v.on_packet(t0 + 3s, advert_from("10.0.3.3", 0).rx);
    CHECK(z.send_advert);
    CHECK(z.send_garp);
}

TEST_CASE("a master hearing a higher priority becomes backup", "[vrrp]") {
    VrrpInstance v(params(255));
    v.start(t0);
    VrrpInstance w(params(100));
    w.start(t0);
    w.on_timer(t0 + w.master_down_interval());
    const VrrpActions a = w.on_packet(t0 + 2s, advert_from("10.0.3.2", 150).rx);
    CHECK(a.became_backup());
    CHECK(a.transition->reason == "higher priority advert from 10.0.3.2");
    // It says it leaves the master role (priority 0), so that the winner
    // re-ARPs even if it never heard one of our adverts (a healed split brain).
    CHECK(a.send_advert_priority_zero);
    CHECK_FALSE(a.send_advert);
    CHECK(w.master_ip() == ip("10.0.3.2"));
    CHECK(*a.deadline == t0 + 2s + w.master_down_interval());
}

TEST_CASE("a backup learns the master's interval", "[vrrp]") {
    VrrpInstance v(params(100));  // 200 ms of our own
    v.start(t0);
    const VrrpActions a = v.on_packet(t0 + 100ms, advert_from("10.0.3.2", 200, 100).rx);  // 1 s
    CHECK(v.effective_advert_interval() == 1s);
    // MDI = 3 s + (156 / 256) s.
    CHECK(v.master_down_interval() == 3s + 609375us);
    CHECK(*a.deadline == t0 + 100ms + 3s + 609375us);
    CHECK(v.counters().interval_mismatch == 1);
    CHECK(a.notice ==
          "advert from 10.0.3.2 has interval 1000 ms, ours 200 ms (a backup uses the master's)");
    // Logged once, counted every time.
    const VrrpActions again = v.on_packet(t0 + 1s, advert_from("10.0.3.2", 200, 100).rx);
    CHECK(again.notice.empty());
    CHECK(v.counters().interval_mismatch == 2);
    // As master again, our own interval is the one we send.
    v.on_timer(*again.deadline);
    CHECK(v.effective_advert_interval() == 200ms);
    CHECK(v.advert().max_advert_centis == 20);
}

TEST_CASE("drops and mismatches are counted", "[vrrp]") {
    VrrpInstance v(params(100));
    v.start(t0);
    Peer p = advert_from("10.0.3.2", 200);
    p.rx.ttl = 254;
    v.on_packet(t0, p.rx);
    CHECK(v.counters().bad_ttl == 1);

    Peer c = advert_from("10.0.3.2", 200);
    c.bytes[2] = 201;  // checksum no longer matches
    v.on_packet(t0, c.rx);
    CHECK(v.counters().bad_checksum == 1);

    Peer ver = advert_from("10.0.3.2", 200);
    ver.bytes[0] = 0x21;
    v.on_packet(t0, ver.rx);
    CHECK(v.counters().bad_version == 1);

    Peer type = advert_from("10.0.3.2", 200);
    type.bytes[0] = 0x32;
    v.on_packet(t0, type.rx);
    CHECK(v.counters().bad_type == 1);
    Peer len = advert_from("10.0.3.2", 200);
    len.rx.message = std::span(len.bytes).first(10);
    v.on_packet(t0, len.rx);
    CHECK(v.counters().length_mismatch == 1);
    len.rx.message = std::span(len.bytes).first(4);
    v.on_packet(t0, len.rx);
    CHECK(v.counters().too_short == 1);
    CHECK(v.counters().adverts_received == 0);
    CHECK(v.master_ip().is_unspecified());

    // Another VRID is not ours and not an error.
    VrrpAdvert other;
    other.vrid = 52;
    other.priority = 200;
    other.max_advert_centis = 20;
    other.addresses = {ip("10.0.3.100")};
    Peer o = advert_from("10.0.3.2", 200);
    o.bytes = vrrp_encode(other, ip("10.0.3.2"), kGroup);
    o.rx.message = o.bytes;
    v.on_packet(t0, o.rx);
    CHECK(v.counters().adverts_received == 0);

    // A different address list is counted and still processed (5.2.9 MAY).
    const VrrpActions a =
        v.on_packet(t0 + 10ms, advert_from("10.0.3.2", 200, 20, {ip("10.0.3.101")}).rx);
    CHECK(v.counters().address_mismatch == 1);
    CHECK(a.notice.find("lists other addresses than ours") != std::string::npos);
    CHECK(v.counters().adverts_received == 1);
    CHECK(v.master_ip() == ip("10.0.3.2"));
    CHECK(*a.deadline == t0 + 10ms + v.master_down_interval());
}

// ------------------------------------------------------------------ IPv6

namespace {

// The one's-complement sum of bytes, folded: an independent check of the
// IPv6 pseudo-header (RFC 8200 8.1) the codec builds.
uint16_t folded_sum(const std::vector<uint8_t>& bytes) {
    uint32_t sum = 0;
    for (size_t i = 0; i < bytes.size(); i += 2) {
        sum += uint32_t{bytes[i]} << 8 | (i + 1 < bytes.size() ? bytes[i + 1] : 0);
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

VrrpParams params6(uint8_t priority, const char* primary = "fe80::1") {
    VrrpParams p = params(priority);
    p.primary_ip = ip6(primary);
    p.addresses = {ip6("2001:db8:1::1"), ip6("2001:db8:10::80")};
    return p;
}

Peer advert6_from(const char* src, uint8_t priority, uint8_t hop_limit = 255) {
    VrrpAdvert a;
    a.vrid = 51;
    a.priority = priority;
    a.max_advert_centis = 20;
    a.addresses = {ip6("2001:db8:1::1"), ip6("2001:db8:10::80")};
    Peer p;
    p.bytes = vrrp_encode(a, ip6(src), kGroup6);
    p.rx.src = ip6(src);
    p.rx.dst = kGroup6;
    p.rx.ttl = hop_limit;
    p.rx.message = p.bytes;
    return p;
}

}  // namespace

TEST_CASE("IPv6 advert: 16-byte addresses, checksum over the IPv6 pseudo-header", "[vrrp][ipv6]") {
    CHECK(vrrp_address_string(kGroup6) == "ff02::12");
    VrrpAdvert a;
    a.vrid = 51;
    a.priority = 100;
    a.max_advert_centis = 20;
    a.addresses = {ip6("2001:db8:1::1"), ip6("2001:db8:10::80")};
    const IpAddress src = ip6("fe80::200:ff:fe00:2");
    const std::vector<uint8_t> m = vrrp_encode(a, src, kGroup6);
    REQUIRE(m.size() == 8 + 2 * 16);
    CHECK(m.size() == vrrp_message_len(2, AddressFamily::kIpv6));
    CHECK(m[0] == 0x31);
    CHECK(m[1] == 51);
    CHECK(m[2] == 100);
    CHECK(m[3] == 2);
    CHECK(m[4] == 0);
    CHECK(m[5] == 20);
    CHECK(std::memcmp(&m[8], ip6("2001:db8:1::1").bytes.data(), 16) == 0);
    CHECK(std::memcmp(&m[24], ip6("2001:db8:10::80").bytes.data(), 16) == 0);

    // Source, destination, 32-bit length, 3 zero bytes, next header 112,
    // then the message: sums to 0xffff with the checksum the codec wrote.
    std::vector<uint8_t> pseudo(src.bytes.begin(), src.bytes.end());
    pseudo.insert(pseudo.end(), kGroup6.bytes.begin(), kGroup6.bytes.end());
    pseudo.insert(pseudo.end(), {0, 0, 0, static_cast<uint8_t>(m.size()), 0, 0, 0, 112});
    pseudo.insert(pseudo.end(), m.begin(), m.end());
    CHECK(folded_sum(pseudo) == 0xffff);

    const VrrpDecodeResult r = vrrp_decode(m, src, kGroup6);
    REQUIRE(r.ok());
    CHECK(r.advert.vrid == 51);
    CHECK(r.advert.addresses == a.addresses);
    CHECK(r.advert.addresses[0].is_v6());

    // Another link-local source breaks the checksum; read as IPv4 (4-byte
    // addresses) the length does not match.
    CHECK(vrrp_decode(m, ip6("fe80::200:ff:fe00:3"), kGroup6).error ==
          VrrpDecodeError::kBadChecksum);
    CHECK(vrrp_decode(m, ip("10.0.3.2"), kGroup).error == VrrpDecodeError::kLengthMismatch);
    std::vector<uint8_t> longer = m;
    longer.push_back(0);
    CHECK(vrrp_decode(longer, src, kGroup6).error == VrrpDecodeError::kLengthMismatch);
}

TEST_CASE("IPv6: one family per advert and per instance", "[vrrp][ipv6]") {
    VrrpAdvert a;
    a.vrid = 1;
    a.priority = 1;
    a.max_advert_centis = 100;
    a.addresses = {ip6("2001:db8::1"), ip("10.0.0.1")};
    CHECK(vrrp_encode(a, ip6("fe80::1"), kGroup6).empty());
    a.addresses = {ip("10.0.0.1")};
    CHECK(vrrp_encode(a, ip6("fe80::1"), kGroup6).empty());

    CHECK(validate(params6(100)).empty());
    VrrpParams mixed = params6(100);
    mixed.addresses.push_back(ip("10.0.3.100"));
    CHECK(validate(mixed).find("not of the instance's family") != std::string::npos);
}

TEST_CASE("IPv6 instance: hop limit 255 only, higher link-local wins a tie", "[vrrp][ipv6]") {
    VrrpInstance v(params6(100, "fe80::1"));
    v.start(t0);
    REQUIRE(v.state() == VrrpState::kBackup);

    // 5.1.2.3: a hop limit other than 255 is discarded and counted.
    VrrpActions a = v.on_packet(t0 + 10ms, advert6_from("fe80::2", 200, 254).rx);
    CHECK(v.counters().bad_ttl == 1);
    CHECK(v.counters().adverts_received == 0);

    // A valid higher-priority master is learned, by its link-local address.
    const Peer good = advert6_from("fe80::2", 200);
    a = v.on_packet(t0 + 20ms, good.rx);
    CHECK(v.counters().adverts_received == 1);
    CHECK(v.master_ip() == ip6("fe80::2"));
    CHECK(v.counters().address_mismatch == 0);

    // With no more adverts it takes over after Master_Down_Interval.
    a = v.on_timer(t0 + 20ms + v.master_down_interval());
    REQUIRE(a.became_master());
    CHECK(a.send_garp);
    CHECK(v.master_ip() == ip6("fe80::1"));

    // Equal priority from a higher address: that one wins (6.4.3).
    a = v.on_packet(t0 + 2s, advert6_from("fe80::2", 100).rx);
    CHECK(a.became_backup());
    CHECK(a.send_advert_priority_zero);

    // Equal priority from a lower address loses to a master at fe80::3.
    VrrpInstance w(params6(100, "fe80::3"));
    w.start(t0);
    w.on_timer(t0 + w.master_down_interval());
    REQUIRE(w.state() == VrrpState::kMaster);
    a = w.on_packet(t0 + 3s, advert6_from("fe80::2", 100).rx);
    CHECK(w.state() == VrrpState::kMaster);
    CHECK(a.send_advert);
}
