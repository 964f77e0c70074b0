// The restart state file (control/conn_state_file.hpp) and the id lookup a
// restored or synced record goes through (control/record_ids.hpp).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "control/config/config.hpp"
#include "control/conn_state_file.hpp"
#include "control/record_ids.hpp"
#include "control/snapshot_builder.hpp"
#include "dataplane/flow_hash.hpp"
#include "sync_record_fixture.hpp"

using namespace dvs;
using namespace dvs::control;
using dataplane::ConnState;
using dataplane::SyncOp;
using dataplane::SyncRecord;

namespace {

SyncRecord conn(uint16_t client_port, uint32_t timeout) {
    return test::nat_sync_record(client_port, timeout);
}

SyncRecord persistence_template() {
    SyncRecord r = conn(0, 250);
    r.client_port = 0;
    r.proto = 6 | dataplane::kTemplateProtoFlag;
    r.state = ConnState::kTemplate;
    return r;
}

struct TempPath {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("dvs-state-" + std::to_string(::getpid()) + ".bin"))
                           .string();
    ~TempPath() {
        std::filesystem::remove(path);
        std::filesystem::remove(path + ".tmp");
    }
};

void flip_byte(const std::string& path, std::streamoff at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(at);
    char c = 0;
    f.get(c);
    f.seekp(at);
    f.put(static_cast<char>(c ^ 0x40));
}

dataplane::Ip6 ip6(const char* text) {
    dataplane::Ip6 a;
    REQUIRE(inet_pton(AF_INET6, text, a.b) == 1);
    return a;
}

SyncRecord conn6(uint16_t client_port, uint32_t timeout) {
    return test::nat6_sync_record(client_port, timeout);
}

uint8_t file_version(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    f.seekg(4);
    return static_cast<uint8_t>(f.get());
}

}  // namespace

TEST_CASE("state file round trip keeps every record and the save time", "[restart]") {
    TempPath tmp;
    SavedConnections saved;
    saved.saved_at_ms = 1764900000123;
    for (uint16_t p = 40000; p < 40100; ++p) saved.records.push_back(conn(p, 800 + p % 7));
    saved.records.push_back(persistence_template());
    write_conn_state_file(tmp.path, saved);
    CHECK_FALSE(std::filesystem::exists(tmp.path + ".tmp"));

    const SavedConnections back = read_conn_state_file(tmp.path);
    CHECK(back.saved_at_ms == saved.saved_at_ms);
    REQUIRE(back.records.size() == saved.records.size());
    for (size_t i = 0; i < back.records.size(); ++i) {
        CHECK(test::same_wire_fields(saved.records[i], back.records[i]));
    }
    CHECK(back.records.back().is_template());
}

TEST_CASE("state file: an empty table is a valid file", "[restart]") {
    TempPath tmp;
    write_conn_state_file(tmp.path, {42, {}});
    const SavedConnections back = read_conn_state_file(tmp.path);
    CHECK(back.saved_at_ms == 42);
    CHECK(back.records.empty());
}

TEST_CASE("state file: damage is refused as a whole, naming the file", "[restart]") {
    TempPath tmp;
    SavedConnections saved{1, {conn(40000, 900), conn(40001, 900)}};
    write_conn_state_file(tmp.path, saved);
    const auto message = [&] {
        try {
            read_conn_state_file(tmp.path);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    SECTION("a flipped record byte") {
        flip_byte(tmp.path, 24 + 32 + 5);
        CHECK(message() == tmp.path + ": checksum mismatch (the file was altered or torn)");
    }
    SECTION("a torn file") {
        std::filesystem::resize_file(tmp.path, 24 + 32 + 7);
        CHECK(message().find("not the 2 records its header announces") != std::string::npos);
    }
    SECTION("another file") {
        flip_byte(tmp.path, 0);
        CHECK(message() == tmp.path + ": not a connection state file");
    }
    SECTION("another version") {
        flip_byte(tmp.path, 4);
        CHECK(message().find("this dvsd reads versions 1 and 2") != std::string::npos);
    }
    SECTION("no file") {
        std::filesystem::remove(tmp.path);
        CHECK(message().rfind(tmp.path + ": cannot open", 0) == 0);
    }
}

TEST_CASE("restored records get this run's ids by address, and capped timeouts", "[restart]") {
    const Config config = load_config_file("configs/good-full.yaml");
    const auto built = build_snapshot(config, 1, 1);
    const dataplane::Snapshot& snap = *built;
    // good-full.yaml's first service and its first real server.
    const ServiceConfig& svc = config.services.at(0);
    const RealServerConfig& rs = svc.real_servers.at(0);
    SyncRecord r = conn(40000, 10 * 24 * 3600);
    r.vip = htonl(svc.vip.to_v4());
    r.vport = htons(svc.port);
    r.proto = static_cast<uint8_t>(svc.protocol);
    r.state = svc.protocol == Protocol::kUdp ? ConnState::kUdp : ConnState::kTcpEstablished;
    r.rs_ip = htonl(rs.address.to_v4());
    r.rs_port = htons(rs.port == 0 ? svc.port : rs.port);
    r.method = static_cast<uint8_t>(rs.forward);
    bool capped = false;
    REQUIRE(assign_record_ids(r, snap, capped) == RecordIds::kOk);
    CHECK(capped);
    CHECK(r.timeout < 10 * 24 * 3600);
    CHECK(snap.real_servers.at(r.rs_id).ip == htonl(rs.address.to_v4()));
    CHECK(record_owner(r, 4) < 4);

    SyncRecord gone = r;
    gone.rs_ip = htonl(0x0a0000fe);  // no server at this address
    CHECK(assign_record_ids(gone, snap, capped) == RecordIds::kUnknownServer);
    SyncRecord other = r;
    other.vip = htonl(0xc00002fe);
    CHECK(assign_record_ids(other, snap, capped) == RecordIds::kUnknownService);
}

TEST_CASE("state file: IPv6 connections make a version 2 file (issue 15)", "[restart]") {
    TempPath tmp;
    SavedConnections saved;
    saved.saved_at_ms = 1764900000999;
    saved.records = {conn(40000, 900), conn6(50000, 800), persistence_template(),
                     conn6(50001, 700)};
    write_conn_state_file(tmp.path, saved);
    CHECK(file_version(tmp.path) == 2);
    CHECK(std::filesystem::file_size(tmp.path) == 28 + 2 * 32 + 2 * 64);
    const SavedConnections back = read_conn_state_file(tmp.path);
    CHECK(back.saved_at_ms == saved.saved_at_ms);
    REQUIRE(back.records.size() == 4);
    // IPv4 records first, then the IPv6 ones, each in the order given.
    CHECK(test::same_wire_fields(saved.records[0], back.records[0]));
    CHECK(back.records[1].is_template());
    CHECK(test::same_wire_fields6(saved.records[1], back.records[2]));
    CHECK(test::same_wire_fields6(saved.records[3], back.records[3]));

    // Without IPv6 connections the file stays version 1 (a dvsd from
    // before IPv6 reads it).
    write_conn_state_file(tmp.path, {1, {conn(40000, 900)}});
    CHECK(file_version(tmp.path) == 1);
    CHECK(read_conn_state_file(tmp.path).records.size() == 1);

    // Damage to an IPv6 record is caught by the checksum too.
    write_conn_state_file(tmp.path, saved);
    flip_byte(tmp.path, 28 + 2 * 32 + 64 + 10);
    CHECK_THROWS_WITH(read_conn_state_file(tmp.path),
                      tmp.path + ": checksum mismatch (the file was altered or torn)");
}

TEST_CASE("restored IPv6 records get this run's ids by address", "[restart]") {
    const Config config = load_config_text(R"(
dataplane: { eal: ["--no-pci"], workers: 1, conn_capacity: 65536 }
ports:
  - { name: wan, device: net_null0, addresses: [10.0.1.1/24, "2001:db8:1::1/64"] }
  - { name: lan, device: net_null1, addresses: [10.0.0.1/24, "2001:db8:2::1/64"] }
services:
  - name: web6
    vip: "2001:db8:10::80"
    port: 80
    protocol: tcp
    scheduler: rr
    real_servers:
      - { address: "2001:db8:2::12", port: 8080, forward: nat }
      - { address: "2001:db8:2::11", port: 8080, forward: nat }
)",
                                           "v6.yaml");
    const auto built = build_snapshot(config, 1, 1);
    const dataplane::Snapshot& snap = *built;
    SyncRecord r = conn6(50000, 600);
    bool capped = false;
    REQUIRE(assign_record_ids(r, snap, capped) == RecordIds::kOk);
    CHECK_FALSE(capped);
    CHECK(snap.real_servers.at(r.rs_id).ip6 == ip6("2001:db8:2::11"));
    CHECK(snap.services.at(r.service_id).v6);
    CHECK(record_owner(r, 4) == dataplane::owner_core(r.client_ip6, r.client_port, 4));

    SyncRecord gone = r;
    gone.rs_ip6 = ip6("2001:db8:2::99");
    CHECK(assign_record_ids(gone, snap, capped) == RecordIds::kUnknownServer);
    SyncRecord other = r;
    other.vip6 = ip6("2001:db8:10::81");
    CHECK(assign_record_ids(other, snap, capped) == RecordIds::kUnknownService);
    // An IPv4 server with the same low bits is not an IPv6 one.
    SyncRecord v4 = test::nat_sync_record(40000);
    CHECK(assign_record_ids(v4, snap, capped) == RecordIds::kUnknownService);
}
