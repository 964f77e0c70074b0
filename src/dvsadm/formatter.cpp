// ipvsadm's listing formats. The printf formats below are ipvsadm's own
// (print_title, print_service_entry, print_largenum, list_conn), so the
// columns line up exactly as scripts and eyes expect; the trailing blanks
// of the plain listing ("%-10u\n") are ipvsadm's too.

#include "dvsadm/formatter.hpp"

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <tuple>
#include <vector>

#include "common/text_codec.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::dvsadm {

namespace {

std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));

std::string printf_string(const char* format, ...) {
    // Two passes without va_copy: most lines fit the small buffer.
    char small[256];
    va_list args;
    va_start(args, format);
    // The analyzer does not see va_start through the format attribute.
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    const int length = std::vsnprintf(small, sizeof small, format, args);
    va_end(args);
    if (length < 0) return {};
    if (static_cast<std::size_t>(length) < sizeof small) {
        return std::string(small, static_cast<std::size_t>(length));
    }
    std::string out(static_cast<std::size_t>(length), '\0');
    va_start(args, format);
    std::vsnprintf(out.data(), out.size() + 1, format, args);
    va_end(args);
    return out;
}

using ull = unsigned long long;

int64_t now_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// "10.0.0.1:80" or "[2001:db8::10]:80" (ipvsadm's addrport_to_anyname).
std::string addr_port(const IpAddress& address, uint16_t port) {
    return text::format_ip_bracketed(address) + ":" + std::to_string(port);
}

const char* protocol_upper(Protocol p) { return p == Protocol::kUdp ? "UDP" : "TCP"; }

// ipvsadm's fwd_name (listing) and fwd_switch (-S).
const char* forward_label(ForwardMethod f) {
    switch (f) {
        case ForwardMethod::kDr:
            return "Route";
        case ForwardMethod::kTun:
            return "Tunnel";
        case ForwardMethod::kNat:
            break;
    }
    return "Masq";
}

std::string join_flags(const std::vector<std::string>& flags) {
    std::string out;
    for (const std::string& f : flags) out += (out.empty() ? "" : ",") + f;
    return out;
}

// ipvsadm's order (ipvs_cmp_services, ipvs_cmp_dests): protocol number,
// then address, then port.
std::vector<const mgmt::ServiceInfo*> ordered(const mgmt::ListResponse& list, bool nosort) {
    std::vector<const mgmt::ServiceInfo*> out;
    for (const auto& s : list.services) out.push_back(&s);
    if (!nosort) {
        std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
            return std::tuple(static_cast<int>(a->key.protocol), a->key.vip, a->key.port) <
                   std::tuple(static_cast<int>(b->key.protocol), b->key.vip, b->key.port);
        });
    }
    return out;
}

// The listing's Weight column: the effective weight, as ipvsadm shows it
// under keepalived (0 = out of service); -S saves the configured one.
uint32_t listed_weight(const mgmt::RealServerInfo& rs) {
    return rs.effective_weight.value_or(rs.weight);
}

std::vector<const mgmt::RealServerInfo*> ordered(const mgmt::ServiceInfo& s, bool nosort) {
    std::vector<const mgmt::RealServerInfo*> out;
    for (const auto& rs : s.real_servers) out.push_back(&rs);
    if (!nosort) {
        std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
            return std::tuple(a->key.address, a->key.port) <
                   std::tuple(b->key.address, b->key.port);
        });
    }
    return out;
}

std::string title(const ListOptions& o) {
    if (o.stats) {
        return printf_string("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
                             "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
                             "OutBytes");
    }
    if (o.rate) {
        return printf_string("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
                             "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS");
    }
    if (o.verbose) {
        return "Prot LocalAddress:Port Scheduler Flags\n"
               "  -> RemoteAddress:Port           Forward CfgWeight EffWeight ActiveConn "
               "InActConn\n";
    }
    if (o.tun_info) {
        return "Prot LocalAddress:Port Scheduler Flags\n"
               "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn "
               "InActConn\n";
    }
    return "Prot LocalAddress:Port Scheduler Flags\n"
           "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
}

std::string counters_columns(const std::optional<mgmt::Counters>& c, bool exact) {
    const mgmt::Counters v = c.value_or(mgmt::Counters{});
    return format_largenum(v.conns, exact) + format_largenum(v.pkts_in, exact) +
           format_largenum(v.pkts_out, exact) + format_largenum(v.bytes_in, exact) +
           format_largenum(v.bytes_out, exact);
}

// ipvsadm prints the granularity only when it is not a single client: a
// dotted netmask for IPv4, a prefix length for IPv6.
std::string persistence_mask(const mgmt::ServiceKey& key, const mgmt::Persistence& p,
                             const char* label) {
    if (key.vip.is_v6()) {
        const uint32_t bits = p.prefix_length.value_or(128);
        return bits != 128 ? label + std::to_string(bits) : "";
    }
    return p.netmask != 0xffffffff ? label + text::format_ipv4(p.netmask) : "";
}

std::string service_entry(const mgmt::ServiceInfo& s, const ListOptions& o) {
    const std::string name = service_label(s.key);
    std::string out;
    if (o.stats) {
        out = printf_string("%-33s", name.c_str()) + counters_columns(s.stats, o.exact);
    } else if (o.rate) {
        const mgmt::Rates r = s.rate.value_or(mgmt::Rates{});
        out = printf_string("%-33s", name.c_str()) + format_largenum(r.cps, o.exact) +
              format_largenum(r.inpps, o.exact) + format_largenum(r.outpps, o.exact) +
              format_largenum(r.inbps, o.exact) + format_largenum(r.outbps, o.exact);
    } else {
        out = name + " " + s.scheduler;
        if (!s.flags.empty()) out += " (" + join_flags(s.flags) + ")";
        if (s.persistence) {
            out += " persistent " + std::to_string(s.persistence->timeout);
            out += persistence_mask(s.key, *s.persistence, " mask ");
        }
    }
    out += "\n";

    for (const mgmt::RealServerInfo* rs : ordered(s, o.nosort)) {
        const std::string dest = addr_port(rs->key.address, rs->key.port);
        if (o.stats) {
            out += printf_string("  -> %-28s", dest.c_str()) +
                   counters_columns(rs->stats, o.exact) + "\n";
        } else if (o.rate) {
            const mgmt::Rates r = rs->rate.value_or(mgmt::Rates{});
            // ipvsadm prints the first three rates plainly, the byte rates large.
            out += printf_string("  -> %-28s %8llu %8llu %8llu", dest.c_str(), ull{r.cps},
                                 ull{r.inpps}, ull{r.outpps}) +
                   format_largenum(r.inbps, o.exact) + format_largenum(r.outbps, o.exact) + "\n";
        } else if (o.verbose) {
            // Both weights: what the configuration says, what the scheduler
            // uses (0 out of service, scaled by an agent).
            out += printf_string("  -> %-28s %-7s %-9u %-9u %-10llu %-10llu\n", dest.c_str(),
                                 forward_label(rs->forward), rs->weight, listed_weight(*rs),
                                 ull{rs->active_conns}, ull{rs->inactive_conns});
        } else if (o.tun_info) {
            out += printf_string(
                "  -> %-28s %-7s %-13s %-6u %-10llu %-10llu\n", dest.c_str(),
                forward_label(rs->forward), rs->forward == ForwardMethod::kTun ? "ipip" : "n/a",
                listed_weight(*rs), ull{rs->active_conns}, ull{rs->inactive_conns});
        } else {
            out += printf_string("  -> %-28s %-7s %-6u %-10llu %-10llu\n", dest.c_str(),
                                 forward_label(rs->forward), listed_weight(*rs),
                                 ull{rs->active_conns}, ull{rs->inactive_conns});
        }
    }
    return out;
}

}  // namespace

std::string service_label(const mgmt::ServiceKey& key) {
    return printf_string("%-4s %s", protocol_upper(key.protocol),
                         addr_port(key.vip, key.port).c_str());
}

std::string format_largenum(uint64_t n, bool exact) {
    if (exact) {
        const std::string digits = std::to_string(n);
        const int width = digits.size() <= 8 ? 9 : static_cast<int>(digits.size()) + 1;
        return printf_string("%*llu", width, ull{n});
    }
    if (n < 100000000ULL) return printf_string("%9llu", ull{n});
    if (n < 1000000000ULL) return printf_string("%8lluK", ull{n / 1000});
    if (n < 100000000000ULL) return printf_string("%8lluM", ull{n / 1000000});
    if (n < 100000000000000ULL) return printf_string("%8lluG", ull{n / 1000000000ULL});
    return printf_string("%8lluT", ull{n / 1000000000000ULL});
}

std::string format_list(const mgmt::ListResponse& list, const ListOptions& options,
                        const std::optional<mgmt::ServiceKey>& only) {
    if (only) {
        // ipvsadm's list_service: title and the one service, no header.
        for (const auto& s : list.services) {
            if (s.key == *only) return title(options) + service_entry(s, options);
        }
        throw LookupError("No such service: " + std::string(text::name(only->protocol)) + " " +
                          addr_port(only->vip, only->port));
    }
    std::string out = std::string(kIpvsHeader) + "\n" + title(options);
    for (const mgmt::ServiceInfo* s : ordered(list, options.nosort))
        out += service_entry(*s, options);
    return out;
}

std::string format_save(const mgmt::ListResponse& list) {
    std::string out;
    for (const mgmt::ServiceInfo* s : ordered(list, false)) {
        const std::string name = std::string(s->key.protocol == Protocol::kUdp ? "-u " : "-t ") +
                                 addr_port(s->key.vip, s->key.port);
        out += "-A " + name + " -s " + s->scheduler;
        if (s->persistence) {
            out += " -p " + std::to_string(s->persistence->timeout);
            out += persistence_mask(s->key, *s->persistence, " -M ");
        }
        if (!s->flags.empty()) out += " -b " + join_flags(s->flags);
        out += "\n";
        // What ipvsadm cannot say (the name, checks, ...): a comment for
        // ipvsadm, read back by dvsadm -R.
        if (!s->options.empty()) out += "# dvs: " + name + " " + s->options + "\n";
        for (const mgmt::RealServerInfo* rs : ordered(*s, false)) {
            out += "-a " + name + " -r " + addr_port(rs->key.address, rs->key.port) + " " +
                   std::string(text::ipvsadm_switch(rs->forward)) + " -w " +
                   std::to_string(rs->weight);
            // ipvsadm 1.31 names the tunnel type of every -i server.
            if (rs->forward == ForwardMethod::kTun) out += " --tun-type ipip";
            out += "\n";
            // The server's own checks, read back by -R after its -a line.
            if (!rs->options.empty()) {
                out += "# dvs: " + name + " -r " + addr_port(rs->key.address, rs->key.port) + " " +
                       rs->options + "\n";
            }
        }
    }
    return out;
}

std::string format_timeouts(const mgmt::Timeouts& t) {
    return printf_string("Timeout (tcp tcpfin udp): %u %u %u\n", t.tcp, t.tcp_fin, t.udp);
}

std::string format_conns(const mgmt::ConnsResponse& conns) {
    std::string out = "IPVS connection entries\n";
    out += printf_string("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
                         "destination");
    for (const mgmt::ConnInfo& c : conns.conns) {
        const std::string expire = printf_string("%02u:%02u", c.expires_in / 60, c.expires_in % 60);
        out += printf_string(
            "%-3s %-6s %-11s %-18s %-18s %s\n", protocol_upper(c.protocol), expire.c_str(),
            c.state.c_str(), addr_port(c.client, c.client_port).c_str(),
            addr_port(c.vip, c.vport).c_str(), addr_port(c.server, c.server_port).c_str());
    }
    return out;
}

std::string format_status(const mgmt::StatusResponse& s) {
    std::string out;
    auto row = [&](const char* key, const std::string& value) {
        out += printf_string("%-18s%s\n", key, value.c_str());
    };
    row("workers:", std::to_string(s.workers));
    row("snapshot version:", std::to_string(s.snapshot_version));
    row("config file:", s.config_file);
    if (s.last_reload) {
        const std::time_t when = static_cast<std::time_t>(s.last_reload->time);
        std::tm tm{};
        char stamp[32] = "?";
        if (gmtime_r(&when, &tm) != nullptr) {
            std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);
        }
        std::string value = std::string(s.last_reload->ok ? "ok" : "FAILED") + ", " + stamp;
        if (!s.last_reload->message.empty()) value += ": " + s.last_reload->message;
        row("last reload:", value);
    } else {
        row("last reload:", "never");
    }
    std::string restart;
    for (const std::string& key : s.needs_restart) restart += (restart.empty() ? "" : ", ") + key;
    row("needs restart:", restart.empty() ? "nothing" : restart);
    row("unsaved changes:", s.unsaved_changes == 0
                                ? std::string("none")
                                : std::to_string(s.unsaved_changes) +
                                      " (dvsadm changes a reload of the file would discard; dvsadm "
                                      "save-runtime keeps them)");
    // The workers' counters, when dvsd sends them (it has since the field
    // came), laid out like the drops.
    if (!s.counters.empty()) {
        out += "counters:\n";
        std::size_t width = 0;
        for (const counters::Info& c : counters::kWorker) width = std::max(width, c.name.size());
        for (const counters::Info& c : counters::kWorker) {
            const auto n = s.counters.find(std::string(c.name));
            if (n == s.counters.end()) continue;
            out += printf_string("  %-*s %12llu\n", static_cast<int>(width),
                                 std::string(c.name).c_str(), ull{n->second});
        }
    }
    if (s.drops.empty()) {
        row("drops:", "none");
        return out;
    }
    out += "drops:\n";
    std::size_t width = 0;
    for (const auto& [reason, n] : s.drops) width = std::max(width, reason.size());
    for (const auto& [reason, n] : s.drops) {
        out += printf_string("  %-*s %12llu\n", static_cast<int>(width), reason.c_str(), ull{n});
    }
    return out;
}

std::string format_health(const mgmt::HealthResponse& health, int64_t now_ms) {
    std::string out;
    auto age = [now_ms](int64_t ms) -> std::string {
        if (ms <= 0) return "never";
        const double s = static_cast<double>(now_ms - ms) / 1000.0;
        return printf_string("%.1fs ago", s < 0 ? 0.0 : s);
    };
    for (const mgmt::ServiceHealth& s : health.services) {
        out += printf_string("%s %s %s\n", std::string(text::name(s.key.protocol)).c_str(),
                             addr_port(s.key.vip, s.key.port).c_str(), s.name.c_str());
        if (s.sorry_server) {
            out += printf_string(
                "  sorry server %s %s\n",
                addr_port(s.sorry_server->key.address, s.sorry_server->key.port).c_str(),
                s.sorry_server->active ? "ACTIVE (no real server is healthy)" : "standby");
        }
        out += printf_string("  %-21s %-5s %-5s %-13s %-6s %-10s %s\n", "real server", "check",
                             "state", "since", "weight", "last check", "result");
        for (const mgmt::ServerHealth& h : s.real_servers) {
            const std::string endpoint = addr_port(h.key.address, h.key.port);
            const std::string weight =
                h.in_pool ? std::to_string(h.effective_weight) + "/" + std::to_string(h.weight)
                          : "out/" + std::to_string(h.weight);
            std::string result =
                h.last_check == 0 ? "-" : (h.last_ok ? "ok: " : "FAIL: ") + h.last_reason;
            if (h.agent) {
                result +=
                    printf_string("; agent %u%% (\"%s\")", h.agent->percent, h.agent->last.c_str());
            }
            out += printf_string(
                "  %-21s %-5s %-5s %-13s %-6s %-10s %s\n", endpoint.c_str(), h.check.c_str(),
                h.state.c_str(), h.since == 0 ? "start" : age(h.since).c_str(), weight.c_str(),
                h.last_check == 0 ? "never" : age(h.last_check).c_str(), result.c_str());
            out += printf_string("  %-21s checks %lu, failures %lu, transitions %lu", "",
                                 static_cast<unsigned long>(h.checks),
                                 static_cast<unsigned long>(h.failures),
                                 static_cast<unsigned long>(h.transitions));
            if (h.agent) {
                out += printf_string(", agent checks %lu, agent failures %lu",
                                     static_cast<unsigned long>(h.agent_checks),
                                     static_cast<unsigned long>(h.agent_failures));
            }
            out += "\n";
        }
    }
    return out;
}

std::string format_health(const mgmt::HealthResponse& health) {
    return format_health(health, now_unix_ms());
}

std::string format_ha(const mgmt::HaResponse& ha, int64_t now_ms) {
    if (!ha.enabled) return "high availability is not configured\n";
    std::string out = "VRRP on " + ha.interface + "\n";
    if (ha.instances.empty()) out += "  no instances\n";
    int width = 0;
    for (const mgmt::VrrpInstanceInfo& v : ha.instances) {
        width = std::max(width, static_cast<int>(v.name.size()));
    }
    for (const mgmt::VrrpInstanceInfo& v : ha.instances) {
        std::string since = "since start";
        if (v.since_ms != 0) {
            const double s = static_cast<double>(now_ms - v.since_ms) / 1000.0;
            since = printf_string("since %.1fs ago", s < 0 ? 0.0 : s);
        }
        if (!v.reason.empty()) since += " (" + v.reason + ")";
        out += printf_string(
            "  %-*s  vrid %-3u  %-6s  priority %-3u  advert %ums  master %s  %s\n", width,
            v.name.c_str(), v.vrid, v.state.c_str(), v.priority, v.advert_interval_ms,
            v.master.is_unspecified() ? "unknown" : text::format_ip(v.master).c_str(),
            since.c_str());
        const mgmt::VrrpCountersInfo& c = v.counters;
        out += printf_string(
            "  %-*s  adverts sent %llu received %llu  became master %llu backup %llu  dropped "
            "%llu\n",
            width, "", ull{c.adverts_sent}, ull{c.adverts_received}, ull{c.became_master},
            ull{c.became_backup}, ull{c.dropped});
        if (c.priority_zero_sent != 0 || c.priority_zero_received != 0 || c.address_mismatch != 0 ||
            c.interval_mismatch != 0) {
            out += printf_string(
                "  %-*s  priority 0 sent %llu received %llu  mismatched addresses %llu "
                "interval %llu\n",
                width, "", ull{c.priority_zero_sent}, ull{c.priority_zero_received},
                ull{c.address_mismatch}, ull{c.interval_mismatch});
        }
    }
    // What the sockets read that no instance was given, whatever the
    // instances' own counters say: a peer sending from the wrong address or
    // with the wrong vrid shows here.
    const mgmt::VrrpSocketInfo& k = ha.vrrp_socket;
    out += printf_string(
        "  socket: read %llu; other vrid %llu, not for the group %llu, own %llu; refused: bad "
        "IP %llu, not link-local %llu, too short %llu; errors: send %llu receive %llu\n",
        ull{k.received}, ull{k.other_vrid}, ull{k.not_for_group}, ull{k.own}, ull{k.bad_ip},
        ull{k.not_link_local}, ull{k.too_short}, ull{k.send_errors}, ull{k.receive_errors});
    const mgmt::HaSyncInfo& s = ha.sync;
    if (s.configured) {
        out += "Sync with " + s.peer +
               (s.authenticated ? " (authenticated)" : " (NOT authenticated: no key file)") +
               (s.requesting_full ? " (asking for its table)" : "") + "\n";
        const std::string received =
            s.last_receive_age_s < 0 ? "never" : printf_string("%.1fs ago", s.last_receive_age_s);
        out += printf_string(
            "  sent %llu records, received %llu, lost datagrams %llu, queued %llu (lag), last "
            "received %s\n",
            ull{s.records_sent}, ull{s.records_received}, ull{s.datagrams_lost}, ull{s.queued},
            received.c_str());
        out += printf_string("  full transfers received %llu", ull{s.full_transfers_received});
        if (s.full_transfers_received != 0) {
            out += printf_string(" (last: %llu connections in %.0f ms)", ull{s.last_full_records},
                                 s.last_full_ms);
        }
        out += "\n";
        if (s.unknown_server != 0 || s.install_ring_full != 0 || s.bad_datagrams != 0) {
            out += printf_string(
                "  not installed: unknown server %llu, install ring full %llu; bad datagrams "
                "%llu\n",
                ull{s.unknown_server}, ull{s.install_ring_full}, ull{s.bad_datagrams});
        }
        // Always shown: what a host on the HA link tried is visible here,
        // apart from the loss count above.
        out += printf_string(
            "  refused: foreign %llu, unauthenticated %llu, replayed %llu, old version %llu; "
            "sequence jumps %llu\n",
            ull{s.foreign_datagrams}, ull{s.unauthenticated}, ull{s.replayed}, ull{s.bad_version},
            ull{s.seq_jumps});
        out += printf_string(
            "  full-transfer requests honoured %llu, rate-limited %llu; records ignored as "
            "master %llu; timeouts capped %llu\n",
            ull{s.full_requests_served}, ull{s.full_requests_limited}, ull{s.ignored_as_master},
            ull{s.timeouts_capped});
        if (s.send_blocked != 0 || s.gap_repairs != 0) {
            out += printf_string(
                "  socket full %llu times (datagram held a tick); full transfers asked after "
                "losses %llu\n",
                ull{s.send_blocked}, ull{s.gap_repairs});
        }
    } else {
        out += "Sync not configured (no peer)\n";
    }
    // The workers' counters as common/counter_list.hpp labels them: the
    // sync records in one run, then the rest after commas.
    const mgmt::HaDataplaneInfo& d = ha.dataplane;
    out += "  dataplane:";
#define DVS_HA_FIELD(group, name, kind, label, help)                                               \
    out +=                                                                                         \
        printf_string(counters::Group::group == counters::Group::kSync ? " %s %llu" : ", %s %llu", \
                      label, ull{d.name});
    DVS_HA_DATAPLANE_COUNTERS(DVS_HA_FIELD)
#undef DVS_HA_FIELD
    out += printf_string(", ha_backup drops %llu\n", ull{d.ha_backup_drops});
    return out;
}

std::string format_ha(const mgmt::HaResponse& ha) { return format_ha(ha, now_unix_ms()); }

std::string format_fleet(const mgmt::FleetResponse& f) {
    if (!f.enabled) return "Fleet: not configured (no fleet section)\n";
    std::string out =
        "Fleet: " +
        std::string(f.stopping  ? "stopping (VIPs withdrawn, forwarding the grace period)"
                    : f.drained ? "drained"
                    : f.ready   ? "active"
                                : "starting") +
        ", VIP routes in kernel table " + std::to_string(f.route_table) + " via " + f.interface +
        "\n";
    for (const mgmt::FleetVip& v : f.vips) {
        out += "  VIP " + text::format_ip(v.vip) + "  " +
               (v.announced ? "announced" : "withdrawn") + " (" + v.reason + ")\n";
    }
    if (f.bird_socket.empty()) return out + "BIRD: not asked (fleet.bird_socket is empty)\n";
    if (!f.bird_reachable) {
        out += "BIRD: not reachable on " + f.bird_socket + ": " + f.bird_error;
    } else {
        out += "BIRD: " + f.bird_socket;
    }
    out += " (" + std::to_string(f.bird_poll_failures) + " of " + std::to_string(f.bird_polls) +
           " polls failed)\n";
    for (const mgmt::FleetBgpSession& b : f.bgp) {
        out += "  BGP " + b.name + "  " + (b.state == "up" ? "up" : "down") + " (" + b.state +
               (b.info.empty() ? "" : ", " + b.info) + ")\n";
    }
    if (f.route_errors != 0) {
        out += "Route errors: " + std::to_string(f.route_errors) + ", last: " + f.last_route_error +
               "\n";
    }
    return out;
}

}  // namespace dvs::dvsadm
