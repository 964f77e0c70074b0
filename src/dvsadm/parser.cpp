// ipvsadm's option syntax, re-implemented: a table of options, a scanner that
// handles bundling and attached values the way popt does, then the checks of
// ipvsadm's commands_v_options table (which option goes with which command)
// with messages that say what to type instead.

#include "dvsadm/parser.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "common/text_codec.hpp"
#include "dvsadm/arguments.hpp"
#include "mgmt/protocol.hpp"

namespace dvs::dvsadm {

namespace {

// What an option sets. Options that fill the same field share a slot
// (-t/-u, -g/-i/-m), so giving two of them is caught as a conflict.
enum class Slot {
    kCommand,
    kService,
    kScheduler,
    kPersistent,
    kNetmask,
    kSchedFlags,
    kServer,
    kForward,
    kWeight,
    kNumeric,
    kConnection,
    kTimeout,
    kStats,
    kRate,
    kExact,
    kNosort,
    kSort,
    kTunType,
    kTunInfo,
    kVerbose,
    kUnsupported,
};

enum class ArgKind { kNone, kRequired, kOptional };

struct OptSpec {
    std::string_view long_name;   // empty: short form only
    std::string_view needs = {};  // "a server address": for "-r needs a server address"
    std::string_view why = {};    // for kUnsupported
    Slot slot = Slot::kUnsupported;
    ArgKind arg = ArgKind::kNone;
    Verb verb = Verb::kList;  // for kCommand
    char short_name = '\0';   // '\0': long form only
};

constexpr std::string_view kNoSync = "the connection sync daemon is not supported by DVS";
constexpr std::string_view kNoTunnelOptions =
    "tunnel options are not supported by DVS (its TUN is IP-in-IP, --tun-type ipip)";

constexpr OptSpec command(char c, std::string_view name, Verb verb) {
    return {.long_name = name, .slot = Slot::kCommand, .verb = verb, .short_name = c};
}
constexpr OptSpec flag(char c, std::string_view name, Slot slot) {
    return {.long_name = name, .slot = slot, .short_name = c};
}
constexpr OptSpec value(char c, std::string_view name, Slot slot, std::string_view needs) {
    return {.long_name = name,
            .needs = needs,
            .slot = slot,
            .arg = ArgKind::kRequired,
            .short_name = c};
}
constexpr OptSpec optional_value(char c, std::string_view name, Slot slot) {
    return {.long_name = name, .slot = slot, .arg = ArgKind::kOptional, .short_name = c};
}
// ipvsadm options DVS refuses, with the reason; `arg` as ipvsadm takes them.
constexpr OptSpec unsupported(char c, std::string_view name, ArgKind arg, std::string_view why) {
    return {.long_name = name, .why = why, .slot = Slot::kUnsupported, .arg = arg, .short_name = c};
}

constexpr OptSpec kOptions[] = {
    command('A', "add-service", Verb::kAddService),
    command('E', "edit-service", Verb::kEditService),
    command('D', "delete-service", Verb::kDeleteService),
    command('C', "clear", Verb::kClear),
    command('L', "list", Verb::kList),
    command('l', {}, Verb::kList),
    command('Z', "zero", Verb::kZero),
    command('a', "add-server", Verb::kAddServer),
    command('e', "edit-server", Verb::kEditServer),
    command('d', "delete-server", Verb::kDeleteServer),
    command('\0', "set", Verb::kSetTimeouts),
    command('R', "restore", Verb::kRestore),
    command('S', "save", Verb::kSave),
    command('h', "help", Verb::kHelp),
    command('v', "version", Verb::kVersion),
    value('t', "tcp-service", Slot::kService, "a service address (VIP[:port])"),
    value('u', "udp-service", Slot::kService, "a service address (VIP[:port])"),
    value('s', "scheduler", Slot::kScheduler, "a scheduler name"),
    optional_value('p', "persistent", Slot::kPersistent),
    value('M', "netmask", Slot::kNetmask, "a netmask"),
    value('b', "sched-flags", Slot::kSchedFlags, "scheduler flags"),
    value('r', "real-server", Slot::kServer, "a server address"),
    flag('g', "gatewaying", Slot::kForward),
    flag('i', "ipip", Slot::kForward),
    flag('m', "masquerading", Slot::kForward),
    value('w', "weight", Slot::kWeight, "a weight"),
    flag('n', "numeric", Slot::kNumeric),
    flag('c', "connection", Slot::kConnection),
    flag('\0', "timeout", Slot::kTimeout),
    flag('\0', "stats", Slot::kStats),
    flag('\0', "rate", Slot::kRate),
    flag('X', "exact", Slot::kExact),
    flag('\0', "nosort", Slot::kNosort),
    flag('\0', "sort", Slot::kSort),
    value('\0', "tun-type", Slot::kTunType, "a tunnel type"),
    flag('\0', "tun-info", Slot::kTunInfo),
    flag('\0', "verbose", Slot::kVerbose),
    unsupported('f', "fwmark-service", ArgKind::kRequired,
                "firewall-mark services are not supported by DVS"),
    unsupported('\0', "sctp-service", ArgKind::kRequired, "SCTP is not supported by DVS"),
    // ipvsadm's -6 only marks a -f (firewall-mark) service as IPv6; other
    // services take their family from the address.
    unsupported('6', "ipv6", ArgKind::kNone,
                "it marks a firewall-mark service (-f) as IPv6, and DVS has no -f; an IPv6 "
                "service is written with its address: -t [2001:db8::10]:80"),
    unsupported('x', "u-threshold", ArgKind::kRequired,
                "connection thresholds are not supported by DVS"),
    unsupported('y', "l-threshold", ArgKind::kRequired,
                "connection thresholds are not supported by DVS"),
    unsupported('\0', "thresholds", ArgKind::kNone,
                "connection thresholds are not supported by DVS"),
    unsupported('\0', "persistent-conn", ArgKind::kNone,
                "per-server persistent connection counts are not supported by DVS"),
    unsupported('\0', "pe", ArgKind::kRequired, "persistence engines are not supported by DVS"),
    unsupported('o', "ops", ArgKind::kNone, "one-packet scheduling is not supported by DVS"),
    unsupported('\0', "tun-port", ArgKind::kRequired, kNoTunnelOptions),
    unsupported('\0', "tun-nocsum", ArgKind::kNone, kNoTunnelOptions),
    unsupported('\0', "tun-csum", ArgKind::kNone, kNoTunnelOptions),
    unsupported('\0', "tun-remcsum", ArgKind::kNone, kNoTunnelOptions),
    unsupported('\0', "start-daemon", ArgKind::kRequired, kNoSync),
    unsupported('\0', "stop-daemon", ArgKind::kRequired, kNoSync),
    unsupported('\0', "daemon", ArgKind::kNone, kNoSync),
    unsupported('\0', "syncid", ArgKind::kRequired, kNoSync),
    unsupported('\0', "mcast-interface", ArgKind::kRequired, kNoSync),
    unsupported('\0', "mcast-group", ArgKind::kRequired, kNoSync),
    unsupported('\0', "mcast-port", ArgKind::kRequired, kNoSync),
    unsupported('\0', "mcast-ttl", ArgKind::kRequired, kNoSync),
    unsupported('\0', "sync-maxlen", ArgKind::kRequired, kNoSync),
};

constexpr uint32_t kDefaultPersistence = 300;  // ipvsadm's IPVS_SVC_PERSISTENT_TIMEOUT

const OptSpec* find_short(char c) {
    for (const OptSpec& o : kOptions) {
        if (o.short_name == c) return &o;
    }
    return nullptr;
}

const OptSpec* find_long(std::string_view name) {
    for (const OptSpec& o : kOptions) {
        if (!o.long_name.empty() && o.long_name == name) return &o;
    }
    return nullptr;
}

// --------------------------------------------------------- ipvsadm syntax

class IpvsadmParser {
public:
    Command parse(const std::vector<std::string>& words) {
        for (std::size_t i = 0; i < words.size(); ++i) {
            const std::string& word = words[i];
            if (word == "--") {
                positionals_.insert(positionals_.end(), words.begin() + static_cast<long>(i) + 1,
                                    words.end());
                break;
            }
            if (word.size() > 2 && word.compare(0, 2, "--") == 0) {
                i = long_option(words, i);
            } else if (looks_like_option(word)) {
                i = short_options(words, i);
            } else {
                positionals_.push_back(word);
            }
        }
        finish();
        return cmd_;
    }

private:
    // Returns the index of the last word consumed.
    std::size_t long_option(const std::vector<std::string>& words, std::size_t i) {
        const std::string& word = words[i];
        const auto eq = word.find('=');
        const std::string name =
            word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        const OptSpec* spec = find_long(name);
        if (spec == nullptr) throw UsageError("unknown option `--" + name + "'");
        const std::string spelled = "--" + name;
        if (eq != std::string::npos) {
            if (spec->arg == ArgKind::kNone) {
                throw UsageError(spelled + " takes no value (got `" + word + "')");
            }
            take(*spec, spelled, word.substr(eq + 1));
            return i;
        }
        return i + take_with_next(*spec, spelled, words, i);
    }

    std::size_t short_options(const std::vector<std::string>& words, std::size_t i) {
        const std::string& word = words[i];
        for (std::size_t j = 1; j < word.size(); ++j) {
            const OptSpec* spec = find_short(word[j]);
            const std::string spelled = std::string("-") + word[j];
            if (spec == nullptr) throw UsageError("unknown option `" + spelled + "'");
            if (spec->arg == ArgKind::kNone) {
                take(*spec, spelled, std::nullopt);
                continue;
            }
            if (j + 1 < word.size()) {  // value attached: -t192.0.2.10:80, -p600
                take(*spec, spelled, word.substr(j + 1));
                return i;
            }
            return i + take_with_next(*spec, spelled, words, i);
        }
        return i;
    }

    // The option's value is the next word, if it can be; returns how many
    // words were consumed (0 or 1).
    std::size_t take_with_next(const OptSpec& spec, const std::string& spelled,
                               const std::vector<std::string>& words, std::size_t i) {
        const bool have_next = i + 1 < words.size();
        switch (spec.arg) {
            case ArgKind::kNone:
                take(spec, spelled, std::nullopt);
                return 0;
            case ArgKind::kOptional:
                if (have_next && !looks_like_option(words[i + 1])) {
                    take(spec, spelled, words[i + 1]);
                    return 1;
                }
                take(spec, spelled, std::nullopt);
                return 0;
            case ArgKind::kRequired:
                break;
        }
        if (spec.slot == Slot::kUnsupported) take(spec, spelled, std::nullopt);  // throws
        if (!have_next || looks_like_option(words[i + 1])) {
            throw UsageError(spelled + " needs " + std::string(spec.needs));
        }
        take(spec, spelled, words[i + 1]);
        return 1;
    }

    void take(const OptSpec& spec, const std::string& spelled, std::optional<std::string> value) {
        if (spec.slot == Slot::kUnsupported)
            throw UsageError(spelled + ": " + std::string(spec.why));
        if (spec.slot == Slot::kCommand) {
            if (command_) {
                throw UsageError("two commands given: " + *command_ + " and " + spelled);
            }
            command_ = spelled;
            cmd_.verb = spec.verb;
            return;
        }
        if (auto it = seen_.find(spec.slot); it != seen_.end()) {
            if (it->second == spelled) throw UsageError(spelled + " given twice");
            throw UsageError(spelled + " conflicts with " + it->second);
        }
        seen_.emplace(spec.slot, spelled);
        order_.push_back(spec.slot);

        switch (spec.slot) {
            case Slot::kService: {
                const AddressPort ap = parse_address_port(*value, "service address", "VIP[:port]");
                mgmt::ServiceKey key;
                key.vip = ap.address;
                key.port = ap.port.value_or(0);  // ipvsadm: a missing port is 0
                key.protocol = spec.short_name == 'u' ? Protocol::kUdp : Protocol::kTcp;
                cmd_.service = key;
                break;
            }
            case Slot::kScheduler:
                if (value->empty()) throw UsageError(spelled + " needs " + std::string(spec.needs));
                cmd_.scheduler = *value;
                break;
            case Slot::kPersistent:
                cmd_.persistent =
                    value ? parse_timeout(*value, 1, "persistence timeout") : kDefaultPersistence;
                break;
            case Slot::kNetmask:
                netmask_text_ = *value;  // read by the service's family, once known
                break;
            case Slot::kSchedFlags:
                cmd_.sched_flags = split_flags(*value);
                break;
            case Slot::kServer: {
                const AddressPort ap =
                    parse_address_port(*value, "real server address", "RIP[:port]");
                cmd_.server = ServerArg{ap.address, ap.port};
                break;
            }
            case Slot::kForward:
                cmd_.forward = spec.short_name == 'm'   ? ForwardMethod::kNat
                               : spec.short_name == 'i' ? ForwardMethod::kTun
                                                        : ForwardMethod::kDr;
                break;
            case Slot::kWeight: {
                auto w = parse_number(*value, 65535);
                if (!w) throw UsageError("invalid weight `" + *value + "' (0..65535)");
                cmd_.weight = static_cast<uint32_t>(*w);
                break;
            }
            case Slot::kTunType:
                if (*value != "ipip") {
                    throw UsageError(spelled + " " + *value +
                                     ": not supported by DVS (its TUN is IP-in-IP: ipip)");
                }
                break;
            case Slot::kNumeric:
                cmd_.list.numeric = true;
                break;
            case Slot::kConnection:
                cmd_.list.connections = true;
                break;
            case Slot::kTimeout:
                cmd_.list.timeout = true;
                break;
            case Slot::kStats:
                cmd_.list.stats = true;
                break;
            case Slot::kRate:
                cmd_.list.rate = true;
                break;
            case Slot::kExact:
                cmd_.list.exact = true;
                break;
            case Slot::kNosort:
                cmd_.list.nosort = true;
                break;
            case Slot::kTunInfo:
                cmd_.list.tun_info = true;
                break;
            case Slot::kVerbose:
                cmd_.list.verbose = true;
                break;
            case Slot::kSort:  // the default; accepted for compatibility
            case Slot::kCommand:
            case Slot::kUnsupported:
                break;
        }
    }

    static std::vector<std::string> split_flags(const std::string& text) {
        std::vector<std::string> flags;
        std::size_t start = 0;
        while (true) {
            const auto comma = text.find(',', start);
            std::string flag =
                text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (flag.empty()) throw UsageError("empty scheduler flag in `" + text + "'");
            if (flag != "sh-fallback" && flag != "sh-port" && flag != "mh-fallback" &&
                flag != "mh-port" && flag != "flag-1" && flag != "flag-2" && flag != "flag-3") {
                throw UsageError("invalid scheduler flag `" + flag +
                                 "' (DVS knows sh-fallback, sh-port, mh-fallback, mh-port)");
            }
            if (std::find(flags.begin(), flags.end(), flag) == flags.end()) flags.push_back(flag);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        return flags;
    }

    // ipvsadm's flag-1/flag-2 are the scheduler's first and second flags;
    // named flags must belong to the scheduler (ipvsadm: "incompatible
    // scheduler flag").
    void normalise_sched_flags() {
        if (!cmd_.sched_flags) return;
        const std::string scheduler = cmd_.scheduler.value_or("wlc");
        for (std::string& flag : *cmd_.sched_flags) {
            if (flag == "flag-1" || flag == "flag-2") {
                if (scheduler != "sh" && scheduler != "mh") {
                    throw UsageError("scheduler flag `" + flag + "' means nothing to scheduler " +
                                     scheduler + " (DVS has flags for sh and mh only)");
                }
                flag = scheduler + (flag == "flag-1" ? "-fallback" : "-port");
            } else if (flag == "flag-3") {
                throw UsageError("scheduler flag `flag-3' is not supported by DVS");
            } else if (flag.compare(0, 2, scheduler) != 0 || scheduler.size() != 2) {
                throw UsageError("scheduler flag `" + flag + "' needs -s " + flag.substr(0, 2) +
                                 (cmd_.scheduler ? "" : " (the default scheduler is wlc)"));
            }
        }
    }

    const std::string& spelled(Slot slot) const { return seen_.at(slot); }
    bool has(Slot slot) const { return seen_.count(slot) != 0; }

    // ipvsadm's commands_v_options: which options each command takes.
    static std::vector<Slot> allowed(Verb verb) {
        switch (verb) {
            case Verb::kAddService:
            case Verb::kEditService:
                return {Slot::kService, Slot::kScheduler, Slot::kPersistent, Slot::kNetmask,
                        Slot::kSchedFlags};
            case Verb::kDeleteService:
            case Verb::kZero:
                return {Slot::kService};
            case Verb::kAddServer:
            case Verb::kEditServer:
                return {Slot::kService, Slot::kServer, Slot::kForward, Slot::kWeight,
                        Slot::kTunType};
            case Verb::kDeleteServer:
                return {Slot::kService, Slot::kServer};
            case Verb::kList:
                return {Slot::kNumeric, Slot::kConnection, Slot::kService, Slot::kTimeout,
                        Slot::kStats,   Slot::kRate,       Slot::kExact,   Slot::kNosort,
                        Slot::kSort,    Slot::kTunInfo,    Slot::kVerbose};
            case Verb::kSave:
                return {Slot::kNumeric};
            default:
                return {};
        }
    }

    void finish() {
        if (!command_) {
            throw UsageError(
                "no command given (one of -A -E -D -C -R -S -a -e -d -L -Z --set, or the words "
                "status, reload, save-yaml, conns, health, ha; dvsadm -h lists them)");
        }
        const std::string& command = *command_;

        if (cmd_.verb == Verb::kSetTimeouts) {
            if (positionals_.size() != 3) {
                throw UsageError(command + " needs 3 timeouts: tcp tcpfin udp (0 = unchanged)");
            }
            cmd_.timeouts.tcp = parse_timeout(positionals_[0], 0, "tcp timeout");
            cmd_.timeouts.tcp_fin = parse_timeout(positionals_[1], 0, "tcpfin timeout");
            cmd_.timeouts.udp = parse_timeout(positionals_[2], 0, "udp timeout");
        } else if (!positionals_.empty()) {
            throw UsageError("unexpected argument `" + positionals_.front() + "'");
        }

        const std::vector<Slot> ok = allowed(cmd_.verb);
        for (Slot slot : order_) {
            if (std::find(ok.begin(), ok.end(), slot) == ok.end()) {
                throw UsageError(spelled(slot) + " cannot be used with " + command);
            }
        }

        switch (cmd_.verb) {
            case Verb::kAddService:
            case Verb::kEditService:
                need_service(command);
                if (cmd_.service->port == 0 && !cmd_.persistent) {
                    throw UsageError(
                        "port 0 (every port of the VIP) needs -p: only a persistent "
                        "service may use it");
                }
                if (netmask_text_) read_netmask(*netmask_text_);
                if ((cmd_.netmask || cmd_.prefix_length) && !cmd_.persistent) {
                    throw UsageError(spelled(Slot::kNetmask) +
                                     " needs -p (the netmask groups the clients of a persistent "
                                     "service)");
                }
                normalise_sched_flags();
                break;
            case Verb::kDeleteService:
                need_service(command);
                break;
            case Verb::kAddServer:
            case Verb::kEditServer:
            case Verb::kDeleteServer:
                need_service(command);
                if (!cmd_.server) {
                    throw UsageError(command + " needs a real server: -r RIP[:port]");
                }
                if (cmd_.server->address.family != cmd_.service->vip.family) {
                    throw UsageError(
                        spelled(Slot::kServer) + " " + text::format_ip(cmd_.server->address) +
                        ": a real server has its service's family (" +
                        (cmd_.service->vip.is_v6() ? "IPv6" : "IPv4") +
                        " here); DVS does not put IPv6 servers behind IPv4 VIPs or the reverse");
                }
                if (has(Slot::kTunType) && cmd_.forward != ForwardMethod::kTun) {
                    throw UsageError(spelled(Slot::kTunType) + " needs -i (tunnelling)");
                }
                break;
            case Verb::kList: {
                const Slot exclusive[] = {Slot::kConnection, Slot::kService, Slot::kTimeout};
                const Slot* first = nullptr;
                for (const Slot& s : exclusive) {
                    if (!has(s)) continue;
                    if (first != nullptr) {
                        throw UsageError(spelled(s) + " cannot be combined with " +
                                         spelled(*first));
                    }
                    first = &s;
                }
                if (has(Slot::kConnection) || has(Slot::kTimeout)) {
                    const Slot listing =
                        has(Slot::kConnection) ? Slot::kConnection : Slot::kTimeout;
                    for (Slot s : {Slot::kStats, Slot::kRate, Slot::kTunInfo, Slot::kVerbose}) {
                        if (has(s)) {
                            throw UsageError(spelled(s) + " cannot be combined with " +
                                             spelled(listing));
                        }
                    }
                }
                // --verbose widens the plain listing only.
                for (Slot s : {Slot::kStats, Slot::kRate, Slot::kTunInfo}) {
                    if (has(Slot::kVerbose) && has(s)) {
                        throw UsageError(spelled(Slot::kVerbose) + " cannot be combined with " +
                                         spelled(s));
                    }
                }
                break;
            }
            default:
                break;
        }
    }

    void need_service(const std::string& command) const {
        if (!cmd_.service) throw UsageError(command + " needs a service: -t|-u VIP[:port]");
    }

    Command cmd_;
    std::optional<std::string> command_;  // as typed, for messages
    std::map<Slot, std::string> seen_;    // option slot -> as typed
    // -M as typed: a netmask for an IPv4 service, a prefix length for an
    // IPv6 one (ipvsadm's rule), so it is read once -t/-u is known.
    std::optional<std::string> netmask_text_;
    void read_netmask(const std::string& value) {
        if (cmd_.service->vip.is_v6()) {
            const auto bits = parse_number(value, 128);
            if (!bits || *bits < 1 || *bits > 128) {
                throw UsageError("invalid IPv6 prefix length `" + value +
                                 "' for -M (expected 1..128, e.g. 64)");
            }
            cmd_.prefix_length = static_cast<uint8_t>(*bits);
            return;
        }
        auto mask = text::parse_ipv4(value);
        if (!mask) {
            throw UsageError("invalid netmask `" + value + "' (expected e.g. 255.255.255.0)");
        }
        if (!text::is_contiguous_netmask(*mask)) {
            throw UsageError("netmask `" + value + "' is not contiguous");
        }
        cmd_.netmask = *mask;
    }
    std::vector<Slot> order_;  // slots in the order typed
    std::vector<std::string> positionals_;
};

}  // namespace

Command parse_command_line(const std::vector<std::string>& args) {
    // --socket and --json go with any command, so they are taken out first.
    std::optional<std::string> socket;
    bool json = false;
    std::vector<std::string> words;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        std::optional<std::string> value;
        if (word == "--json") {
            if (json) throw UsageError("--json given twice");
            json = true;
            continue;
        }
        if (word == "--socket") {
            if (i + 1 >= args.size() || looks_like_option(args[i + 1])) {
                throw UsageError("--socket needs a path");
            }
            value = args[++i];
        } else if (word.rfind("--socket=", 0) == 0) {
            value = word.substr(9);
        } else {
            words.push_back(word);
            continue;
        }
        if (value->empty()) throw UsageError("--socket needs a path");
        if (socket) throw UsageError("--socket given twice");
        socket = std::move(value);
    }

    Command cmd;
    if (words.empty()) {
        cmd.verb = Verb::kList;  // ipvsadm without arguments lists the table
    } else if (auto verb = dvs_verb(words.front())) {
        cmd = parse_dvs_verb(*verb, words);
    } else {
        cmd = IpvsadmParser().parse(words);
    }
    cmd.socket = std::move(socket);
    if (json && cmd.verb != Verb::kList && cmd.verb != Verb::kStatus && cmd.verb != Verb::kHealth &&
        cmd.verb != Verb::kHa && cmd.verb != Verb::kConns) {
        throw UsageError("--json goes with -L, status, health, ha and conns");
    }
    if (json && cmd.verb == Verb::kList && cmd.list.timeout) {
        throw UsageError("--json cannot be used with --timeout");
    }
    cmd.json = json;
    return cmd;
}

std::vector<std::string> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = '\0';
    for (char c : line) {
        if (quote != '\0') {
            if (c == quote) {
                quote = '\0';
            } else {
                word += c;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quote != '\0') throw UsageError(std::string("unterminated ") + quote + " quote");
    if (in_word) words.push_back(std::move(word));
    return words;
}

std::optional<Command> parse_restore_line(std::string_view line) {
    // "# dvs: -t VIP:PORT { name: web, health_check: {...} }": what -S
    // wrote for the keys ipvsadm cannot say. Other comments are comments.
    constexpr std::string_view kDvs = "# dvs: ";
    if (line.substr(0, kDvs.size()) == kDvs) {
        const std::string rest(line.substr(kDvs.size()));
        const auto space = rest.find(' ');
        const auto brace = rest.find('{');
        if (rest.size() < 3 || (rest[0] != '-') || space == std::string::npos ||
            brace == std::string::npos) {
            throw UsageError("a `# dvs:' line needs -t|-u VIP:PORT and { options }");
        }
        std::vector<std::string> words = split_words(rest.substr(0, brace));
        // Parsed like -E -t VIP:PORT (a service's options) or -e -t VIP:PORT
        // -r RIP:PORT (a real server's own checks): the same checks.
        const bool server = std::find(words.begin(), words.end(), "-r") != words.end();
        words.insert(words.begin(), server ? "-e" : "-E");
        Command cmd = parse_command_line(words);
        cmd.verb = Verb::kServiceOptions;
        cmd.service_options = rest.substr(brace);
        return cmd;
    }
    std::vector<std::string> words = split_words(line);
    if (!words.empty() && (words.front() == "ipvsadm" || words.front() == "dvsadm")) {
        words.erase(words.begin());
    }
    if (words.empty() || words.front()[0] == '#') return std::nullopt;
    Command cmd = parse_command_line(words);
    if (cmd.socket) throw UsageError("--socket cannot be used in -R input");
    switch (cmd.verb) {
        case Verb::kAddService:
        case Verb::kEditService:
        case Verb::kDeleteService:
        case Verb::kAddServer:
        case Verb::kEditServer:
        case Verb::kDeleteServer:
        case Verb::kClear:
        case Verb::kZero:
        case Verb::kSetTimeouts:
            return cmd;
        default:
            throw UsageError("only -A -E -D -a -e -d -C -Z --set can be used in -R input");
    }
}

}  // namespace dvs::dvsadm
