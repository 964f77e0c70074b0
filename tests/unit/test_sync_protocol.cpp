// The connection sync wire format (control/sync_protocol.hpp).
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <vector>

#include "control/ha/sync_protocol.hpp"
#include "sync_record_fixture.hpp"

using namespace dvs;
using namespace dvs::control::sync;
using dataplane::ConnState;
using dataplane::SyncOp;
using dataplane::SyncRecord;

namespace {

SyncRecord nat_conn(uint16_t client_port) {
    SyncRecord r = test::nat_sync_record(client_port);
    r.service_id = 7;  // local ids never travel
    r.rs_id = 9;
    return r;
}

std::vector<uint8_t> bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

const Session kSession{0xdeadbeef, 1700000000123};

}  // namespace

TEST_CASE("sync datagrams round-trip records, header and sequence", "[sync]") {
    DatagramBuilder b;
    b.start(41, kSession);
    REQUIRE(b.empty());
    SyncRecord tmpl = nat_conn(0);
    tmpl.proto = 6 | dataplane::kTemplateProtoFlag;
    tmpl.state = ConnState::kTemplate;
    tmpl.client_ip = htonl(0x0a000100);
    SyncRecord gone = nat_conn(40001);
    gone.op = SyncOp::kRemove;
    SyncRecord udp = nat_conn(5353);
    udp.proto = 17;
    udp.state = ConnState::kUdp;
    udp.method = dataplane::kMethodDr;
    for (const SyncRecord& r : {nat_conn(40000), tmpl, gone, udp}) b.add(r);
    const std::vector<uint8_t> d = bytes(b.finish(nullptr));
    REQUIRE(d.size() == kHeaderSize + 4 * kRecordSize);
    // "DVSY", version 2, type 1, count 4, seq 41, sender, started: big-endian.
    CHECK(d[0] == 'D');
    CHECK(d[3] == 'Y');
    CHECK(d[4] == 2);
    CHECK(d[5] == 1);
    CHECK(d[7] == 4);
    CHECK(d[11] == 41);
    CHECK(d[12] == 0xde);
    CHECK(d[23] == (1700000000123 & 0xff));
    CHECK(d[24] == 0);  // not signed

    const Message m = decode(d, nullptr);
    REQUIRE(m.error == DecodeError::kNone);
    CHECK(m.header.type == MessageType::kConnections);
    CHECK(m.header.seq == 41);
    CHECK(m.header.session == kSession);
    REQUIRE(m.records.size() == 4);
    const SyncRecord& r = m.records[0];
    const SyncRecord e = nat_conn(40000);
    CHECK(r.client_ip == e.client_ip);
    CHECK(r.vip == e.vip);
    CHECK(r.rs_ip == e.rs_ip);
    CHECK(r.client_port == e.client_port);
    CHECK(r.vport == e.vport);
    CHECK(r.rs_port == e.rs_port);
    CHECK(r.state == ConnState::kTcpEstablished);
    CHECK(r.timeout == 899);
    CHECK(r.service_id == 0);
    CHECK(r.rs_id == 0);
    CHECK(m.records[1].is_template());
    CHECK(m.records[2].op == SyncOp::kRemove);
    CHECK(m.records[3].method == dataplane::kMethodDr);
}

TEST_CASE("a full datagram holds kMaxRecords", "[sync]") {
    DatagramBuilder b;
    b.start(1, kSession);
    for (size_t i = 0; i < kMaxRecords; ++i) b.add(nat_conn(static_cast<uint16_t>(1000 + i)));
    REQUIRE(b.full());
    const SyncKey key(std::string(64, 'k'));
    const std::vector<uint8_t> d = bytes(b.finish(&key));  // signed: the largest
    CHECK(d.size() <= kMaxDatagram);
    CHECK(decode(d, &key).records.size() == kMaxRecords);
}

TEST_CASE("full transfer request and end", "[sync]") {
    const Message req = decode(encode_full_request(3, kSession, 77, nullptr), nullptr);
    REQUIRE(req.error == DecodeError::kNone);
    CHECK(req.header.type == MessageType::kFullRequest);
    CHECK(req.transfer == 77);
    const Message end = decode(encode_full_end(5, kSession, 77, 10000, nullptr), nullptr);
    REQUIRE(end.error == DecodeError::kNone);
    CHECK(end.header.type == MessageType::kFullEnd);
    CHECK(end.transfer == 77);
    CHECK(end.total == 10000);
}

TEST_CASE("malformed sync datagrams are refused with a reason", "[sync]") {
    DatagramBuilder b;
    b.start(1, kSession);
    b.add(nat_conn(1));
    const std::vector<uint8_t> good = bytes(b.finish(nullptr));
    const auto decode = [](const std::vector<uint8_t>& d) {
        return dvs::control::sync::decode(d, nullptr);
    };

    CHECK(decode(std::vector<uint8_t>(good.begin(), good.begin() + 10)).error ==
          DecodeError::kTooShort);
    auto bad = good;
    bad[0] = 'X';
    CHECK(decode(bad).error == DecodeError::kBadMagic);
    bad = good;
    bad[4] = 3;  // a later version: refused, not misread
    CHECK(decode(bad).error == DecodeError::kBadVersion);
    CHECK(decode(bad).version == 3);
    // Version 1 (16-byte header): named as such, even when that short.
    const std::vector<uint8_t> v1 = {'D', 'V', 'S', 'Y', 1, 2, 0, 0, 0, 0,
                                     0,   1,   0,   0,   0, 2, 0, 0, 0, 7};
    CHECK(decode(v1).error == DecodeError::kBadVersion);
    CHECK(decode(v1).version == 1);
    bad = good;
    bad[5] = 0;
    CHECK(decode(bad).error == DecodeError::kBadType);
    bad = good;
    bad[5] = 9;  // a type of a later DVS: skipped, named apart from malformed ones
    CHECK(decode(bad).error == DecodeError::kUnknownType);
    CHECK(decode(bad).header.seq == 1);
    bad = good;
    bad[7] = 2;  // count says 2, one record present
    CHECK(decode(bad).error == DecodeError::kBadLength);
    bad = good;
    bad.push_back(0);
    CHECK(decode(bad).error == DecodeError::kBadLength);
    bad = good;
    bad[kHeaderSize] = 1;  // ICMP is never synced
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize + 1] = static_cast<uint8_t>(ConnState::kCount);
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize + 1] = static_cast<uint8_t>(ConnState::kUdp);  // TCP in a UDP state
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize + 2] = 3;  // no such method
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize + 3] = 0;  // no such op
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize + 24] = 0xff;  // a timeout beyond 30 days: would wrap the wheel
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize + 23] = 1;  // reserved fields are zero: the format has one spelling
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize + 31] = 1;
    CHECK(decode(bad).error == DecodeError::kBadRecord);
    bad = good;
    bad[kHeaderSize - 1] = 1;  // the header's reserved bytes too
    CHECK(decode(bad).error == DecodeError::kBadLength);
    CHECK(std::string(decode_error_name(DecodeError::kBadRecord)) == "bad_record");
}

namespace {

SyncRecord nat6_conn(uint16_t client_port) {
    SyncRecord r = test::nat6_sync_record(client_port);
    r.service_id = 3;  // local ids never travel
    r.rs_id = 4;
    return r;
}

using test::same_wire_fields6;

}  // namespace

TEST_CASE("IPv6 connections travel in datagrams of their own type (issue 15)", "[sync]") {
    DatagramBuilder b(MessageType::kConnections6);
    b.start(5, kSession);
    SyncRecord udp = nat6_conn(5353);
    udp.proto = 17;
    udp.state = ConnState::kUdp;
    udp.method = dataplane::kMethodDr;
    SyncRecord gone = nat6_conn(40001);
    gone.op = SyncOp::kRemove;
    for (const SyncRecord& r : {nat6_conn(40000), udp, gone}) b.add(r);
    b.set_seq(6);  // the number current when it goes
    const std::vector<uint8_t> d = bytes(b.finish(nullptr));
    REQUIRE(d.size() == kHeaderSize + 3 * kRecord6Size);
    CHECK(d[4] == 2);  // still version 2: a new type, not a new version
    CHECK(d[5] == 4);
    CHECK(d[11] == 6);

    const Message m = decode(d, nullptr);
    REQUIRE(m.error == DecodeError::kNone);
    CHECK(m.header.type == MessageType::kConnections6);
    CHECK(m.header.seq == 6);
    REQUIRE(m.records.size() == 3);
    CHECK(same_wire_fields6(nat6_conn(40000), m.records[0]));
    CHECK(same_wire_fields6(udp, m.records[1]));
    CHECK(same_wire_fields6(gone, m.records[2]));
    CHECK(m.records[0].service_id == 0);  // ids stay local
    CHECK(m.records[0].rs_id == 0);

    // Signed like the IPv4 datagrams.
    const SyncKey key(std::string(32, '7'));
    b.start(7, kSession);
    b.add(nat6_conn(1));
    const std::vector<uint8_t> s = bytes(b.finish(&key));
    CHECK(decode(s, &key).error == DecodeError::kNone);
    auto forged = s;
    forged[kHeaderSize + 5] ^= 1;
    CHECK(decode(forged, &key).error == DecodeError::kBadTag);

    // A full datagram, and the malformed ones.
    b.start(8, kSession);
    while (!b.full()) b.add(nat6_conn(static_cast<uint16_t>(1000 + b.size())));
    CHECK(b.size() == kMaxRecords6);
    CHECK(b.finish(&key).size() <= kMaxDatagram);
    auto bad = d;
    bad[kHeaderSize + 58] = 1;  // reserved
    CHECK(decode(bad, nullptr).error == DecodeError::kBadRecord);
    bad = d;
    bad[kHeaderSize] = 6 | dataplane::kTemplateProtoFlag;  // templates: kTemplates6 only
    bad[kHeaderSize + 1] = static_cast<uint8_t>(ConnState::kTemplate);
    CHECK(decode(bad, nullptr).error == DecodeError::kBadRecord);
    bad = d;
    bad.resize(kHeaderSize + 2 * kRecord6Size + kRecordSize);  // an IPv4 record's size
    CHECK(decode(bad, nullptr).error == DecodeError::kBadLength);

    // What a peer from before IPv6 records makes of such a datagram: a type
    // it does not know, refused alone (IPv4 datagrams still pass).
    bad = d;
    bad[5] = 6;
    CHECK(decode(bad, nullptr).error == DecodeError::kUnknownType);
}

// IPv6 persistence templates came after IPv6 connections: a type of their
// own, so a peer that knows kConnections6 but not them skips them alone
// (kUnknownType, counted) and keeps the connections.
TEST_CASE("IPv6 templates travel as kTemplates6, apart from IPv6 connections", "[sync]") {
    SyncRecord t = nat6_conn(0);
    t.proto = 6 | dataplane::kTemplateProtoFlag;
    t.state = ConnState::kTemplate;
    t.client_ip6.b[15] = 0;  // the client's /64
    t.timeout = 300;
    DatagramBuilder b(MessageType::kTemplates6);
    b.start(9, kSession);
    b.add(t);
    const std::vector<uint8_t> d = bytes(b.finish(nullptr));
    REQUIRE(d.size() == kHeaderSize + kRecord6Size);
    CHECK(d[5] == 5);
    const Message m = decode(d, nullptr);
    REQUIRE(m.error == DecodeError::kNone);
    CHECK(m.header.type == MessageType::kTemplates6);
    REQUIRE(m.records.size() == 1);
    CHECK(same_wire_fields6(t, m.records[0]));
    CHECK(m.records[0].is_template());

    // A connection in a templates datagram is refused, as a template in a
    // connections datagram is.
    DatagramBuilder c(MessageType::kTemplates6);
    c.start(10, kSession);
    c.add(nat6_conn(40000));
    CHECK(decode(bytes(c.finish(nullptr)), nullptr).error == DecodeError::kBadRecord);
    DatagramBuilder mixed(MessageType::kConnections6);
    mixed.start(11, kSession);
    mixed.add(t);
    CHECK(decode(bytes(mixed.finish(nullptr)), nullptr).error == DecodeError::kBadRecord);
}
