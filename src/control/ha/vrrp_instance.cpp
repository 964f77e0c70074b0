#include "control/ha/vrrp_instance.hpp"

#include "common/name_table.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace dvs::control {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr microseconds kCentisecond{10000};

microseconds from_centis(uint16_t centis) { return centis * kCentisecond; }

uint16_t to_centis(microseconds interval) { return static_cast<uint16_t>(interval / kCentisecond); }

std::vector<IpAddress> sorted(std::vector<IpAddress> v) {
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

constexpr NameTable<VrrpState, 3> kVrrpStateNames{{
    {VrrpState::kInitialize, "INIT"},
    {VrrpState::kBackup, "BACKUP"},
    {VrrpState::kMaster, "MASTER"},
}};

const char* to_string(VrrpState s) { return name_of(kVrrpStateNames, s, "?").data(); }

std::string validate(const VrrpParams& p) {
    if (p.vrid == 0) return "vrid must be 1..255";
    if (p.priority == 0) return "priority must be 1..255 (0 is reserved for a leaving master)";
    const auto ms = p.advert_interval.count();
    if (ms < 10 || ms > int64_t{kVrrpMaxIntervalCentis} * 10 || ms % 10 != 0) {
        return "advert interval must be a multiple of 10 ms between 10 ms and 40950 ms";
    }
    if (p.preempt_delay < milliseconds{0}) return "preempt delay must not be negative";
    if (p.primary_ip.is_unspecified()) return "no primary (source) address";
    if (p.addresses.empty()) return "no virtual address";
    for (const IpAddress& a : p.addresses) {
        if (a.family != p.family()) {
            return "virtual address " + vrrp_address_string(a) +
                   " is not of the instance's family (that of its source address " +
                   vrrp_address_string(p.primary_ip) + ")";
        }
    }
    if (p.addresses.size() > kVrrpMaxAddresses) return "more than 255 virtual addresses";
    return {};
}

VrrpInstance::VrrpInstance(VrrpParams p)
    : params_(std::move(p)),
      advert_interval_(duration_cast<microseconds>(params_.advert_interval)),
      master_adver_interval_(advert_interval_) {
    if (auto e = validate(params_); !e.empty()) {
        throw std::invalid_argument("vrrp " + params_.name + ": " + e);
    }
}

// 6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, in
// microseconds here rather than centiseconds so that small intervals keep
// their skew.
microseconds VrrpInstance::skew_time() const {
    return (256 - params_.priority) * master_adver_interval_ / 256;
}

microseconds VrrpInstance::master_down_interval() const {
    return 3 * master_adver_interval_ + skew_time();
}

microseconds VrrpInstance::effective_advert_interval() const {
    return state_ == VrrpState::kBackup ? master_adver_interval_ : advert_interval_;
}

IpAddress VrrpInstance::master_ip() const {
    switch (state_) {
        case VrrpState::kMaster:
            return params_.primary_ip;
        case VrrpState::kBackup:
            return master_ip_;
        case VrrpState::kInitialize:
            return {};
    }
    return {};
}

std::optional<VrrpTime> VrrpInstance::deadline() const {
    switch (state_) {
        case VrrpState::kMaster:
            return adver_timer_;
        case VrrpState::kBackup:
            return master_down_timer_;
        case VrrpState::kInitialize:
            return std::nullopt;
    }
    return std::nullopt;
}

VrrpAdvert VrrpInstance::advert(bool priority_zero) const {
    VrrpAdvert a;
    a.vrid = params_.vrid;
    a.priority = priority_zero ? 0 : params_.priority;
    a.max_advert_centis = to_centis(advert_interval_);
    a.addresses = params_.addresses;
    return a;
}

void VrrpInstance::count_sent(bool priority_zero) {
    ++counters_.adverts_sent;
    if (priority_zero) ++counters_.priority_zero_sent;
}

VrrpActions VrrpInstance::finish(VrrpActions out) const {
    out.deadline = deadline();
    return out;
}

VrrpActions VrrpInstance::start(VrrpTime now) {
    VrrpActions out;
    if (state_ != VrrpState::kInitialize) return finish(out);
    if (params_.priority == 255) {
        become_master(now, "address owner (priority 255)", out);
    } else {
        // 6.4.1: until a master is heard, assume our own interval.
        master_adver_interval_ = advert_interval_;
        master_ip_ = {};
        master_down_timer_ = now + master_down_interval();
        down_reason_ = "master down timer expired";
        become_backup(now, "startup", out);
    }
    return finish(out);
}

VrrpActions VrrpInstance::on_timer(VrrpTime now) {
    VrrpActions out;
    if (state_ == VrrpState::kBackup && now >= master_down_timer_) {
        become_master(now, down_reason_, out);
    } else if (state_ == VrrpState::kMaster && now >= adver_timer_) {
        out.send_advert = true;
        adver_timer_ = now + advert_interval_;
    }
    return finish(out);
}

VrrpActions VrrpInstance::shutdown(VrrpTime now) {
    VrrpActions out;
    if (state_ == VrrpState::kMaster) out.send_advert_priority_zero = true;
    if (state_ != VrrpState::kInitialize) transition(now, VrrpState::kInitialize, "shutdown", out);
    return finish(out);
}

uint64_t& VrrpInstance::drop_counter(VrrpDecodeError e) {
    switch (e) {
        case VrrpDecodeError::kTooShort:
            return counters_.too_short;
        case VrrpDecodeError::kBadVersion:
            return counters_.bad_version;
        case VrrpDecodeError::kBadType:
            return counters_.bad_type;
        case VrrpDecodeError::kLengthMismatch:
            return counters_.length_mismatch;
        case VrrpDecodeError::kBadChecksum:
            return counters_.bad_checksum;
        case VrrpDecodeError::kZeroInterval:
            return counters_.zero_interval;
        case VrrpDecodeError::kNone:
            break;
    }
    std::abort();  // only called for a refused message
}

VrrpActions VrrpInstance::on_packet(VrrpTime now, const VrrpReceived& rx) {
    VrrpActions out;
    // 5.1.1.3 / 7.1: a packet that crossed a router is not from our LAN.
    if (rx.ttl != kVrrpTtl) {
        ++counters_.bad_ttl;
        return finish(out);
    }
    const VrrpDecodeResult d = vrrp_decode(rx.message, rx.src, rx.dst);
    if (!d.ok()) {
        ++drop_counter(d.error);
        return finish(out);
    }
    // Another virtual router on the same LAN: not an error, not ours.
    if (d.advert.vrid != params_.vrid) return finish(out);
    ++counters_.adverts_received;
    if (d.advert.priority == 0) ++counters_.priority_zero_received;
    note_mismatches(rx.src, d.advert, out);
    if (state_ != VrrpState::kInitialize) on_advert(now, rx.src, d.advert, out);
    return finish(out);
}

// Counted every time, logged when it starts (a notice per advert interval
// would flood the log): keepalived drops an advert whose addresses differ
// from its own, so a mismatch is a configuration error worth seeing.
void VrrpInstance::note_mismatches(const IpAddress& src, const VrrpAdvert& a, VrrpActions& out) {
    const bool addresses_differ = sorted(a.addresses) != sorted(params_.addresses);
    const bool interval_differs = a.max_advert_centis != to_centis(advert_interval_);
    const std::string from = vrrp_address_string(src);
    if (addresses_differ) {
        ++counters_.address_mismatch;
        if (!address_mismatch_seen_) {
            out.notice = "advert from " + from + " lists other addresses than ours (" +
                         std::to_string(a.addresses.size()) +
                         " addresses); processed anyway, but keepalived drops such adverts";
        }
    }
    if (interval_differs) {
        ++counters_.interval_mismatch;
        if (!interval_mismatch_seen_) {
            if (!out.notice.empty()) out.notice += "; ";
            out.notice += "advert from " + from + " has interval " +
                          std::to_string(a.max_advert_centis * 10) + " ms, ours " +
                          std::to_string(advert_interval_.count() / 1000) +
                          " ms (a backup uses the master's)";
        }
    }
    address_mismatch_seen_ = addresses_differ;
    interval_mismatch_seen_ = interval_differs;
}

// 6.4.3: an advertisement beats us on priority, then on the higher source
// address (compared as numbers: network-order bytes compare as such).
bool VrrpInstance::wins_over(uint8_t priority, const IpAddress& src) const {
    if (priority != params_.priority) return priority > params_.priority;
    return src.bytes > params_.primary_ip.bytes;
}

void VrrpInstance::learn_master(VrrpTime now, const IpAddress& src, uint16_t interval_centis) {
    master_ip_ = src;
    master_adver_interval_ = from_centis(interval_centis);
    master_down_timer_ = now + master_down_interval();
}

void VrrpInstance::on_advert(VrrpTime now, const IpAddress& src, const VrrpAdvert& a,
                             VrrpActions& out) {
    const std::string from = vrrp_address_string(src);
    if (state_ == VrrpState::kBackup) {
        if (a.priority == 0) {
            // 6.4.2: the master is leaving; take over after Skew_Time, so
            // the highest-priority backup goes first.
            master_down_timer_ = now + skew_time();
            down_reason_ = "master " + from + " left (priority 0)";
            return;
        }
        if (!params_.preempt || a.priority >= params_.priority) {
            lower_master_since_.reset();
            learn_master(now, src, a.max_advert_centis);
            down_reason_ = "master down timer expired";
            return;
        }
        // A lower-priority master and we may preempt: accept it while the
        // preempt delay runs, then let the Master_Down_Timer run out.
        if (!lower_master_since_) lower_master_since_ = now;
        if (now - *lower_master_since_ < params_.preempt_delay) {
            learn_master(now, src, a.max_advert_centis);
            down_reason_ = "master down timer expired";
        } else {
            down_reason_ = "preempted lower priority master " + from;
        }
        return;
    }
    // Master.
    if (a.priority == 0) {
        // Another master is leaving: tell the backups at once who is master,
        // and take back the ARP caches that learned its MAC (two masters
        // after a split brain: the clients may be pointing at it).
        out.send_advert = true;
        out.send_garp = true;
        adver_timer_ = now + advert_interval_;
        return;
    }
    if (wins_over(a.priority, src)) {
        const bool higher = a.priority > params_.priority;
        learn_master(now, src, a.max_advert_centis);
        down_reason_ = "master down timer expired";
        // Leaving the master role: say so with priority 0. After a split
        // brain heals, the winner may never hear an advert of ours (we step
        // down on its first one), so this is how it learns to re-ARP for the
        // clients that still point at us.
        out.send_advert_priority_zero = true;
        become_backup(now,
                      (higher ? "higher priority advert from "
                              : "equal priority advert from higher address ") +
                          from,
                      out);
        return;
    }
    // Two masters, and we win: advertise now so the other steps down, and
    // refresh the ARP caches that learned the loser's MAC (keepalived).
    out.send_advert = true;
    out.send_garp = true;
    if (!out.notice.empty()) out.notice += "; ";
    out.notice += "advert from " + from + " (priority " + std::to_string(a.priority) + ", ours " +
                  std::to_string(params_.priority) + ") loses to us, advertising at once";
    adver_timer_ = now + advert_interval_;
}

void VrrpInstance::become_master(VrrpTime now, std::string reason, VrrpActions& out) {
    out.send_advert = true;
    out.send_garp = true;
    adver_timer_ = now + advert_interval_;
    lower_master_since_.reset();
    ++counters_.became_master;
    transition(now, VrrpState::kMaster, std::move(reason), out);
}

void VrrpInstance::become_backup(VrrpTime now, std::string reason, VrrpActions& out) {
    ++counters_.became_backup;
    transition(now, VrrpState::kBackup, std::move(reason), out);
}

void VrrpInstance::transition(VrrpTime now, VrrpState to, std::string reason, VrrpActions& out) {
    out.transition = VrrpTransition{state_, to, reason};
    state_ = to;
    last_transition_at_ = now;
    last_transition_reason_ = std::move(reason);
}

}  // namespace dvs::control
