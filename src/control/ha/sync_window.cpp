#include "control/ha/sync_window.hpp"

namespace dvs::control::sync {

SequenceWindow::Result SequenceWindow::check(const Session& session, uint32_t seq) {
    Result r;
    if (!have_ || session != session_) {
        if (have_ && strict_ && session.started_ms < session_.started_ms) {
            r.verdict = Verdict::kOldSession;
            return r;
        }
        r.new_session = have_;
        have_ = true;
        session_ = session;
        top_ = seq;
        // Whatever the session sent before the first datagram we take is
        // not ours to take later: it was meant for a run of ours that is
        // gone, or lost, and a recording of it is the likeliest replay.
        seen_ = ~uint64_t{0};
        return r;
    }
    const auto ahead = static_cast<int32_t>(seq - top_);
    if (ahead > 0) {
        const uint32_t gap = static_cast<uint32_t>(ahead) - 1;
        if (!strict_ && gap > kMaxCountedGap) {
            r.jumped = true;
        } else {
            r.lost = gap;
        }
        seen_ = static_cast<uint32_t>(ahead) >= kWidth ? 0 : seen_ << ahead;
        seen_ |= 1;
        top_ = seq;
        return r;
    }
    const auto behind = static_cast<uint32_t>(-static_cast<int64_t>(ahead));
    if (behind >= kWidth) {
        if (strict_) r.verdict = Verdict::kReplay;
        return r;
    }
    const uint64_t bit = uint64_t{1} << behind;
    if ((seen_ & bit) != 0) {
        if (strict_) r.verdict = Verdict::kReplay;
        return r;
    }
    seen_ |= bit;  // late, not lost after all (it was counted as lost)
    return r;
}

}  // namespace dvs::control::sync
