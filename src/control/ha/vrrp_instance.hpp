#pragma once
// One VRRP virtual router (RFC 5798 section 6), as a state machine that does
// no I/O and reads no clock. The caller (VrrpService, or a test) feeds it
// the time and the packets it received, and carries out the VrrpActions it
// returns: send an advertisement, send gratuitous ARPs, apply a new state;
// then calls on_timer() again at deadline().
//
// Beyond the RFC, as keepalived does:
//  - a master that hears a lower-priority master (or an equal priority from
//    a lower address) advertises at once and asks for gratuitous ARPs
//    again: after a split brain, whoever still holds a stale ARP entry
//    learns the winner, and the other side steps down on our advert;
//  - preempt_delay: a backup that may preempt accepts a lower-priority
//    master for preempt_delay after it first hears one (time for the
//    connection sync to catch up), then lets its Master_Down_Timer run out.
//
// Not thread-safe: one owner (the control thread).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "control/ha/vrrp_packet.hpp"

namespace dvs::control {

using VrrpClock = std::chrono::steady_clock;
using VrrpTime = VrrpClock::time_point;

enum class VrrpState : uint8_t { kInitialize, kBackup, kMaster };
const char* to_string(VrrpState s);  // "INIT", "BACKUP", "MASTER"

struct VrrpParams {
    std::string name;
    uint8_t vrid = 0;                                 // 1..255
    uint8_t priority = 100;                           // 1..255; 255 = we own the addresses
    std::chrono::milliseconds advert_interval{1000};  // multiple of 10 ms, 10 ms..40.95 s
    bool preempt = true;
    std::chrono::milliseconds preempt_delay{0};
    // Our source address: the interface's primary IPv4 address, or its
    // IPv6 link-local address (5.1.2.1); its family is the instance's.
    IpAddress primary_ip;
    std::vector<IpAddress> addresses;  // the virtual addresses, all of that family
    AddressFamily family() const { return primary_ip.family; }
};

// Empty when `p` is usable, else what is wrong with it (for an operator).
std::string validate(const VrrpParams& p);

struct VrrpTransition {
    VrrpState from = VrrpState::kInitialize;
    VrrpState to = VrrpState::kInitialize;
    std::string reason;  // "master down timer expired", ...
};

// What the caller must do now, in this order: send the advertisement(s),
// apply the transition, send gratuitous ARPs. Then wait until deadline.
struct VrrpActions {
    bool send_advert = false;                // at our priority
    bool send_advert_priority_zero = false;  // we are leaving the master role
    bool send_garp = false;
    std::optional<VrrpTransition> transition;
    std::optional<VrrpTime> deadline;  // none in Initialize
    std::string notice;                // worth a log line, without a transition

    bool became_master() const { return transition && transition->to == VrrpState::kMaster; }
    bool became_backup() const { return transition && transition->to == VrrpState::kBackup; }
};

struct VrrpCounters {
    uint64_t adverts_sent = 0;
    uint64_t adverts_received = 0;  // decoded and handed to the state machine
    uint64_t became_master = 0;
    uint64_t became_backup = 0;
    uint64_t priority_zero_sent = 0;
    uint64_t priority_zero_received = 0;
    // Dropped:
    uint64_t bad_ttl = 0;
    uint64_t too_short = 0;
    uint64_t bad_version = 0;
    uint64_t bad_type = 0;
    uint64_t length_mismatch = 0;
    uint64_t bad_checksum = 0;
    uint64_t zero_interval = 0;
    // Processed anyway (5.2.9 MAY; 6.4.2 backups adopt the master's interval):
    uint64_t address_mismatch = 0;
    uint64_t interval_mismatch = 0;
};

// A VRRP packet as the socket saw it: the IP header's fields that matter
// and the IP payload.
struct VrrpReceived {
    IpAddress src;
    IpAddress dst;
    uint8_t ttl = 0;  // IPv6: the hop limit
    std::span<const uint8_t> message;
};

class VrrpInstance {
public:
    // Throws std::invalid_argument when validate(p) finds a problem.
    explicit VrrpInstance(VrrpParams p);

    // Initialize -> Master (priority 255) or Backup.
    VrrpActions start(VrrpTime now);
    // Call at deadline() (earlier calls do nothing but return the deadline).
    // The advert timer then restarts from `now`, so a late wake-up does not
    // send a burst.
    VrrpActions on_timer(VrrpTime now);
    // A packet for our VRID; checked (TTL, decode) and counted here.
    VrrpActions on_packet(VrrpTime now, const VrrpReceived& rx);
    // -> Initialize; a master sends a priority-0 advert so a backup takes
    // over after Skew_Time instead of Master_Down_Interval.
    VrrpActions shutdown(VrrpTime now);

    // The advertisement to send now (priority 0 when leaving).
    VrrpAdvert advert(bool priority_zero = false) const;
    // For the caller to count what it actually sent.
    void count_sent(bool priority_zero);

    const VrrpParams& params() const { return params_; }
    VrrpState state() const { return state_; }
    std::optional<VrrpTime> deadline() const;
    // Our own interval as master; the master's (learned) interval as backup.
    std::chrono::microseconds effective_advert_interval() const;
    std::chrono::microseconds master_down_interval() const;
    std::chrono::microseconds skew_time() const;
    // The current master's address: ours as master, the last advertising
    // master's as backup, unspecified when unknown.
    IpAddress master_ip() const;
    std::optional<VrrpTime> last_transition_at() const { return last_transition_at_; }
    const std::string& last_transition_reason() const { return last_transition_reason_; }
    const VrrpCounters& counters() const { return counters_; }

private:
    void on_advert(VrrpTime now, const IpAddress& src, const VrrpAdvert& a, VrrpActions& out);
    void become_master(VrrpTime now, std::string reason, VrrpActions& out);
    void become_backup(VrrpTime now, std::string reason, VrrpActions& out);
    void transition(VrrpTime now, VrrpState to, std::string reason, VrrpActions& out);
    void learn_master(VrrpTime now, const IpAddress& src, uint16_t interval_centis);
    uint64_t& drop_counter(VrrpDecodeError e);
    void note_mismatches(const IpAddress& src, const VrrpAdvert& a, VrrpActions& out);
    bool wins_over(uint8_t priority, const IpAddress& src) const;
    VrrpActions finish(VrrpActions out) const;

    VrrpParams params_;
    VrrpState state_ = VrrpState::kInitialize;
    std::chrono::microseconds advert_interval_;        // ours
    std::chrono::microseconds master_adver_interval_;  // as backup: the master's
    VrrpTime adver_timer_{};                           // as master
    VrrpTime master_down_timer_{};                     // as backup
    IpAddress master_ip_;                              // unspecified: none heard
    // The reason the Master_Down_Timer will give if it expires.
    std::string down_reason_;
    // As backup with preempt_delay: when we first heard the lower-priority
    // master we now tolerate; unset while none is heard.
    std::optional<VrrpTime> lower_master_since_;
    // Whether the last advert's addresses / interval differed from ours
    // (a mismatch is logged when it starts, not on every advert).
    bool address_mismatch_seen_ = false;
    bool interval_mismatch_seen_ = false;
    std::optional<VrrpTime> last_transition_at_;
    std::string last_transition_reason_;
    VrrpCounters counters_;
};

}  // namespace dvs::control
