#pragma once
// Every per-worker counter, declared once. The dataplane's WorkerCounters
// fields, the stats JSON (SIGUSR1, --stats-file), the management answers
// (status "counters", ha "dataplane") and dvsadm's output are all expanded
// from these lists, so adding a counter is one line here plus the line in
// the dataplane that bumps it. Later, Prometheus metrics come from the same
// place: that is why every entry carries a kind and a help text.
//
// X(group, name, kind, label, help)
//   group  kDatapath | kKernel | kSync | kHa: where it is shown beyond the
//          stats JSON (kSync and kHa: `dvsadm ha`, the ha answer's
//          "dataplane" section; kSync ones joined by spaces, kHa by commas)
//   name   the WorkerCounters field and the JSON key: stable, operators and
//          scripts read it
//   kind   kCounter (only grows) | kGauge (a level the worker sets)
//   label  the words dvsadm prints before the value where it lists it in a
//          sentence (`dvsadm ha`)
//   help   one line for an operator (Prometheus HELP)
// The order is the stats JSON's; new counters go at the end of their group.
//
// Pure macros and constexpr data: included by the dataplane, dvsd, the
// management protocol and dvsadm alike.

#include <array>
#include <cstddef>
#include <string_view>

#define DVS_DATAPATH_COUNTERS(X)                                                              \
    X(kDatapath, rx, kCounter, "rx", "packets read from NIC queues (wire ports only)")        \
    X(kDatapath, tx, kCounter, "tx", "packets handed to NIC queues")                          \
    X(kDatapath, handoff_out, kCounter, "handoff out", "packets passed to their owner core")  \
    X(kDatapath, handoff_in, kCounter, "handoff in", "packets received from another core")    \
    X(kDatapath, tx_handoff, kCounter, "tx handoff",                                          \
      "packets passed to the core that owns the egress queue")                                \
    X(kDatapath, conns_active, kGauge, "active",                                              \
      "connections in the table, set each tick (templates not included)")                     \
    X(kDatapath, conns_created, kCounter, "created", "connections scheduled")                 \
    X(kDatapath, conns_expired, kCounter, "expired", "connections timed out")                 \
    X(kDatapath, arp_requests_sent, kCounter, "arp requests", "ARP requests sent")            \
    X(kDatapath, arp_replies_sent, kCounter, "arp replies", "ARP replies sent")               \
    X(kDatapath, no_server_rejects, kCounter, "no-server rejects",                            \
      "new connections answered with a TCP reset or ICMP port unreachable: no usable server") \
    X(kDatapath, conns_restored, kCounter, "restored",                                        \
      "connections and templates installed from the previous run's state file")               \
    X(kDatapath, icmp_echo_replies, kCounter, "echo replies",                                 \
      "ICMP echo requests to our addresses answered")                                         \
    X(kDatapath, removed_rs_resets, kCounter, "removed resets",                               \
      "connections to a removed server ended with a TCP reset (on_remove: reset)")            \
    X(kDatapath, templates_created, kCounter, "templates created",                            \
      "persistence templates created")                                                        \
    X(kDatapath, templates_active, kGauge, "templates", "persistence templates in the table") \
    X(kDatapath, templates_failed, kCounter, "templates failed",                              \
      "table full: a connection placed without a persistence template")                       \
    X(kDatapath, template_handoffs, kCounter, "template handoffs",                            \
      "new connections sent to the core of their persistence template")                       \
    X(kDatapath, template_releases_lost, kCounter, "template releases lost",                  \
      "message ring full: a persistence template's count stays high")                         \
    X(kDatapath, icmp_errors_forwarded, kCounter, "icmp errors forwarded",                    \
      "ICMP errors about a tracked connection relayed to its real server or client "          \
      "(path MTU discovery through the balancer)")                                            \
    X(kDatapath, l4_checksum_sampled, kCounter, "checksums sampled",                          \
      "TCP/UDP checksums verified, 1 packet in 64 on ports whose device checks none")         \
    X(kDatapath, l4_checksum_bad, kCounter, "checksums bad",                                  \
      "sampled TCP/UDP packets that arrived with a wrong checksum (forwarded as they are; "   \
      "a sender with checksum offload on: ethtool -K IF tx off)")                             \
    X(kDatapath, neighbor_evicted, kCounter, "neighbors evicted",                             \
      "incomplete neighbour entries evicted to make room (their waiting packets dropped)")    \
    X(kDatapath, neighbor_expired, kCounter, "neighbors expired",                             \
      "neighbour entries removed: no ARP answer in time, or stale and unused")                \
    X(kDatapath, neighbor_stale, kCounter, "neighbors stale",                                 \
      "reachable neighbours not confirmed in time (re-asked at their next use)")              \
    X(kDatapath, neighbor_learn_limited, kCounter, "neighbor learning limited",               \
      "ARP from unknown senders not learned: over the learning rate")                         \
    X(kDatapath, syn_pressure, kCounter, "syn pressure",                                      \
      "half-open connections armed with the short SYN timeout (10 s): a sixteenth of the "    \
      "core's table was half-open (SYN flood)")                                               \
    X(kDatapath, nd_adverts_sent, kCounter, "nd adverts",                                     \
      "IPv6 Neighbor Solicitations for our addresses answered with an advertisement")         \
    X(kDatapath, icmp6_echo_replies, kCounter, "echo6 replies",                               \
      "ICMPv6 echo requests to our addresses answered")                                       \
    X(kDatapath, nd_solicits_sent, kCounter, "nd solicits",                                   \
      "IPv6 Neighbor Solicitations sent to resolve a next hop")                               \
    X(kDatapath, icmp6_time_exceeded, kCounter, "time exceeded6",                             \
      "ICMPv6 Time Exceeded sent for packets with hop limit 1 (rate limited)")                \
    X(kDatapath, icmp_errors_limited, kCounter, "icmp errors limited",                        \
      "ICMP errors (fragmentation needed, port unreachable) not sent: over the rate limit "   \
      "(the packet is still dropped)")                                                        \
    X(kDatapath, icmp6_errors_limited, kCounter, "icmp6 errors limited",                      \
      "ICMPv6 errors not sent: over the rate limit (the packet is still dropped)")            \
    X(kDatapath, continued_no_state, kCounter, "continued",                                   \
      "connections whose first segment here was not a SYN, scheduled by mh and continued "    \
      "(Maglev continuation: another box had the connection)")                                \
    X(kDatapath, icmp6_packet_too_big, kCounter, "packet too big6",                           \
      "ICMPv6 Packet Too Big sent to clients whose packet did not fit an IPv6 tunnel (TUN; "  \
      "rate limited)")

#define DVS_KERNEL_COUNTERS(X)                                      \
    X(kKernel, to_kernel, kCounter, "to kernel",                    \
      "packets for our own addresses passed to the kernel")         \
    X(kKernel, from_kernel, kCounter, "from kernel",                \
      "packets the kernel sent, read from its interfaces")          \
    X(kKernel, kernel_arp_replies, kCounter, "kernel ARP answered", \
      "the kernel's ARP requests answered by the dataplane")

#define DVS_SYNC_COUNTERS(X)                                                                   \
    X(kSync, sync_emitted, kCounter, "emitted", "sync records written for the peer (master)")  \
    X(kSync, sync_lost, kCounter, "lost", "sync records not written: the sync ring was full")  \
    X(kSync, sync_installed, kCounter, "installed", "peer records that created an entry here") \
    X(kSync, sync_updated, kCounter, "updated", "peer records that changed an entry here")     \
    X(kSync, sync_removed, kCounter, "removed", "peer records that removed an entry here")     \
    X(kSync, sync_kept, kCounter, "kept",                                                      \
      "peer records ignored: we hold the entry and are master")                                \
    X(kSync, sync_install_failed, kCounter, "install failed",                                  \
      "peer records not installed: table full")

#define DVS_HA_COUNTERS(X)                \
    X(kHa, garps_sent, kCounter, "garps", \
      "gratuitous ARPs sent (a VRRP instance became master here)")

// Everything a worker counts besides drops and per-service/per-server
// traffic, in the stats JSON's order.
#define DVS_WORKER_COUNTERS(X) \
    DVS_DATAPATH_COUNTERS(X) DVS_KERNEL_COUNTERS(X) DVS_SYNC_COUNTERS(X) DVS_HA_COUNTERS(X)

// What `dvsadm ha` and the ha answer's "dataplane" section show.
#define DVS_HA_DATAPLANE_COUNTERS(X) DVS_SYNC_COUNTERS(X) DVS_HA_COUNTERS(X)

// Per service and per real server traffic (dataplane TrafficCounters, the
// list answer, `dvsadm -L --stats/--rate`). X(name, rate_name, help):
// rate_name is the per-second figure's key in the list answer's "rate".
#define DVS_TRAFFIC_COUNTERS(X)                                        \
    X(conns, cps, "connections scheduled")                             \
    X(pkts_in, inpps, "packets client -> real server")                 \
    X(pkts_out, outpps, "packets real server -> client (NAT replies)") \
    X(bytes_in, inbps, "bytes client -> real server (IP length)")      \
    X(bytes_out, outbps, "bytes real server -> client (IP length)")    \
    X(continued_no_state, continuedps, "connections continued without state (Maglev continuation)")

namespace dvs::counters {

enum class Kind { kCounter, kGauge };
enum class Group { kDatapath, kKernel, kSync, kHa };

struct Info {
    Group group;
    std::string_view name;
    Kind kind;
    std::string_view label;
    std::string_view help;
};

// The worker counters' descriptions, in table order; kWorker[i] describes
// the i-th field DVS_WORKER_COUNTERS declares.
inline constexpr std::array kWorker = {
#define DVS_COUNTER_INFO(group, name, kind, label, help) \
    Info{Group::group, #name, Kind::kind, label, help},
    DVS_WORKER_COUNTERS(DVS_COUNTER_INFO)
#undef DVS_COUNTER_INFO
};

}  // namespace dvs::counters
