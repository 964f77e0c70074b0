// Counters are declared once (common/counter_list.hpp): the table is sound,
// and the stats JSON, the status and ha answers and dvsadm's output all
// follow it, under the names they had before the table existed.

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/counter_list.hpp"
#include "control/config/config.hpp"
#include "control/snapshot_builder.hpp"
#include "control/stats_report.hpp"
#include "dataplane/counters.hpp"
#include "dvsadm/formatter.hpp"
#include "mgmt/protocol.hpp"

using nlohmann::json;
namespace mgmt = dvs::mgmt;
namespace counters = dvs::counters;

namespace {

// The stats JSON's keys before the table: scripts read these names.
const std::vector<std::string> kKeysBeforeTheTable = {
    "rx",
    "tx",
    "handoff_out",
    "handoff_in",
    "tx_handoff",
    "conns_active",
    "conns_created",
    "conns_expired",
    "arp_requests_sent",
    "arp_replies_sent",
    "icmp_echo_replies",
    "removed_rs_resets",
    "templates_created",
    "templates_active",
    "templates_failed",
    "template_handoffs",
    "template_releases_lost",
    "to_kernel",
    "from_kernel",
    "kernel_arp_replies",
    "sync_emitted",
    "sync_lost",
    "sync_installed",
    "sync_updated",
    "sync_removed",
    "sync_kept",
    "sync_install_failed",
    "garps_sent",
    "unsolicited_nas_sent",
};

constexpr const char* kConfig = R"(
ports:
  - name: lan
    device: "net_null0"
    addresses: ["10.0.0.1/24"]
services:
  - name: web
    vip: 192.0.2.10
    port: 80
    protocol: tcp
    scheduler: rr
    real_servers:
      - { address: 10.0.0.11, port: 8080 }
)";

}  // namespace

TEST_CASE("counter table: unique names, a help text each, one field each", "[mgmt]") {
    std::set<std::string_view> names;
    for (const counters::Info& c : counters::kWorker) {
        INFO(c.name);
        CHECK(names.insert(c.name).second);
        CHECK_FALSE(c.help.empty());
        CHECK_FALSE(c.label.empty());
    }
    CHECK(dvs::dataplane::kWorkerCounterFields.size() == counters::kWorker.size());
    for (const std::string& key : kKeysBeforeTheTable) {
        INFO(key);
        CHECK(names.count(key) == 1);
    }
}

TEST_CASE("stats JSON: every counter of the table, summed, under its name", "[mgmt]") {
    const auto cfg = dvs::control::load_config_text(kConfig, "test.yaml");
    const auto snap = dvs::control::build_snapshot(cfg, 2, 1);
    auto w0 = std::make_unique<dvs::dataplane::WorkerCounters>();
    auto w1 = std::make_unique<dvs::dataplane::WorkerCounters>();
    // Each counter a different value, so a key that reads the wrong field shows.
    for (std::size_t i = 0; i < counters::kWorker.size(); ++i) {
        (w0.get()->*dvs::dataplane::kWorkerCounterFields[i]).add(i + 1);
        (w1.get()->*dvs::dataplane::kWorkerCounterFields[i]).add(100 * (i + 1));
    }
    CHECK(w0->sync_kept.get() != 0);
    dvs::control::StatsView view{&cfg, snap.get(), {w0.get(), w1.get()}, true, "initial"};
    const json stats = json::parse(dvs::control::render_stats_json(view));
    for (std::size_t i = 0; i < counters::kWorker.size(); ++i) {
        const std::string name(counters::kWorker[i].name);
        INFO(name);
        CHECK(stats["workers"][0][name] == i + 1);
        CHECK(stats["workers"][1][name] == 100 * (i + 1));
        CHECK(stats["totals"][name] == 101 * (i + 1));
    }
    CHECK(stats["totals"]["drops"].is_object());
    CHECK(stats["services"][0]["conns"] == 0);
}

TEST_CASE("status answer: the workers' counters round trip; an older dvsd sends none", "[mgmt]") {
    mgmt::StatusResponse status;
    status.workers = 2;
    status.config_file = "/etc/dvs.yaml";
    for (const counters::Info& c : counters::kWorker) status.counters[std::string(c.name)] = 7;
    const json wire = mgmt::to_json(status);
    CHECK(wire["counters"]["icmp_errors_forwarded"] == 7);
    CHECK(mgmt::parse_status_response(wire) == status);

    json older = wire;
    older.erase("counters");
    CHECK(mgmt::parse_status_response(older).counters.empty());
    older["counters"] = {{"rx", "many"}};
    CHECK_THROWS_WITH(mgmt::parse_status_response(older),
                      "malformed response: field 'counters.rx' must be an integer "
                      "0..18446744073709551615, got \"many\"");
}

TEST_CASE("dvsadm status lists the counters in the table's order", "[mgmt]") {
    mgmt::StatusResponse status;
    status.workers = 1;
    status.config_file = "/etc/dvs.yaml";
    status.counters = {{"rx", 12}, {"tx", 11}, {"icmp_errors_forwarded", 3}};
    const std::string out = dvs::dvsadm::format_status(status);
    // Names padded to the longest in the table (template_releases_lost).
    CHECK(out.find("counters:\n"
                   "  rx                               12\n"
                   "  tx                               11\n"
                   "  icmp_errors_forwarded             3\n"
                   "drops:") != std::string::npos);
}
