// vrrp_node: one VrrpService on one kernel interface, for the interop test
// against keepalived (tests/e2e/e2e_vrrp_keepalived.sh). No dvsd, no DPDK.
//
//   vrrp_node --interface IF --vrid N --priority P --address A [--address A...]
//             [--name NAME] [--interval-ms MS] [--no-preempt] [--preempt-delay-ms MS]
//
// stdout, one flushed line per event, for the test to wait on:
//   READY <name> <primary address>
//   TRANSITION <name> <FROM> <TO> <reason>
//   GARP <name>
//   STOPPED <name> sent=<n> received=<n> prio0_sent=<n> ...
// SIGTERM/SIGINT: masters send their priority-0 advert, then exit 0.

#include <arpa/inet.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "common/text_codec.hpp"
#include "control/ha/vrrp_service.hpp"

namespace {

using namespace dvs::control;
using dvs::IpAddress;

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "vrrp_node: %s\nusage: vrrp_node --interface IF --vrid N --priority P --address A "
                 "[--address A...] [--name NAME] [--interval-ms MS] [--no-preempt] "
                 "[--preempt-delay-ms MS]\n",
                 why.c_str());
    std::exit(2);
}

long number(const char* text, long lo, long hi, const char* what) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < lo || v > hi) {
        usage(std::string("bad ") + what + ": " + text);
    }
    return v;
}

struct Options {
    std::string interface;
    VrrpParams params;
};

Options parse(int argc, char** argv) {
    Options o;
    o.params.name = "vrrp_node";
    bool have_vrid = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--interface") {
            o.interface = value();
        } else if (arg == "--name") {
            o.params.name = value();
        } else if (arg == "--vrid") {
            o.params.vrid = static_cast<uint8_t>(number(value(), 1, 255, "vrid"));
            have_vrid = true;
        } else if (arg == "--priority") {
            o.params.priority = static_cast<uint8_t>(number(value(), 1, 255, "priority"));
        } else if (arg == "--interval-ms") {
            o.params.advert_interval =
                std::chrono::milliseconds(number(value(), 10, 40950, "interval"));
        } else if (arg == "--no-preempt") {
            o.params.preempt = false;
        } else if (arg == "--preempt-delay-ms") {
            o.params.preempt_delay =
                std::chrono::milliseconds(number(value(), 0, 3600000, "delay"));
        } else if (arg == "--address") {
            // IPv4 or IPv6; the first address gives the instance's family.
            const char* text = value();
            const std::optional<IpAddress> a = dvs::text::parse_ip(text);
            if (!a) usage(std::string("bad address: ") + text);
            if (!o.params.addresses.empty() && a->family != o.params.addresses[0].family) {
                usage(std::string("one address family per instance: ") + text);
            }
            o.params.addresses.push_back(*a);
            o.params.primary_ip = IpAddress{};
            o.params.primary_ip.family = o.params.addresses[0].family;
        } else {
            usage("unknown argument " + std::string(arg));
        }
    }
    if (o.interface.empty() || !have_vrid || o.params.addresses.empty()) {
        usage("--interface, --vrid and --address are required");
    }
    return o;
}

void print_counters(const VrrpInstanceStatus& s) {
    const VrrpCounters& c = s.counters;
    std::printf(
        "STOPPED %s sent=%llu received=%llu prio0_sent=%llu prio0_received=%llu master=%llu "
        "backup=%llu bad_ttl=%llu bad_checksum=%llu bad_version=%llu address_mismatch=%llu "
        "interval_mismatch=%llu\n",
        s.name.c_str(), static_cast<unsigned long long>(c.adverts_sent),
        static_cast<unsigned long long>(c.adverts_received),
        static_cast<unsigned long long>(c.priority_zero_sent),
        static_cast<unsigned long long>(c.priority_zero_received),
        static_cast<unsigned long long>(c.became_master),
        static_cast<unsigned long long>(c.became_backup),
        static_cast<unsigned long long>(c.bad_ttl), static_cast<unsigned long long>(c.bad_checksum),
        static_cast<unsigned long long>(c.bad_version),
        static_cast<unsigned long long>(c.address_mismatch),
        static_cast<unsigned long long>(c.interval_mismatch));
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    // The service logs to stderr; stdout carries only the event lines.
    spdlog::set_default_logger(spdlog::stderr_logger_st("vrrp_node"));
    std::setvbuf(stdout, nullptr, _IOLBF, 0);

    try {
        boost::asio::io_context io;
        VrrpCallbacks callbacks;
        callbacks.on_transition = [](const std::string& name, VrrpState from, VrrpState to,
                                     const std::string& reason) {
            std::printf("TRANSITION %s %s %s %s\n", name.c_str(), to_string(from), to_string(to),
                        reason.c_str());
            std::fflush(stdout);
        };
        callbacks.on_garp = [](const std::string& name) {
            std::printf("GARP %s\n", name.c_str());
            std::fflush(stdout);
        };
        VrrpService service(io, o.interface, o.params.family(), {o.params}, callbacks);
        boost::asio::signal_set signals(io, SIGTERM, SIGINT);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) return;
            service.stop();
            for (const VrrpInstanceStatus& s : service.status()) print_counters(s);
            std::fflush(stdout);
            io.stop();
        });
        service.start();
        std::printf("READY %s %s\n", o.params.name.c_str(),
                    vrrp_address_string(service.primary_ip()).c_str());
        std::fflush(stdout);
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vrrp_node: %s\n", e.what());
        return 1;
    }
    return 0;
}
