// dvsadm's command line: every ipvsadm option form it accepts, the request
// each command becomes (with ipvsadm's defaults), and the message for every
// kind of malformed command.

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dvsadm/parser.hpp"
#include "dvsadm/request.hpp"

using namespace dvs::dvsadm;
using dvs::ForwardMethod;
using dvs::Protocol;
namespace mgmt = dvs::mgmt;

namespace {

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return (a << 24) | (b << 16) | (c << 8) | d;
}

dvs::IpAddress addr(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return dvs::IpAddress::v4((a << 24) | (b << 16) | (c << 8) | d);
}

std::vector<std::string> words(const std::string& line) { return split_words(line); }

Command parse(const std::string& line) { return parse_command_line(words(line)); }

// The request a command line sends, as JSON.
nlohmann::json request(const std::string& line) { return mgmt::to_json(to_request(parse(line))); }

// The UsageError message for a command line ("" if it parsed).
std::string usage_error(const std::string& line) {
    try {
        parse(line);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("no arguments lists the table, like ipvsadm", "[dvsadm]") {
    const Command c = parse_command_line({});
    CHECK(c.verb == Verb::kList);
    CHECK(c.list == ListOptions{});
    CHECK(request("") == nlohmann::json::parse(R"({"v":1,"op":"list"})"));
}

TEST_CASE("option forms: bundled, attached, long, long=value, any order", "[dvsadm]") {
    const auto expected = parse("-A -t 192.0.2.10:80 -s rr -p 600 -M 255.255.255.0");
    CHECK(expected.verb == Verb::kAddService);
    CHECK(expected.service == mgmt::ServiceKey{addr(192, 0, 2, 10), 80, Protocol::kTcp});
    CHECK(expected.scheduler == "rr");
    CHECK(expected.persistent == 600u);
    CHECK(expected.netmask == ip(255, 255, 255, 0));
    for (const char* form : {
             "-At 192.0.2.10:80 -s rr -p 600 -M 255.255.255.0",
             "-At192.0.2.10:80 -srr -p600 -M255.255.255.0",
             "--add-service --tcp-service 192.0.2.10:80 --scheduler rr --persistent 600 "
             "--netmask 255.255.255.0",
             "--add-service --tcp-service=192.0.2.10:80 --scheduler=rr --persistent=600 "
             "--netmask=255.255.255.0",
             "-t 192.0.2.10:80 -p 600 -A -M 255.255.255.0 -s rr",
             "-A -t 192.0.2.10:80 -s rr --socket /tmp/x.sock -p 600 -M 255.255.255.0",
         }) {
        INFO(form);
        Command c = parse(form);
        c.socket.reset();
        CHECK(c == expected);
    }
    CHECK(parse("--socket /tmp/x.sock -L").socket == "/tmp/x.sock");
    CHECK(parse("-L --socket=/tmp/y.sock").socket == "/tmp/y.sock");

    // -p's timeout is optional: the next word is taken only if it is not an option.
    CHECK(parse("-A -t 192.0.2.10:80 -p").persistent == 300u);
    CHECK(parse("-A -t 192.0.2.10:80 -p -s rr").persistent == 300u);
    CHECK(parse("-A -t 192.0.2.10:80 --persistent -M 255.255.0.0").persistent == 300u);

    // -L's switches, bundled and long.
    const Command list = parse("-Ln --stats --exact --nosort --sort");
    CHECK(list.verb == Verb::kList);
    CHECK(list.list.numeric);
    CHECK(list.list.stats);
    CHECK(list.list.exact);
    CHECK(list.list.nosort);
    CHECK(parse("-lnc").list.connections);
    CHECK(parse("--list --numeric --rate").list.rate);
    CHECK(parse("-L --timeout").list.timeout);
    CHECK(parse("-L -n --tun-info").list.tun_info);
    CHECK(parse("-L -n --verbose").list.verbose);
    CHECK(parse("-L -n -X").list.exact);
    CHECK(parse("-L -u 192.0.2.10:53").service ==
          mgmt::ServiceKey{addr(192, 0, 2, 10), 53, Protocol::kUdp});
}

TEST_CASE("service commands become requests with ipvsadm's defaults", "[dvsadm]") {
    using nlohmann::json;
    CHECK(request("-A -t 192.0.2.10:80") == json::parse(R"({"v":1,"op":"add_service","service":
          {"vip":"192.0.2.10","port":80,"protocol":"tcp","scheduler":"wlc","flags":[],
           "persistence":null}})"));
    CHECK(request("-A -u 192.0.2.10:53 -s wrr") == json::parse(R"({"v":1,"op":"add_service",
          "service":{"vip":"192.0.2.10","port":53,"protocol":"udp","scheduler":"wrr","flags":[],
          "persistence":null}})"));
    CHECK(request("-A -t 192.0.2.10:443 -s wlc -p 600 -M 255.255.255.0") ==
          json::parse(R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.10","port":443,
          "protocol":"tcp","scheduler":"wlc","flags":[],
          "persistence":{"timeout":600,"netmask":"255.255.255.0"}}})"));
    CHECK(request("-A -t 192.0.2.20 -s rr -p") ==
          json::parse(R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.20","port":0,
          "protocol":"tcp","scheduler":"rr","flags":[],
          "persistence":{"timeout":300,"netmask":"255.255.255.255"}}})"));
    CHECK(request("-A -t 192.0.2.30:80 -s sh -b sh-fallback,sh-port") ==
          json::parse(R"({"v":1,"op":"add_service","service":{"vip":"192.0.2.30","port":80,
          "protocol":"tcp","scheduler":"sh","flags":["sh-fallback","sh-port"],
          "persistence":null}})"));
    // ipvsadm's generic flag names map to the scheduler's own.
    CHECK(request("-A -t 192.0.2.30:80 -s mh -b flag-2,flag-1")["service"]["flags"] ==
          json::parse(R"(["mh-port","mh-fallback"])"));
    // -E replaces the whole service, as ipvsadm's edit does.
    CHECK(request("-E -t 192.0.2.10:80 -s rr") == json::parse(R"({"v":1,"op":"edit_service",
          "service":{"vip":"192.0.2.10","port":80,"protocol":"tcp","scheduler":"rr","flags":[],
          "persistence":null}})"));
    CHECK(request("-D -t 192.0.2.10:80") == json::parse(R"({"v":1,"op":"del_service",
          "service":{"vip":"192.0.2.10","port":80,"protocol":"tcp"}})"));
    CHECK(request("-D -u 192.0.2.10:53") == json::parse(R"({"v":1,"op":"del_service",
          "service":{"vip":"192.0.2.10","port":53,"protocol":"udp"}})"));
}

TEST_CASE("server commands: -g by default, weight 1, ports like ipvsadm", "[dvsadm]") {
    using nlohmann::json;
    const json svc = json::parse(R"({"vip":"192.0.2.10","port":80,"protocol":"tcp"})");
    auto server = [&](const std::string& line) {
        const json r = request(line);
        CHECK(r["service"] == svc);
        return r["server"];
    };
    // NAT keeps the given port; without one, the service's.
    CHECK(server("-a -t 192.0.2.10:80 -r 10.0.0.11:8080 -m -w 3") ==
          json::parse(R"({"address":"10.0.0.11","port":8080,"weight":3,"forward":"nat"})"));
    CHECK(server("-a -t 192.0.2.10:80 -r 10.0.0.11 -m") ==
          json::parse(R"({"address":"10.0.0.11","port":80,"weight":1,"forward":"nat"})"));
    // DR (the default) and TUN always use the service's port.
    CHECK(server("-a -t 192.0.2.10:80 -r 10.0.0.11:8080") ==
          json::parse(R"({"address":"10.0.0.11","port":80,"weight":1,"forward":"dr"})"));
    CHECK(server("-a -t 192.0.2.10:80 -r 10.0.0.11 -g -w 0") ==
          json::parse(R"({"address":"10.0.0.11","port":80,"weight":0,"forward":"dr"})"));
    CHECK(server("-a -t 192.0.2.10:80 -r 10.0.2.5 -i -w 2 --tun-type ipip") ==
          json::parse(R"({"address":"10.0.2.5","port":80,"weight":2,"forward":"tun"})"));
    CHECK(server("--add-server --tcp-service 192.0.2.10:80 --real-server 10.0.0.11:8080 "
                 "--masquerading --weight 3") ==
          json::parse(R"({"address":"10.0.0.11","port":8080,"weight":3,"forward":"nat"})"));
    CHECK(server("-a -t 192.0.2.10:80 -r 10.0.0.11 --ipip") ==
          json::parse(R"({"address":"10.0.0.11","port":80,"weight":1,"forward":"tun"})"));
    CHECK(server("-a -t 192.0.2.10:80 -r 10.0.0.11 --gatewaying") ==
          json::parse(R"({"address":"10.0.0.11","port":80,"weight":1,"forward":"dr"})"));
    CHECK(request("-e -t 192.0.2.10:80 -r 10.0.0.11:8080 -m -w 0")["op"] == "edit_server");
    CHECK(server("-e -t 192.0.2.10:80 -r 10.0.0.11:8080 -m -w 0") ==
          json::parse(R"({"address":"10.0.0.11","port":8080,"weight":0,"forward":"nat"})"));
    CHECK(request("-d -t 192.0.2.10:80 -r 10.0.0.11:8080") ==
          json::parse(R"({"v":1,"op":"del_server","service":{"vip":"192.0.2.10","port":80,
          "protocol":"tcp"},"server":{"address":"10.0.0.11","port":8080}})"));
    CHECK(server("-d -t 192.0.2.10:80 -r 10.0.0.11") ==
          json::parse(R"({"address":"10.0.0.11","port":80})"));
}

// ipvsadm -M is a prefix length for an IPv6 service (1..128), a netmask
// for an IPv4 one; the family is the service's, wherever -t comes.
TEST_CASE("IPv6 persistence: -M takes a prefix length (issue 15)", "[dvsadm]") {
    using nlohmann::json;
    CHECK(request("-A -t [2001:db8::10]:80 -s rr -p 300 -M 64") ==
          json::parse(R"({"v":1,"op":"add_service","service":{"vip":"2001:db8::10","port":80,
          "protocol":"tcp","scheduler":"rr","flags":[],
          "persistence":{"timeout":300,"netmask":"255.255.255.255","prefix_length":64}}})"));
    CHECK(request("-M 64 -p 300 -A -t [2001:db8::10]:80 -s rr") ==
          request("-A -t [2001:db8::10]:80 -s rr -p 300 -M 64"));
    CHECK(parse("-A -t [2001:db8::10]:80 -p -M 128").prefix_length == 128);
    // Without -M: 128 is the default and is not sent (an older dvsd reads it).
    CHECK(request("-A -t [2001:db8::10]:80 -p")["service"]["persistence"] ==
          json::parse(R"({"timeout":300,"netmask":"255.255.255.255"})"));
    CHECK(usage_error("-A -t [2001:db8::10]:80 -p -M 129") ==
          "invalid IPv6 prefix length `129' for -M (expected "
          "1..128, e.g. 64)");
    CHECK(usage_error("-A -t [2001:db8::10]:80 -p -M 255.255.255.0") ==
          "invalid IPv6 prefix length `255.255.255.0' for -M "
          "(expected 1..128, e.g. 64)");
    CHECK(usage_error("-A -t [2001:db8::10]:80 -p -M 0") ==
          "invalid IPv6 prefix length `0' for -M (expected "
          "1..128, e.g. 64)");
    CHECK(usage_error("-A -t 192.0.2.10:80 -p -M 24") ==
          "invalid netmask `24' (expected e.g. 255.255.255.0)");
    CHECK(usage_error("-A -t [2001:db8::10]:80 -M 64").find("needs -p") != std::string::npos);
}

TEST_CASE("IPv6 services and servers in ipvsadm's syntax (issue 15)", "[dvsadm]") {
    using nlohmann::json;
    CHECK(request("-A -t [2001:db8::10]:80 -s rr") == json::parse(R"({"v":1,"op":"add_service",
          "service":{"vip":"2001:db8::10","port":80,"protocol":"tcp","scheduler":"rr",
          "flags":[],"persistence":null}})"));
    // Written in full or with upper case, an address is the same address.
    CHECK(request("-A -u [2001:DB8:0::10]:53") == request("-A -u [2001:db8::10]:53"));
    CHECK(parse("-A -t [2001:db8::10]:80").service->vip.is_v6());
    // Without a port, the brackets may go (ipvsadm's parse_service).
    CHECK(request("-A -t 2001:db8::10 -s rr -p")["service"]["port"] == 0);
    CHECK(request("-A -t [2001:db8::10] -s rr -p") == request("-A -t 2001:db8::10 -s rr -p"));
    CHECK(request("-a -t [2001:db8::10]:80 -r [2001:db8:2::11]:8080 -m") ==
          json::parse(R"({"v":1,"op":"add_server","service":{"vip":"2001:db8::10","port":80,
          "protocol":"tcp"},"server":{"address":"2001:db8:2::11","port":8080,"weight":1,
          "forward":"nat"}})"));
    CHECK(request("-a -t [2001:db8::10]:80 -r [2001:db8:2::11] -g -w 2")["server"] ==
          json::parse(R"({"address":"2001:db8:2::11","port":80,"weight":2,"forward":"dr"})"));
    CHECK(request("-a -t [2001:db8::10]:80 -r 2001:db8:2::12")["server"] ==
          json::parse(R"({"address":"2001:db8:2::12","port":80,"weight":1,"forward":"dr"})"));
    CHECK(request("-e -t [2001:db8::10]:80 -r [2001:db8:2::11]:8080 -m -w 0")["server"] ==
          json::parse(R"({"address":"2001:db8:2::11","port":8080,"weight":0,"forward":"nat"})"));
    CHECK(request("-d -t [2001:db8::10]:80 -r [2001:db8:2::11]:8080") ==
          json::parse(R"({"v":1,"op":"del_server","service":{"vip":"2001:db8::10","port":80,
          "protocol":"tcp"},"server":{"address":"2001:db8:2::11","port":8080}})"));
    CHECK(request("-D -t [2001:db8::10]:80") == json::parse(R"({"v":1,"op":"del_service",
          "service":{"vip":"2001:db8::10","port":80,"protocol":"tcp"}})"));
    CHECK(request("-L -n -t [2001:db8::10]:80") == json::parse(R"({"v":1,"op":"list"})"));
    CHECK(request("conns --vip [2001:db8::10]:80 --client 2001:db8:1::5 --server "
                  "2001:db8:2::11") ==
          json::parse(R"({"v":1,"op":"conns","filter":{"vip":"2001:db8::10","port":80,
          "client":"2001:db8:1::5","server":"2001:db8:2::11"}})"));
    const auto restore = parse_restore_line("# dvs: -t [2001:db8::10]:80 { name: web6 }");
    REQUIRE(restore);
    CHECK(restore->service->vip.is_v6());
    CHECK(restore->service_options == "{ name: web6 }");

    const std::vector<std::pair<std::string, std::string>> cases = {
        {"-A -t [2001:db8::10:80",
         "invalid service address `[2001:db8::10:80' (no `]' closes the IPv6 address; write "
         "[2001:db8::10]:80)"},
        {"-A -t [2001:db8::10]80",
         "invalid service address `[2001:db8::10]80' (after `]' comes `:port')"},
        {"-A -t [192.0.2.10]:80",
         "invalid service address `[192.0.2.10]:80' (expected VIP[:port] with a numeric IPv4 "
         "address, or [IPv6]:port; dvsadm does not resolve host names)"},
        {"-A -t [2001:db8::g]:80",
         "invalid service address `[2001:db8::g]:80' (expected VIP[:port] with a numeric IPv4 "
         "address, or [IPv6]:port; dvsadm does not resolve host names)"},
        {"-A -t [2001:db8::10]:99999",
         "invalid port `99999' in `[2001:db8::10]:99999' (0..65535; dvsadm does not resolve "
         "service names)"},
        {"-a -t [2001:db8::10]:80 -r 10.0.0.11 -m",
         "-r 10.0.0.11: a real server has its service's family (IPv6 here); DVS does not put "
         "IPv6 servers behind IPv4 VIPs or the reverse"},
        {"-a -t 192.0.2.10:80 -r [2001:db8:2::11]:80 -m",
         "-r 2001:db8:2::11: a real server has its service's family (IPv4 here); DVS does not "
         "put IPv6 servers behind IPv4 VIPs or the reverse"},
        {"-A -6 -t [2001:db8::10]:80",
         "-6: it marks a firewall-mark service (-f) as IPv6, and DVS has no -f; an IPv6 service "
         "is written with its address: -t [2001:db8::10]:80"},
        {"conns --client 2001:db8::zz",
         "invalid address `2001:db8::zz' for --client (a numeric IPv4 or IPv6 address)"},
    };
    for (const auto& [line, message] : cases) {
        INFO("dvsadm " << line);
        CHECK(usage_error(line) == message);
    }
}

TEST_CASE("table-wide commands and DVS verbs", "[dvsadm]") {
    using nlohmann::json;
    CHECK(request("-C") == json::parse(R"({"v":1,"op":"clear"})"));
    CHECK(request("--clear") == json::parse(R"({"v":1,"op":"clear"})"));
    CHECK(request("-Z") == json::parse(R"({"v":1,"op":"zero"})"));
    CHECK(request("-Z -t 192.0.2.10:80") == json::parse(R"({"v":1,"op":"zero",
          "service":{"vip":"192.0.2.10","port":80,"protocol":"tcp"}})"));
    CHECK(request("--set 900 0 300") ==
          json::parse(R"({"v":1,"op":"set_timeouts","tcp":900,"tcp_fin":0,"udp":300})"));
    CHECK(request("-L -n") == json::parse(R"({"v":1,"op":"list"})"));
    CHECK(request("-L -n --stats") == json::parse(R"({"v":1,"op":"list","stats":true})"));
    CHECK(request("-L --rate") == json::parse(R"({"v":1,"op":"list","rate":true})"));
    CHECK(request("-L -c -n") == json::parse(R"({"v":1,"op":"conns"})"));
    CHECK(request("-L --timeout") == json::parse(R"({"v":1,"op":"list"})"));
    CHECK(request("-S -n") == json::parse(R"({"v":1,"op":"list"})"));
    CHECK(request("status") == json::parse(R"({"v":1,"op":"status"})"));
    CHECK(request("reload") == json::parse(R"({"v":1,"op":"reload"})"));
    CHECK(request("--socket /tmp/s save-yaml") == json::parse(R"({"v":1,"op":"save_yaml"})"));
    CHECK(request("conns") == json::parse(R"({"v":1,"op":"conns"})"));
    CHECK(request("conns --vip 192.0.2.10:80 --client 10.0.1.5 --server=10.0.0.11 "
                  "--protocol tcp --limit 10 -n") ==
          json::parse(R"({"v":1,"op":"conns","filter":{"vip":"192.0.2.10","port":80,
          "client":"10.0.1.5","server":"10.0.0.11","protocol":"tcp"},"limit":10})"));
    CHECK(request("conns --vip 192.0.2.10") ==
          json::parse(R"({"v":1,"op":"conns","filter":{"vip":"192.0.2.10"}})"));
    CHECK(parse("ha").verb == Verb::kHa);
    CHECK(request("ha") == json::parse(R"({"v":1,"op":"ha"})"));
    CHECK(request("--socket /tmp/s ha") == json::parse(R"({"v":1,"op":"ha"})"));
    CHECK(parse("-h").verb == Verb::kHelp);
    CHECK(parse("--help").verb == Verb::kHelp);
    CHECK(parse("-R").verb == Verb::kRestore);
    CHECK_THROWS_AS(to_request(parse("-R")), std::logic_error);
}

TEST_CASE("every malformed command line gets a message naming the problem", "[dvsadm]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        // missing values
        {"-a -t 192.0.2.10:80 -r", "-r needs a server address"},
        {"-a -t 192.0.2.10:80 -r -m", "-r needs a server address"},
        {"--add-server -t 192.0.2.10:80 --real-server", "--real-server needs a server address"},
        {"-A -t", "-t needs a service address (VIP[:port])"},
        {"-A -u -s rr", "-u needs a service address (VIP[:port])"},
        {"-A -t 192.0.2.10:80 -s", "-s needs a scheduler name"},
        {"-A -t 192.0.2.10:80 --scheduler=", "--scheduler needs a scheduler name"},
        {"-A -t 192.0.2.10:80 -p -M", "-M needs a netmask"},
        {"-A -t 192.0.2.10:80 -b", "-b needs scheduler flags"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -w", "-w needs a weight"},
        {"--socket", "--socket needs a path"},
        {"--socket= -L", "--socket needs a path"},
        // bad values
        {"-A -t foo:80",
         "invalid service address `foo:80' (expected VIP[:port] with a numeric "
         "IPv4 address, or [IPv6]:port; dvsadm does not resolve host names)"},
        {"-A -t 192.0.2.10:http",
         "invalid port `http' in `192.0.2.10:http' (0..65535; dvsadm "
         "does not resolve service names)"},
        {"-A -t 192.0.2.10:65536",
         "invalid port `65536' in `192.0.2.10:65536' (0..65535; "
         "dvsadm does not resolve service names)"},
        {"-a -t 192.0.2.10:80 -r 10.0.0",
         "invalid real server address `10.0.0' (expected "
         "RIP[:port] with a numeric IPv4 address, or [IPv6]:port; dvsadm does "
         "not resolve host names)"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -w 65536", "invalid weight `65536' (0..65535)"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -w -1", "-w needs a weight"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -w x", "invalid weight `x' (0..65535)"},
        {"-A -t 192.0.2.10:80 -p 0", "invalid persistence timeout `0' (1..2592000 seconds)"},
        {"-A -t 192.0.2.10:80 -p 2592001",
         "invalid persistence timeout `2592001' (1..2592000 seconds)"},
        {"-A -t 192.0.2.10:80 -p 60 -M 255.255.255",
         "invalid netmask `255.255.255' (expected e.g. "
         "255.255.255.0)"},
        {"-A -t 192.0.2.10:80 -p 60 -M 255.0.255.0", "netmask `255.0.255.0' is not contiguous"},
        {"-A -t 192.0.2.10:80 -s sh -b sh-port,,sh-fallback",
         "empty scheduler flag in `sh-port,,sh-fallback'"},
        {"-A -t 192.0.2.10:80 -s sh -b sh-sticky",
         "invalid scheduler flag `sh-sticky' (DVS knows sh-fallback, sh-port, mh-fallback, "
         "mh-port)"},
        {"-A -t 192.0.2.10:80 -b sh-port",
         "scheduler flag `sh-port' needs -s sh (the default "
         "scheduler is wlc)"},
        {"-A -t 192.0.2.10:80 -s mh -b sh-port", "scheduler flag `sh-port' needs -s sh"},
        {"-A -t 192.0.2.10:80 -s rr -b flag-1",
         "scheduler flag `flag-1' means nothing to "
         "scheduler rr (DVS has flags for sh and mh only)"},
        {"-A -t 192.0.2.10:80 -s sh -b flag-3", "scheduler flag `flag-3' is not supported by DVS"},
        {"--set 900 120", "--set needs 3 timeouts: tcp tcpfin udp (0 = unchanged)"},
        {"--set 900 120 300 5", "--set needs 3 timeouts: tcp tcpfin udp (0 = unchanged)"},
        {"--set 900 x 300", "invalid tcpfin timeout `x' (0..2592000 seconds)"},
        {"--set 900 120 2592001", "invalid udp timeout `2592001' (0..2592000 seconds)"},
        // unknown, repeated and conflicting options
        {"-A -t 192.0.2.10:80 -q", "unknown option `-q'"},
        {"--frobnicate", "unknown option `--frobnicate'"},
        {"-L --stats=yes", "--stats takes no value (got `--stats=yes')"},
        {"-A -a -t 192.0.2.10:80", "two commands given: -A and -a"},
        {"-L -C", "two commands given: -L and -C"},
        {"-A -t 192.0.2.10:80 -s rr -s wrr", "-s given twice"},
        {"-A -t 192.0.2.10:80 -u 192.0.2.10:80", "-u conflicts with -t"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -m -g", "-g conflicts with -m"},
        {"--socket /a --socket /b -L", "--socket given twice"},
        // missing pieces
        {"-n",
         "no command given (one of -A -E -D -C -R -S -a -e -d -L -Z --set, or the words "
         "status, reload, save-yaml, conns, health, ha; dvsadm -h lists them)"},
        {"-A", "-A needs a service: -t|-u VIP[:port]"},
        {"-E -s rr", "-E needs a service: -t|-u VIP[:port]"},
        {"-D", "-D needs a service: -t|-u VIP[:port]"},
        {"-a -t 192.0.2.10:80", "-a needs a real server: -r RIP[:port]"},
        {"-e -t 192.0.2.10:80 -w 3", "-e needs a real server: -r RIP[:port]"},
        {"-d -r 10.0.0.1", "-d needs a service: -t|-u VIP[:port]"},
        {"-A -t 192.0.2.10",
         "port 0 (every port of the VIP) needs -p: only a persistent service "
         "may use it"},
        {"-A -t 192.0.2.10:80 -M 255.255.255.0",
         "-M needs -p (the netmask groups the clients of "
         "a persistent service)"},
        // options that do not go with the command
        {"-D -t 192.0.2.10:80 -s rr", "-s cannot be used with -D"},
        {"-A -t 192.0.2.10:80 -r 10.0.0.1", "-r cannot be used with -A"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -s rr", "-s cannot be used with -a"},
        {"-d -t 192.0.2.10:80 -r 10.0.0.1 -m", "-m cannot be used with -d"},
        {"-C -t 192.0.2.10:80", "-t cannot be used with -C"},
        {"-L -w 3", "-w cannot be used with -L"},
        {"-S --stats", "--stats cannot be used with -S"},
        {"-R -n", "-n cannot be used with -R"},
        {"--set 1 2 3 -n", "-n cannot be used with --set"},
        {"-L -c -t 192.0.2.10:80", "-t cannot be combined with -c"},
        {"-L --timeout -c", "--timeout cannot be combined with -c"},
        {"-L -c --stats", "--stats cannot be combined with -c"},
        {"-L --verbose --stats", "--verbose cannot be combined with --stats"},
        {"-L -c --verbose", "--verbose cannot be combined with -c"},
        {"-L --timeout --rate", "--rate cannot be combined with --timeout"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -m --tun-type ipip", "--tun-type needs -i (tunnelling)"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -i --tun-type gue",
         "--tun-type gue: not supported by DVS (its TUN is IP-in-IP: ipip)"},
        {"-L extra", "unexpected argument `extra'"},
        {"-C -- x", "unexpected argument `x'"},
        // ipvsadm features DVS does not have
        {"-A -f 1 -s rr", "-f: firewall-mark services are not supported by DVS"},
        {"-A --sctp-service 192.0.2.10:80", "--sctp-service: SCTP is not supported by DVS"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -x 100",
         "-x: connection thresholds are not supported by DVS"},
        {"-A -u 192.0.2.10:53 -o", "-o: one-packet scheduling is not supported by DVS"},
        {"-A -t 192.0.2.10:80 -p --pe sip", "--pe: persistence engines are not supported by DVS"},
        {"--start-daemon master",
         "--start-daemon: the connection sync daemon is not supported "
         "by DVS"},
        {"-L --daemon", "--daemon: the connection sync daemon is not supported by DVS"},
        {"-L --thresholds", "--thresholds: connection thresholds are not supported by DVS"},
        {"-L --persistent-conn",
         "--persistent-conn: per-server persistent connection counts are "
         "not supported by DVS"},
        {"-a -t 192.0.2.10:80 -r 10.0.0.1 -i --tun-port 6080",
         "--tun-port: tunnel options are not supported by DVS (its TUN is IP-in-IP, --tun-type "
         "ipip)"},
        // DVS verbs
        {"status now", "status takes no arguments (got `now')"},
        {"reload -f", "reload takes one of --dry-run or --restart (got `-f')"},
        {"reload --dry-run --restart",
         "reload takes one of --dry-run or --restart (got `--restart')"},
        {"conns --vip", "--vip needs an address"},
        {"conns --vip x",
         "invalid virtual address `x' (expected VIP[:port] with a numeric IPv4 "
         "address, or [IPv6]:port; dvsadm does not resolve host names)"},
        {"conns --client 10.0.1",
         "invalid address `10.0.1' for --client (a numeric IPv4 or IPv6 "
         "address)"},
        {"conns --protocol sctp", "invalid protocol `sctp' (tcp or udp)"},
        {"conns --limit 0", "invalid limit `0' (1..4294967295)"},
        {"conns --limit", "--limit needs a number"},
        {"conns --port 80",
         "unknown option `--port' for conns (it takes --vip, --client, "
         "--server, --protocol, --limit)"},
        {"conns --client 10.0.1.1 --client 10.0.1.2", "--client given twice"},
        {"conns 10.0.1.1", "unexpected argument `10.0.1.1' for conns"},
    };
    for (const auto& [line, message] : cases) {
        INFO("dvsadm " << line);
        CHECK(usage_error(line) == message);
    }
}

TEST_CASE("-R lines: comments, blank lines, an ipvsadm prefix, only table changes", "[dvsadm]") {
    CHECK_FALSE(parse_restore_line(""));
    CHECK_FALSE(parse_restore_line("   \t"));
    CHECK_FALSE(parse_restore_line("# saved by ipvsadm -S"));
    CHECK_FALSE(parse_restore_line("ipvsadm"));
    const auto a = parse_restore_line("-A -t 192.0.2.10:80 -s wrr");
    const auto b = parse_restore_line("ipvsadm -A -t 192.0.2.10:80 -s wrr\r");
    const auto c = parse_restore_line("  dvsadm   -A  -t '192.0.2.10:80' -s \"wrr\"  ");
    REQUIRE(a);
    CHECK(a == b);
    CHECK(a == c);
    CHECK(parse_restore_line("--set 0 0 60")->verb == Verb::kSetTimeouts);
    CHECK(parse_restore_line("-C")->verb == Verb::kClear);

    auto refusal = [](const std::string& line) {
        try {
            parse_restore_line(line);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(refusal("-L -n") == "only -A -E -D -a -e -d -C -Z --set can be used in -R input");
    CHECK(refusal("-R") == "only -A -E -D -a -e -d -C -Z --set can be used in -R input");
    CHECK(refusal("status") == "only -A -E -D -a -e -d -C -Z --set can be used in -R input");
    CHECK(refusal("-C --socket /x") == "--socket cannot be used in -R input");
    CHECK(refusal("-A -t '192.0.2.10:80") == "unterminated ' quote");
    CHECK(refusal("-a -t 192.0.2.10:80 -r") == "-r needs a server address");
}
