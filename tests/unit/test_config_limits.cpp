// The bounds a configuration text meets before any YAML tree is built
// (control/config/yaml_limits.hpp, issue 20): size, UTF-8, nesting, node,
// service and real-server counts, each refused with FILE:LINE:COLUMN.

#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "control/config/config.hpp"
#include "control/config/yaml_limits.hpp"
#include "control/hugepage_check.hpp"

using namespace dvs::control;

namespace {

const std::string kPorts =
    "ports:\n  - { name: lan, device: net_null0, addresses: [10.0.0.1/24] }\n";

Config load(const std::string& text) { return load_config_text(text, "t.yaml"); }

// `count` services named sN on 10.1.x.y:80, one real server each.
std::string services(std::size_t count) {
    std::string out = "services:\n";
    for (std::size_t i = 0; i < count; ++i) {
        out += "  - name: s" + std::to_string(i) + "\n    vip: 10.1." + std::to_string(i / 250) +
               "." + std::to_string(i % 250 + 1) +
               "\n    port: 80\n    protocol: tcp\n    scheduler: rr\n"
               "    real_servers:\n      - { address: 10.0.0.9, port: 80, forward: nat }\n";
    }
    return out;
}

}  // namespace

TEST_CASE("invalid UTF-8 is refused with its line and column", "[config]") {
    REQUIRE_THROWS_WITH(load(kPorts + "services:\n  - name: \"we\xff\"\n"),
                        "t.yaml:4:14: invalid UTF-8 (byte 0xff); YAML text must be UTF-8, and "
                        "names end up in JSON");
    // Overlong encodings and lone continuation bytes are not UTF-8 either.
    REQUIRE_THROWS_WITH(load("#\xc0\xaf\n" + kPorts),
                        Catch::StartsWith("t.yaml:1:2: invalid UTF-8 (byte 0xc0)"));
    REQUIRE_THROWS_WITH(load(kPorts + "# \x80\n"),
                        Catch::StartsWith("t.yaml:3:3: invalid UTF-8 (byte 0x80)"));
    // Real UTF-8 passes (a comment in Greek, a 4-byte emoji).
    Config c = load("# \xce\xb1\xce\xb2 \xf0\x9f\x98\x80\n" + kPorts + services(1));
    REQUIRE(c.services.size() == 1);
}

TEST_CASE("deep nesting is refused with a proper message", "[config]") {
    std::string deep = kPorts + "services: ";
    for (int i = 0; i < 40; ++i) deep += "[";
    // yaml-cpp reads a flow list inside a flow list as a one-pair mapping
    // around it: two levels per '[', so the 16th '[' is the 33rd level.
    REQUIRE_THROWS_WITH(load(deep),
                        "t.yaml:3:27: services[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: "
                        "nested deeper than 32 levels (a configuration needs 6)");
    // 100,000 levels: refused as fast, no stack overflow in the parser.
    std::string deeper = kPorts + "x: " + std::string(100000, '[');
    REQUIRE_THROWS_WITH(load(deeper), Catch::Contains("nested deeper than 32 levels"));
}

TEST_CASE("more services than the dataplane holds are refused while parsing", "[config]") {
    YamlLimits small;
    small.max_services = 3;
    REQUIRE_NOTHROW(check_structure(kPorts + services(3), "t.yaml", small));
    // The fourth service starts on line 3 + 3 * 7 + 1.
    REQUIRE_THROWS_WITH(check_structure(kPorts + services(4), "t.yaml", small),
                        "t.yaml:25:5: services[3]: more than 3 services (the dataplane's limit)");

    // The real limit, on a 100,000-service text: refused at the 16,385th,
    // without building a tree.
    const std::string huge = kPorts + services(100000);
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE_THROWS_WITH(load(huge), Catch::Contains(": services[16384]: more than 16384 services"));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("100,000 services (" << huge.size() << " bytes) refused in " << seconds << " s");
}

TEST_CASE("real servers, nodes and bytes have limits too", "[config]") {
    YamlLimits small;
    small.max_real_servers = 2;
    REQUIRE_THROWS_WITH(check_structure(kPorts + services(3), "t.yaml", small),
                        "t.yaml:24:9: services[2].real_servers[0]: more than 2 real servers in all "
                        "services (the dataplane's limit)");
    small = {};
    small.max_nodes = 10;
    REQUIRE_THROWS_WITH(check_structure(kPorts + services(1), "t.yaml", small),
                        Catch::Contains("more than 10 YAML nodes"));
    small = {};
    small.max_bytes = 1 << 20;
    REQUIRE_THROWS_WITH(check_text(std::string((1 << 20) + 1, '#'), "t.yaml", small),
                        "t.yaml:1:1: larger than the 1 MiB a configuration may have");
    // A second document is still refused, where it starts.
    REQUIRE_THROWS_WITH(load(kPorts + "---\n" + kPorts),
                        "t.yaml:3:1: expected a single YAML document, found another one");
}

TEST_CASE("a conn_capacity that needs more hugepages than present is refused", "[config]") {
    // A fake sysfs: 512 pages of 2 MiB (1 GiB), 100 free.
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("dvs-hp-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "hugepages-2048kB");
    std::ofstream(dir / "hugepages-2048kB" / "nr_hugepages") << "512\n";
    std::ofstream(dir / "hugepages-2048kB" / "free_hugepages") << "100\n";
    const HugepageMemory present = read_hugepages(dir.string());
    std::filesystem::remove_all(dir);
    REQUIRE(present.total_bytes == 1024ull << 20);
    REQUIRE(present.free_bytes == 200ull << 20);

    Config c = load(kPorts);
    c.dataplane.conn_capacity = 1 << 20;  // the default: 64 MiB per worker, 12.5 MiB IPv6
    c.dataplane.workers = 2;
    REQUIRE_NOTHROW(check_hugepage_memory(c, present));
    c.dataplane.conn_capacity = 16 << 20;
    REQUIRE_THROWS_WITH(check_hugepage_memory(c, present),
                        "t.yaml: dataplane.conn_capacity: 16777216 connections (and 2097152 "
                        "IPv6) x 2 workers need 2449 MiB of hugepages, and 16383 mbufs 37 MiB: "
                        "2486 MiB in all; this machine has 1024 MiB of hugepages (200 MiB free). "
                        "Lower conn_capacity (or conn6_capacity) or add hugepages "
                        "(vm.nr_hugepages)");
    // conn6_capacity sizes the IPv6 table alone: 5M IPv6 entries (500 MiB
    // per worker at 100 bytes each) do not fit beside the default IPv4 table.
    c.dataplane.conn_capacity = 1 << 20;
    REQUIRE_NOTHROW(check_hugepage_memory(c, present));
    c.dataplane.conn6_capacity = 5 << 20;
    REQUIRE_THROWS_WITH(
        check_hugepage_memory(c, present),
        Catch::Contains("dataplane.conn_capacity: 1048576 connections (and 5242880 IPv6) x 2 "
                        "workers need"));
    c.dataplane.conn6_capacity = 0;
    c.dataplane.eal = {"--no-huge"};
    REQUIRE_NOTHROW(check_hugepage_memory(c, present));
    c.dataplane.eal = {};
    REQUIRE_NOTHROW(check_hugepage_memory(c, HugepageMemory{}));  // none configured here
}
