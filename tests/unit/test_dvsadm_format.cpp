// dvsadm's output against golden files, and the whole program run
// in-process against a management server with a fake daemon behind it.
//
// The golden files (golden/dvsadm/*.txt) were written by a separate script
// that applies ipvsadm 1.31's printf formats (print_title,
// print_service_entry, print_largenum, list_conn, list_timeout) to the
// canned answers in golden/dvsadm/*_response.json, so they show what
// ipvsadm prints for the same table.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "common/text_codec.hpp"
#include "dvsadm/app.hpp"
#include "dvsadm/client.hpp"
#include "dvsadm/formatter.hpp"
#include "dvsadm/parser.hpp"
#include "dvsadm/request.hpp"
#include "test_mgmt_support.hpp"

using namespace dvs::dvsadm;
using dvs::test::FakeDaemon;
using dvs::test::read_file;
using dvs::test::ServerThread;
using dvs::test::TempDir;
using nlohmann::json;
namespace mgmt = dvs::mgmt;

namespace {

const std::string kGolden = "golden/dvsadm/";

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

mgmt::ListResponse canned_list() {
    return mgmt::parse_list_response(json::parse(read_file(kGolden + "list_response.json")));
}

ListOptions options(bool stats = false, bool rate = false, bool exact = false) {
    ListOptions o;
    o.numeric = true;
    o.stats = stats;
    o.rate = rate;
    o.exact = exact;
    return o;
}

// Requests as comparable text, order-independent.
std::vector<std::string> sorted_dumps(const std::vector<json>& requests) {
    std::vector<std::string> out;
    for (const json& r : requests) out.push_back(r.dump());
    std::sort(out.begin(), out.end());
    return out;
}

struct Run {
    int code = 0;
    std::string out;
    std::string err;
};

Run dvsadm(const std::vector<std::string>& args, const std::string& stdin_text = "",
           const char* socket_env = nullptr) {
    std::istringstream in(stdin_text);
    std::ostringstream out;
    std::ostringstream err;
    Run r;
    r.code = run(args, Environment{in, out, err, socket_env});
    r.out = out.str();
    r.err = err.str();
    return r;
}

}  // namespace

TEST_CASE("-L -n, --stats, --rate, --exact, --tun-info print what ipvsadm prints", "[dvsadm]") {
    const mgmt::ListResponse list = canned_list();
    CHECK(format_list(list, options()) == read_file(kGolden + "list_numeric.txt"));
    CHECK(format_list(list, options(true)) == read_file(kGolden + "list_stats.txt"));
    CHECK(format_list(list, options(true, false, true)) ==
          read_file(kGolden + "list_stats_exact.txt"));
    CHECK(format_list(list, options(false, true)) == read_file(kGolden + "list_rate.txt"));
    ListOptions tun = options();
    tun.tun_info = true;
    CHECK(format_list(list, tun) == read_file(kGolden + "list_tun_info.txt"));

    // One service: no header, as ipvsadm's list_service.
    const mgmt::ServiceKey shop{dvs::IpAddress::v4((192u << 24) | (2u << 8) | 10u), 443,
                                dvs::Protocol::kTcp};
    CHECK(format_list(list, options(), shop) == read_file(kGolden + "list_service.txt"));
    mgmt::ServiceKey missing = shop;
    missing.port = 444;
    CHECK_THROWS_MATCHES(format_list(list, options(), missing), LookupError,
                         Catch::Message("No such service: tcp 192.0.2.10:444"));

    // --nosort keeps dvsd's order.
    ListOptions nosort = options();
    nosort.nosort = true;
    const std::string unsorted = format_list(list, nosort);
    CHECK(unsorted.find("UDP  192.0.2.10:53") < unsorted.find("TCP  192.0.2.10:80"));
    CHECK(unsorted.find("10.0.0.13:8080") < unsorted.find("10.0.0.11:8080"));

    // An empty table is the header and the title.
    CHECK(format_list(mgmt::ListResponse{}, options()) ==
          "IP Virtual Server version 1.2.1 (size=4096)\n"
          "Prot LocalAddress:Port Scheduler Flags\n"
          "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

TEST_CASE("-L shows the effective weight, -S saves the configured one", "[dvsadm]") {
    mgmt::ListResponse list = canned_list();
    const std::string saved = format_save(list);
    const std::string listed = format_list(list, options());
    // dvsd reports a failed check (0) and an agent at half weight.
    // TCP 192.0.2.10:80 lists first, so its servers' rows are found first.
    const auto web = std::find_if(list.services.begin(), list.services.end(), [](const auto& s) {
        return s.key.port == 80 && s.key.protocol == dvs::Protocol::kTcp;
    });
    REQUIRE(web != list.services.end());
    REQUIRE(web->real_servers.size() >= 2);
    mgmt::RealServerInfo& down = web->real_servers[0];
    mgmt::RealServerInfo& halved = web->real_servers[1];
    down.effective_weight = 0;
    halved.effective_weight = halved.weight / 2;
    const std::string now = format_list(list, options());
    CHECK(now != listed);
    // The first listing row of a server.
    const auto row_in = [](const std::string& listing, const mgmt::RealServerInfo& rs) {
        const std::string dest =
            dvs::text::format_ip(rs.key.address) + ":" + std::to_string(rs.key.port);
        const size_t at = listing.find("  -> " + dest);
        REQUIRE(at != std::string::npos);
        return listing.substr(at, listing.find('\n', at) - at);
    };
    const auto row = [&](const mgmt::RealServerInfo& rs) { return row_in(now, rs); };
    CHECK(row(down).find(" 0      ") != std::string::npos);
    CHECK(row(halved).find(" " + std::to_string(halved.weight / 2) + " ") != std::string::npos);
    CHECK(format_save(list) == saved);  // the configured weights, unchanged

    // --verbose: both, configured then effective.
    ListOptions verbose = options();
    verbose.verbose = true;
    const std::string both = format_list(list, verbose);
    CHECK(both.find("  -> RemoteAddress:Port           Forward CfgWeight EffWeight ActiveConn "
                    "InActConn\n") != std::string::npos);
    const auto verbose_row = [&](const mgmt::RealServerInfo& rs) { return row_in(both, rs); };
    char expected[128];
    std::snprintf(expected, sizeof expected, " %-9u %-9u ", down.weight, 0u);
    CHECK(verbose_row(down).find(expected) != std::string::npos);
    std::snprintf(expected, sizeof expected, " %-9u %-9u ", halved.weight, halved.weight / 2);
    CHECK(verbose_row(halved).find(expected) != std::string::npos);
}

TEST_CASE("-c, --timeout and -S print what ipvsadm prints", "[dvsadm]") {
    const mgmt::ListResponse list = canned_list();
    CHECK(format_timeouts(list.timeouts) == read_file(kGolden + "timeout.txt"));
    CHECK(format_save(list) == read_file(kGolden + "save.txt"));
    CHECK(format_conns(mgmt::parse_conns_response(json::parse(
              read_file(kGolden + "conns_response.json")))) == read_file(kGolden + "conns.txt"));
    CHECK(format_status(mgmt::parse_status_response(json::parse(
              read_file(kGolden + "status_response.json")))) == read_file(kGolden + "status.txt"));
}

// A dual-stack table: an IPv6 service (NAT and DR servers, a # dvs: line)
// next to an IPv4 one (issue 15).
mgmt::ListResponse dual_stack_list() {
    return mgmt::parse_list_response(json::parse(R"({"v":1,"ok":true,"services":[
      {"name":"web6","options":"{name: web6}","vip":"2001:db8::10","port":80,"protocol":"tcp",
       "scheduler":"rr","flags":[],"persistence":null,"real_servers":[
        {"address":"2001:db8:2::12","port":80,"weight":1,"forward":"dr","active_conns":0,
         "inactive_conns":1},
        {"address":"2001:db8:2::11","port":8080,"weight":2,"forward":"nat","active_conns":3,
         "inactive_conns":0}]},
      {"name":"web","vip":"192.0.2.10","port":80,"protocol":"tcp","scheduler":"wrr",
       "flags":[],"persistence":null,"real_servers":[
        {"address":"10.0.0.11","port":8080,"weight":1,"forward":"nat","active_conns":0,
         "inactive_conns":0}]}],
      "timeouts":{"tcp":900,"tcp_fin":120,"udp":300}})"));
}

TEST_CASE("IPv6: -L -n, -S and -c print addresses in brackets as ipvsadm does", "[dvsadm]") {
    const mgmt::ListResponse list = dual_stack_list();
    // ipvsadm sorts IPv4 before IPv6 (by family, then address).
    CHECK(format_list(list, options()) ==
          "IP Virtual Server version 1.2.1 (size=4096)\n"
          "Prot LocalAddress:Port Scheduler Flags\n"
          "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
          "TCP  192.0.2.10:80 wrr\n"
          "  -> 10.0.0.11:8080               Masq    1      0          0         \n"
          "TCP  [2001:db8::10]:80 rr\n"
          "  -> [2001:db8:2::11]:8080        Masq    2      3          0         \n"
          "  -> [2001:db8:2::12]:80          Route   1      0          1         \n");
    CHECK(format_save(list) ==
          "-A -t 192.0.2.10:80 -s wrr\n"
          "-a -t 192.0.2.10:80 -r 10.0.0.11:8080 -m -w 1\n"
          "-A -t [2001:db8::10]:80 -s rr\n"
          "# dvs: -t [2001:db8::10]:80 {name: web6}\n"
          "-a -t [2001:db8::10]:80 -r [2001:db8:2::11]:8080 -m -w 2\n"
          "-a -t [2001:db8::10]:80 -r [2001:db8:2::12]:80 -g -w 1\n");
    const mgmt::ServiceKey web6{*dvs::text::parse_ip("2001:db8::10"), 80, dvs::Protocol::kTcp};
    CHECK(format_list(list, options(), web6).find("TCP  [2001:db8::10]:80 rr\n") !=
          std::string::npos);
    mgmt::ServiceKey missing = web6;
    missing.port = 81;
    CHECK_THROWS_MATCHES(format_list(list, options(), missing), LookupError,
                         Catch::Message("No such service: tcp [2001:db8::10]:81"));

    // A persistent IPv6 service: the mask as ipvsadm prints it for IPv6,
    // a prefix length, and only when it is not 128.
    mgmt::ListResponse p = list;
    p.services[0].persistence = mgmt::Persistence{300, 0xffffffff, 64};
    CHECK(format_list(p, options()).find("TCP  [2001:db8::10]:80 rr persistent 300 mask 64\n") !=
          std::string::npos);
    CHECK(format_save(p).find("-A -t [2001:db8::10]:80 -s rr -p 300 -M 64\n") != std::string::npos);
    p.services[0].persistence = mgmt::Persistence{600, 0xffffffff, 128};
    CHECK(format_list(p, options()).find("TCP  [2001:db8::10]:80 rr persistent 600\n") !=
          std::string::npos);
    CHECK(format_save(p).find("-A -t [2001:db8::10]:80 -s rr -p 600\n") != std::string::npos);

    // -S read back by -R: the same requests, the # dvs: line included.
    std::vector<std::string> verbs;
    std::istringstream saved(format_save(list));
    std::string line;
    while (std::getline(saved, line)) {
        auto cmd = parse_restore_line(line);
        REQUIRE(cmd);
        if (cmd->verb == Verb::kServiceOptions) {
            CHECK(cmd->service == web6);
            CHECK(cmd->service_options == "{name: web6}");
            continue;
        }
        verbs.push_back(mgmt::to_json(to_request(*cmd)).dump());
    }
    CHECK(verbs.size() == 5);
    CHECK(std::count_if(verbs.begin(), verbs.end(), [](const std::string& v) {
              return v.find("\"vip\":\"2001:db8::10\"") != std::string::npos;
          }) == 3);

    const mgmt::ConnsResponse conns = mgmt::parse_conns_response(json::parse(R"({"v":1,"ok":true,
      "conns":[{"protocol":"tcp","client":"2001:db8:1::5","client_port":40001,
                "vip":"2001:db8::10","vport":80,"server":"2001:db8:2::11","server_port":8080,
                "state":"ESTABLISHED","expires_in":899},
               {"protocol":"udp","client":"10.0.1.6","client_port":5353,"vip":"192.0.2.10",
                "vport":53,"server":"10.0.0.11","server_port":53,"state":"UDP",
                "expires_in":300}]})"));
    CHECK(format_conns(conns) ==
          "IPVS connection entries\n"
          "pro expire state       source             virtual            destination\n"
          "TCP 14:59  ESTABLISHED [2001:db8:1::5]:40001 [2001:db8::10]:80  [2001:db8:2::11]:8080\n"
          "UDP 05:00  UDP         10.0.1.6:5353      192.0.2.10:53      10.0.0.11:53\n");
}

TEST_CASE("ipvsadm's large-number columns", "[dvsadm]") {
    CHECK(format_largenum(0, false) == "        0");
    CHECK(format_largenum(99999999, false) == " 99999999");
    CHECK(format_largenum(100000000, false) == "  100000K");
    CHECK(format_largenum(999999999, false) == "  999999K");
    CHECK(format_largenum(1000000000, false) == "    1000M");
    CHECK(format_largenum(99999999999ULL, false) == "   99999M");
    CHECK(format_largenum(100000000000ULL, false) == "     100G");
    CHECK(format_largenum(99999999999999ULL, false) == "   99999G");
    CHECK(format_largenum(100000000000000ULL, false) == "     100T");
    CHECK(format_largenum(UINT64_MAX, false) == "18446744T");
    CHECK(format_largenum(12345678, true) == " 12345678");
    CHECK(format_largenum(123456789, true) == " 123456789");
    CHECK(format_largenum(UINT64_MAX, true) == " 18446744073709551615");
}

TEST_CASE("-S output read back by -R's parser gives the same table", "[dvsadm]") {
    const mgmt::ListResponse list = canned_list();
    std::vector<json> expected;
    for (const mgmt::ServiceInfo& s : list.services) {
        mgmt::ServiceSpec spec;
        spec.key = s.key;
        spec.scheduler = s.scheduler;
        spec.flags = s.flags;
        spec.persistence = s.persistence;
        expected.push_back(mgmt::to_json(mgmt::AddServiceRequest{spec}));
        for (const mgmt::RealServerInfo& rs : s.real_servers) {
            expected.push_back(mgmt::to_json(
                mgmt::AddServerRequest{s.key, mgmt::ServerSpec{rs.key, rs.weight, rs.forward}}));
        }
    }

    std::vector<json> restored;
    std::istringstream saved(format_save(list));
    std::string line;
    while (std::getline(saved, line)) {
        INFO(line);
        auto cmd = parse_restore_line(line);
        REQUIRE(cmd);
        restored.push_back(mgmt::to_json(to_request(*cmd)));
    }
    CHECK(sorted_dumps(restored) == sorted_dumps(expected));
}

TEST_CASE("dvsadm ha: VRRP instances, sync, dataplane counters", "[dvsadm]") {
    constexpr int64_t now = 1747742400000;
    mgmt::HaResponse ha;
    ha.enabled = true;
    ha.interface = "ha0";
    // name, vrid, state, priority, advert ms, master, since, reason, counters
    const mgmt::VrrpInstanceInfo master{"vi1",
                                        51,
                                        "MASTER",
                                        200,
                                        200,
                                        dvs::IpAddress::v4(ip(10, 0, 3, 1)),
                                        now - 12345,
                                        "master down timer expired",
                                        {60, 2, 1, 0, 0, 0, 0, 0, 0}};
    ha.sync.configured = true;
    ha.sync.peer = "10.0.3.2:8848";
    ha.sync.records_sent = 1200;
    ha.sync.last_receive_age_s = 0.2;
    ha.sync.full_transfers_received = 1;
    ha.sync.last_full_records = 1000;
    ha.sync.last_full_ms = 35.2;
    ha.dataplane.sync_emitted = 1200;
    ha.dataplane.garps_sent = 6;

    SECTION("a master streaming to its peer") {
        ha.instances = {master};
        ha.vrrp_socket = {70, 1, 2, 0, 0, 4, 3, 0, 0};
        ha.sync.authenticated = true;
        ha.sync.foreign_datagrams = 20;
        ha.sync.unauthenticated = 1699;
        ha.sync.replayed = 3;
        ha.sync.bad_version = 1;
        ha.sync.seq_jumps = 4;
        ha.sync.full_requests_served = 2;
        ha.sync.full_requests_limited = 48;
        ha.sync.ignored_as_master = 64512;
        ha.sync.timeouts_capped = 6;
        CHECK(format_ha(ha, now) ==
              "VRRP on ha0\n"
              "  vi1  vrid 51   MASTER  priority 200  advert 200ms  master 10.0.3.1  since 12.3s "
              "ago (master down timer expired)\n"
              "       adverts sent 60 received 2  became master 1 backup 0  dropped 0\n"
              "  socket: read 70; other vrid 4, not for the group 1, own 2; refused: bad IP 0, "
              "not link-local 0, too short 3; errors: send 0 receive 0\n"
              "Sync with 10.0.3.2:8848 (authenticated)\n"
              "  sent 1200 records, received 0, lost datagrams 0, queued 0 (lag), last received "
              "0.2s ago\n"
              "  full transfers received 1 (last: 1000 connections in 35 ms)\n"
              "  refused: foreign 20, unauthenticated 1699, replayed 3, old version 1; sequence "
              "jumps 4\n"
              "  full-transfer requests honoured 2, rate-limited 48; records ignored as master "
              "64512; timeouts capped 6\n"
              "  dataplane: emitted 1200 lost 0 installed 0 updated 0 removed 0 kept 0 install "
              "failed 0, garps 6, unsolicited NAs 0, ha_backup drops 0\n");
    }

    SECTION("a backup waiting for the table, and an instance not started") {
        const mgmt::VrrpInstanceInfo backup{"vi10",
                                            7,
                                            "BACKUP",
                                            100,
                                            1000,
                                            dvs::IpAddress::v4(ip(10, 0, 3, 2)),
                                            now - 3000,
                                            "higher priority master 10.0.3.2",
                                            {0, 150, 1, 1, 1, 0, 2, 0, 3}};
        const mgmt::VrrpInstanceInfo init{"vi2", 200, "INIT", 50, 1000, {}, 0, "", {}};
        ha.instances = {backup, init};
        ha.sync = {};
        ha.sync.configured = true;
        ha.sync.peer = "10.0.3.1:8848";
        ha.sync.requesting_full = true;
        ha.sync.records_received = 5;
        ha.sync.datagrams_lost = 2;
        ha.sync.last_receive_age_s = -1;
        ha.sync.unknown_server = 3;
        ha.sync.install_ring_full = 1;
        ha.sync.bad_datagrams = 4;
        ha.dataplane = {0, 0, 5, 1, 2, 0, 1, 0, 0, 9};
        CHECK(format_ha(ha, now) ==
              "VRRP on ha0\n"
              "  vi10  vrid 7    BACKUP  priority 100  advert 1000ms  master 10.0.3.2  since 3.0s "
              "ago (higher priority master 10.0.3.2)\n"
              "        adverts sent 0 received 150  became master 1 backup 1  dropped 2\n"
              "        priority 0 sent 1 received 0  mismatched addresses 0 interval 3\n"
              "  vi2   vrid 200  INIT    priority 50   advert 1000ms  master unknown  since start\n"
              "        adverts sent 0 received 0  became master 0 backup 0  dropped 0\n"
              "  socket: read 0; other vrid 0, not for the group 0, own 0; refused: bad IP 0, "
              "not link-local 0, too short 0; errors: send 0 receive 0\n"
              "Sync with 10.0.3.1:8848 (NOT authenticated: no key file) (asking for its table)\n"
              "  sent 0 records, received 5, lost datagrams 2, queued 0 (lag), last received "
              "never\n"
              "  full transfers received 0\n"
              "  not installed: unknown server 3, install ring full 1; bad datagrams 4\n"
              "  refused: foreign 0, unauthenticated 0, replayed 0, old version 0; sequence "
              "jumps 0\n"
              "  full-transfer requests honoured 0, rate-limited 0; records ignored as master "
              "0; timeouts capped 0\n"
              "  dataplane: emitted 0 lost 0 installed 5 updated 1 removed 2 kept 0 install "
              "failed 1, garps 0, unsolicited NAs 0, ha_backup drops 9\n");
    }

    SECTION("no sync peer; no ha section") {
        ha.instances = {master};
        ha.sync = mgmt::HaSyncInfo{};
        ha.dataplane = mgmt::HaDataplaneInfo{};
        const std::string text = format_ha(ha, now);
        CHECK(text.substr(text.find("Sync")) ==
              "Sync not configured (no peer)\n"
              "  dataplane: emitted 0 lost 0 installed 0 updated 0 removed 0 kept 0 install "
              "failed 0, garps 0, unsolicited NAs 0, ha_backup drops 0\n");
        CHECK(format_ha(mgmt::HaResponse{}, now) == "high availability is not configured\n");
        CHECK(format_ha(mgmt::parse_ha_response(mgmt::to_json(mgmt::HaResponse{}))) ==
              "high availability is not configured\n");
    }
}

TEST_CASE("dvsadm end to end against a management server", "[dvsadm]") {
    TempDir dir;
    const std::string path = dir.path + "/dvs.sock";
    FakeDaemon daemon;
    ServerThread server(path, daemon.handler());
    const std::vector<std::string> sock = {"--socket", path};
    auto with_socket = [&](std::vector<std::string> args) {
        args.insert(args.begin(), sock.begin(), sock.end());
        return args;
    };

    SECTION("listings") {
        Run r = dvsadm(with_socket({"-L", "-n"}));
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out == read_file(kGolden + "list_numeric.txt"));
        CHECK(dvsadm(with_socket({"-Ln", "--stats"})).out == read_file(kGolden + "list_stats.txt"));
        CHECK(dvsadm(with_socket({"-l", "--rate"})).out == read_file(kGolden + "list_rate.txt"));
        CHECK(dvsadm(with_socket({"-L", "-c", "-n"})).out == read_file(kGolden + "conns.txt"));
        CHECK(dvsadm(with_socket({"-L", "--timeout"})).out == read_file(kGolden + "timeout.txt"));
        CHECK(dvsadm(with_socket({"-S", "-n"})).out == read_file(kGolden + "save.txt"));
        CHECK(dvsadm(with_socket({"-L", "-n", "-t", "192.0.2.10:443"})).out ==
              read_file(kGolden + "list_service.txt"));
        CHECK(dvsadm(with_socket({"status"})).out == read_file(kGolden + "status.txt"));
        CHECK(dvsadm(with_socket({"conns", "--vip", "192.0.2.10"})).out ==
              read_file(kGolden + "conns.txt"));
        CHECK(dvsadm(with_socket({"reload"})).out == "reloaded: 5 services\n");
        CHECK(dvsadm(with_socket({"save-yaml"})).out == "services: []\n");
        CHECK(dvsadm(with_socket({"ha"})).out == "high availability is not configured\n");

        r = dvsadm(with_socket({"-L", "-t", "192.0.2.10:444"}));
        CHECK(r.code == kExitDaemonError);
        CHECK(r.err == "dvsadm: No such service: tcp 192.0.2.10:444\n");

        // $DVS_SOCKET when there is no --socket; no arguments lists.
        r = dvsadm({}, "", path.c_str());
        CHECK(r.code == 0);
        CHECK(r.out == read_file(kGolden + "list_numeric.txt"));
    }

    SECTION("--json prints dvsd's answer for scripts (issue 19)") {
        Run r = dvsadm(with_socket({"-L", "-n", "--json"}));
        CHECK(r.code == 0);
        const json listed = json::parse(r.out);
        json expected = json::parse(read_file(kGolden + "list_response.json"));
        expected.erase("v");
        expected.erase("ok");
        CHECK(listed == expected);
        CHECK(mgmt::parse_list_response(json::parse(read_file(kGolden + "list_response.json"))) ==
              canned_list());
        const json status = json::parse(dvsadm(with_socket({"--json", "status"})).out);
        CHECK(status.contains("snapshot_version"));
        CHECK(status.contains("drops"));
        CHECK_FALSE(status.contains("ok"));
        const json ha = json::parse(dvsadm(with_socket({"ha", "--json"})).out);
        CHECK(ha == json::parse(R"({"enabled":false})"));
        r = dvsadm(with_socket({"-A", "-t", "192.0.2.40:80", "--json"}));
        CHECK(r.code == kExitUsage);
        CHECK(r.err.find("--json goes with -L, status, health, ha and conns") != std::string::npos);
    }

    SECTION("changes are sent, refusals reported with exit 1") {
        Run r = dvsadm(with_socket({"-A", "-t", "192.0.2.40:80", "-s", "rr"}));
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        r = dvsadm(with_socket({"-D", "-t", "192.0.2.10:81"}));
        CHECK(r.code == kExitDaemonError);
        CHECK(r.err == "dvsadm: no such service: tcp 192.0.2.10:81\n");
        r = dvsadm(with_socket({"-a", "-t", "192.0.2.10:80", "-r", "10.0.0.9", "-w", "13"}));
        CHECK(r.code == kExitDaemonError);
        CHECK(r.err == "dvsadm: weight 13 is unlucky\n");
        const auto received = daemon.received();
        REQUIRE(received.size() == 3);
        CHECK(received[0] == mgmt::to_json(to_request(
                                 parse_command_line({"-A", "-t", "192.0.2.40:80", "-s", "rr"}))));
    }

    SECTION("-R applies -S output; stops at the first refusal; checks syntax first") {
        Run r = dvsadm(with_socket({"-R"}), read_file(kGolden + "save.txt"));
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        std::vector<json> expected;
        std::istringstream saved(read_file(kGolden + "save.txt"));
        std::string line;
        while (std::getline(saved, line)) {
            expected.push_back(mgmt::to_json(to_request(*parse_restore_line(line))));
        }
        CHECK(daemon.received() == expected);

        const std::size_t before = daemon.received().size();
        r = dvsadm(with_socket({"-R"}),
                   "# comment\n-C\n-D -t 192.0.2.10:81\n-A -t 192.0.2.50:80\n");
        CHECK(r.code == kExitDaemonError);
        CHECK(r.err == "dvsadm: line 3: no such service: tcp 192.0.2.10:81\n");
        CHECK(daemon.received().size() == before + 2);  // -C and the refused -D, not line 4

        r = dvsadm(with_socket({"-R"}), "-C\n-a -t 192.0.2.10:80 -r\n");
        CHECK(r.code == kExitUsage);
        CHECK(r.err == "dvsadm: line 2: -r needs a server address\n");
        CHECK(daemon.received().size() == before + 2);  // nothing sent
    }

    SECTION("a malformed answer is exit 1 with a message") {
        daemon.list = json::parse(R"({"v":1,"ok":true,"services":[]})");
        Run r = dvsadm(with_socket({"-L", "-n"}));
        CHECK(r.code == kExitDaemonError);
        CHECK(r.err == "dvsadm: malformed response: missing field 'timeouts'\n");
    }

    SECTION("usage errors exit 2 before connecting") {
        Run r = dvsadm(with_socket({"-a", "-t", "192.0.2.10:80", "-r"}));
        CHECK(r.code == kExitUsage);
        CHECK(r.err ==
              "dvsadm: -r needs a server address\nTry `dvsadm -h' for more information.\n");
        CHECK(daemon.received().empty());
        r = dvsadm({"-h"});
        CHECK(r.code == 0);
        CHECK(r.out.rfind("dvsadm: the DVS", 0) == 0);
    }
}

TEST_CASE("dvsadm cannot connect: exit 3 naming the socket", "[dvsadm]") {
    TempDir dir;
    const std::string path = dir.path + "/nobody-home.sock";
    Run r = dvsadm({"--socket", path, "-L", "-n"});
    CHECK(r.code == kExitNoConnection);
    CHECK(r.err ==
          "dvsadm: cannot connect to " + path + ": No such file or directory (is dvsd running?)\n");
    CHECK(r.out.empty());
    CHECK(resolve_socket_path(nullptr, nullptr) == "/run/dvs/dvs.sock");
    CHECK(resolve_socket_path(nullptr, "") == "/run/dvs/dvs.sock");
    CHECK(resolve_socket_path(nullptr, "/e.sock") == "/e.sock");
    const std::string flag = "/f.sock";
    CHECK(resolve_socket_path(&flag, "/e.sock") == "/f.sock");
}

TEST_CASE("a refusal sent before dvsadm writes its request is still shown", "[dvsadm]") {
    // What dvsd does to a peer without the right credentials: one line, then
    // close, possibly before the request arrives (dvsadm's write then fails).
    TempDir dir;
    const std::string path = dir.path + "/dvs.sock";
    const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 1) == 0);

    Client client(path);
    const int peer = ::accept(listener, nullptr, nullptr);
    REQUIRE(peer >= 0);
    const std::string refusal = mgmt::encode_line(
        mgmt::error_response("permission denied: uid 1000 is not root or in group 4242"));
    REQUIRE(::write(peer, refusal.data(), refusal.size()) == static_cast<ssize_t>(refusal.size()));
    ::close(peer);
    ::close(listener);

    const json answer = client.call(mgmt::to_json(mgmt::Request{mgmt::StatusRequest{}}));
    CHECK_THROWS_MATCHES(
        mgmt::check_response(answer), mgmt::DaemonError,
        Catch::Message("permission denied: uid 1000 is not root or in group 4242"));
}
