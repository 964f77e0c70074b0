// The dvsadm program: glue between the pure parts (parser, request,
// formatter) and the socket (client), and the mapping of failures to exit
// codes.

#include "dvsadm/app.hpp"

#include <istream>
#include <ostream>
#include <utility>

#include "common/version.hpp"
#include "dvsadm/client.hpp"
#include "dvsadm/formatter.hpp"
#include "dvsadm/parser.hpp"
#include "dvsadm/request.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::dvsadm {

namespace {

int fail(const Environment& env, int code, const std::string& message) {
    env.err << "dvsadm: " << message << "\n";
    return code;
}

// -R: every line is checked before anything is sent, so a typo on line 9
// does not leave lines 1-8 applied; then the lines are applied in order
// and the first refusal stops the run.
int restore(const Environment& env, const std::string& socket_path) {
    std::vector<std::pair<int, Command>> commands;
    std::string line;
    int number = 0;
    while (std::getline(env.in, line)) {
        ++number;
        try {
            if (auto cmd = parse_restore_line(line)) commands.emplace_back(number, std::move(*cmd));
        } catch (const UsageError& e) {
            return fail(env, kExitUsage, "line " + std::to_string(number) + ": " + e.what());
        }
    }
    if (commands.empty()) return kExitOk;
    Client client(socket_path);
    for (const auto& [n, cmd] : commands) {
        try {
            mgmt::check_response(client.call(mgmt::to_json(to_request(cmd))));
        } catch (const mgmt::DaemonError& e) {
            return fail(env, kExitDaemonError, "line " + std::to_string(n) + ": " + e.what());
        }
    }
    return kExitOk;
}

// --json: the answer's body, checked like the text views check it (a
// malformed answer is an error, not output), without the envelope.
nlohmann::json json_view(const Command& cmd, const nlohmann::json& answer) {
    switch (cmd.verb) {
        case Verb::kList:
            if (cmd.list.connections) {
                mgmt::parse_conns_response(answer);
            } else {
                mgmt::parse_list_response(answer);
            }
            break;
        case Verb::kConns:
            mgmt::parse_conns_response(answer);
            break;
        case Verb::kStatus:
            mgmt::parse_status_response(answer);
            break;
        case Verb::kHealth:
            mgmt::parse_health_response(answer);
            break;
        case Verb::kHa:
            mgmt::parse_ha_response(answer);
            break;
        default:
            mgmt::check_response(answer);
            break;
    }
    nlohmann::json body = answer;
    body.erase("v");
    body.erase("ok");
    return body;
}

int execute(const Command& cmd, const Environment& env, const std::string& socket_path) {
    if (cmd.verb == Verb::kRestore) return restore(env, socket_path);

    Client client(socket_path);
    const nlohmann::json answer = client.call(mgmt::to_json(to_request(cmd)));
    if (cmd.json) {
        env.out << json_view(cmd, answer).dump(2) << "\n";
        return kExitOk;
    }
    switch (cmd.verb) {
        case Verb::kList:
            if (cmd.list.connections) {
                env.out << format_conns(mgmt::parse_conns_response(answer));
            } else if (cmd.list.timeout) {
                env.out << format_timeouts(mgmt::parse_list_response(answer).timeouts);
            } else {
                env.out << format_list(mgmt::parse_list_response(answer), cmd.list, cmd.service);
            }
            break;
        case Verb::kSave:
            env.out << format_save(mgmt::parse_list_response(answer));
            break;
        case Verb::kStatus:
            env.out << format_status(mgmt::parse_status_response(answer));
            break;
        case Verb::kHealth:
            env.out << format_health(mgmt::parse_health_response(answer));
            break;
        case Verb::kHa:
            env.out << format_ha(mgmt::parse_ha_response(answer));
            break;
        case Verb::kFleet:
            env.out << format_fleet(mgmt::parse_fleet_response(answer));
            break;
        case Verb::kSaveRuntime:
        case Verb::kReload: {
            if (cmd.dry_run) {
                const std::vector<std::string> changes = mgmt::parse_changes_response(answer);
                if (changes.empty()) env.out << "a reload would change nothing\n";
                for (const std::string& c : changes) env.out << c << "\n";
                break;
            }
            const std::string message = mgmt::parse_message_response(answer);
            if (!message.empty()) env.out << message << "\n";
            break;
        }
        case Verb::kSaveYaml: {
            const std::string yaml = mgmt::parse_yaml_response(answer);
            env.out << yaml;
            if (!yaml.empty() && yaml.back() != '\n') env.out << "\n";
            break;
        }
        case Verb::kConns: {
            const mgmt::ConnsResponse conns = mgmt::parse_conns_response(answer);
            env.out << format_conns(conns);
            if (conns.truncated) {
                env.err << "dvsadm: listing truncated at " << conns.conns.size()
                        << " connections (narrow it with --vip/--client/--server or raise "
                           "--limit)\n";
            }
            break;
        }
        default:
            mgmt::check_response(answer);
            break;
    }
    return kExitOk;
}

}  // namespace

std::string usage_text() {
    return "dvsadm: the DVS (DPDK Virtual Server) admin tool, ipvsadm-compatible\n"
           "Usage:\n"
           "  dvsadm -A|E -t|u service-address [-s scheduler] [-p [timeout]] [-M netmask]\n"
           "                                   [-b sched-flags]\n"
           "  dvsadm -D -t|u service-address\n"
           "  dvsadm -C\n"
           "  dvsadm -R\n"
           "  dvsadm -S [-n]\n"
           "  dvsadm -a|e -t|u service-address -r server-address [-g|i|m] [-w weight]\n"
           "  dvsadm -d -t|u service-address -r server-address\n"
           "  dvsadm -L|l [-t|u service-address] [options]\n"
           "  dvsadm -Z [-t|u service-address]\n"
           "  dvsadm --set tcp tcpfin udp\n"
           "  dvsadm status | reload [--dry-run|--restart] | save-yaml | save-runtime | health | "
           "ha\n"
           "  dvsadm conns [--vip A[:port]] [--client A] [--server A] [--protocol tcp|udp]\n"
           "               [--limit N]\n"
           "  dvsadm -h\n"
           "\n"
           "Commands:\n"
           "  --add-service     -A        add virtual service with options\n"
           "  --edit-service    -E        edit virtual service with options\n"
           "  --delete-service  -D        delete virtual service\n"
           "  --clear           -C        clear the whole table\n"
           "  --restore         -R        restore rules from stdin\n"
           "  --save            -S        save rules to stdout\n"
           "  --add-server      -a        add real server with options\n"
           "  --edit-server     -e        edit real server with options\n"
           "  --delete-server   -d        delete real server\n"
           "  --list            -L|-l     list the table\n"
           "  --zero            -Z        zero counters in a service or all services\n"
           "  --set tcp tcpfin udp        set connection timeout values (0 = unchanged)\n"
           "  status                      dvsd's state: workers, last reload, drops\n"
           "  reload                      re-read the configuration file\n"
           "  save-yaml                   print the running configuration as YAML\n"
           "  save-runtime                write services and timeouts to the config's "
           "runtime_overlay\n"
           "  reload --dry-run            list what a reload of the file would change\n"
           "  reload --restart            validate the file, then restart dvsd with it, keeping "
           "connections\n"
           "  conns                       list connections, optionally filtered\n"
           "  health                      health checks: state, last check, agent weight\n"
           "  ha                          high availability: VRRP state, peer, sync lag\n"
           "  fleet [drain|undrain]       scale-out: VIPs announced or withdrawn (why), BGP "
           "sessions\n"
           "  --help            -h        display this help message\n"
           "\n"
           "Options:\n"
           "  --tcp-service  -t service-address   service-address is VIP[:port] (numeric;\n"
           "                                      IPv6 as [2001:db8::10]:80)\n"
           "  --udp-service  -u service-address   service-address is VIP[:port], as for -t\n"
           "  --scheduler    -s scheduler         rr|wrr|lc|wlc|sed|nq|sh|dh|mh|fo,\n"
           "                                      the default scheduler is wlc.\n"
           "  --persistent   -p [timeout]         persistent service (default 300 s)\n"
           "  --netmask      -M netmask           persistent granularity mask; for an IPv6\n"
           "                                      service a prefix length (1..128, e.g. 64)\n"
           "  --sched-flags  -b flags             sh-fallback,sh-port | mh-fallback,mh-port\n"
           "  --real-server  -r server-address    server-address is RIP[:port] (numeric; IPv6\n"
           "                                      as [2001:db8:2::11]:8080, the VIP's family)\n"
           "  --gatewaying   -g                   gatewaying (direct routing) (default)\n"
           "  --ipip         -i                   ipip encapsulation (tunneling)\n"
           "  --masquerading -m                   masquerading (NAT)\n"
           "  --weight       -w weight            capacity of real server (0..65535)\n"
           "  --connection   -c                   output of current connections\n"
           "  --timeout                           output of timeout (tcp tcpfin udp)\n"
           "  --stats                             output of statistics information\n"
           "  --rate                              output of rate information\n"
           "  --exact                             expand numbers (display exact values)\n"
           "  --tun-info                          output of tunnel information\n"
           "  --verbose                           -L: configured and effective weight (DVS)\n"
           "  --nosort                            disable sorting output of service/server "
           "entries\n"
           "  --numeric      -n                   accepted; output is always numeric\n"
           "  --json                              -L, status, health, ha, conns: print dvsd's\n"
           "                                      answer as JSON (for scripts)\n"
           "  --socket PATH                       dvsd's socket (else $DVS_SOCKET, else\n"
           "                                      /run/dvs/dvs.sock)\n"
           "\n"
           "Exit status: 0 done, 1 dvsd refused, 2 bad command line, 3 cannot reach dvsd.\n";
}

int run(const std::vector<std::string>& args, const Environment& env) {
    Command cmd;
    try {
        cmd = parse_command_line(args);
    } catch (const UsageError& e) {
        env.err << "dvsadm: " << e.what() << "\n"
                << "Try `dvsadm -h' for more information.\n";
        return kExitUsage;
    }
    if (cmd.verb == Verb::kHelp) {
        env.out << usage_text();
        return kExitOk;
    }
    if (cmd.verb == Verb::kVersion) {
        env.out << "dvsadm (DVS) " << dvs::version() << ", speaking management protocol version "
                << mgmt::kVersion << ", ipvsadm v1.31 compatible\n";
        return kExitOk;
    }
    const std::string socket_path =
        resolve_socket_path(cmd.socket ? &*cmd.socket : nullptr, env.socket_env);
    try {
        return execute(cmd, env, socket_path);
    } catch (const ConnectError& e) {
        return fail(env, kExitNoConnection, e.what());
    } catch (const TransportError& e) {
        return fail(env, kExitNoConnection, e.what());
    } catch (const mgmt::DaemonError& e) {
        return fail(env, kExitDaemonError, e.what());
    } catch (const mgmt::ProtocolError& e) {
        return fail(env, kExitDaemonError, e.what());
    } catch (const LookupError& e) {
        return fail(env, kExitDaemonError, e.what());
    }
}

}  // namespace dvs::dvsadm
