#pragma once
// Which of the peer's sync datagrams to take, by session and sequence
// number (issue 20). Pure: no sockets, no clock.
//
// A session is one run of the peer's dvsd (sync_protocol.hpp `Session`);
// within it `seq` counts datagrams. The window remembers the highest seq
// and which of the 64 before it arrived.
//
// Strict (a key is configured, so every datagram that gets here is the
// peer's own): a datagram already seen, older than the window, sent before
// the first one taken of its session, or of a session that started before
// the current one is a replay. Gaps are losses; a late one inside the
// window is taken once.
// Not strict (no key: anyone can forge a datagram): nothing is refused,
// because a forged seq far ahead would otherwise lock the real stream out,
// and a gap larger than kMaxCountedGap is a jump, not counted as lost, so
// a forgery cannot drive the loss counter.
//
// Control thread only.

#include <cstdint>

#include "control/ha/sync_protocol.hpp"

namespace dvs::control::sync {

class SequenceWindow {
public:
    static constexpr uint32_t kWidth = 64;
    static constexpr uint32_t kMaxCountedGap = 65536;

    enum class Verdict : uint8_t { kFresh, kReplay, kOldSession };
    struct Result {
        Verdict verdict = Verdict::kFresh;
        uint32_t lost = 0;         // datagrams skipped before this one
        bool jumped = false;       // a gap too large to count (not strict)
        bool new_session = false;  // the first of a session (the peer restarted)
    };

    explicit SequenceWindow(bool strict) : strict_(strict) {}
    Result check(const Session& session, uint32_t seq);

private:
    bool strict_;
    bool have_ = false;
    Session session_;
    uint32_t top_ = 0;   // highest seq taken
    uint64_t seen_ = 0;  // bit i: top_ - i was taken
};

}  // namespace dvs::control::sync
