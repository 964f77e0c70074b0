// Sync stream defences (issue 20): the MAC (control/ha/sync_auth), the
// sequence window (sync_window) and the timeout cap (sync_limits).
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <string>
#include <vector>

#include "control/ha/sync_limits.hpp"
#include "control/ha/sync_protocol.hpp"
#include "control/ha/sync_window.hpp"

using namespace dvs;
using namespace dvs::control::sync;
using dataplane::ConnState;
using dataplane::SyncRecord;

namespace {

const Session kSession{7, 1700000000000};

std::vector<uint8_t> request(const SyncKey* key, uint32_t seq = 1) {
    return encode_full_request(seq, kSession, 99, key);
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[sync]") {
    // Key "Jefe", data "what do ya want for nothing?": the first 16 bytes of
    // 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843.
    const SyncKey key("Jefe");
    const std::string data = "what do ya want for nothing?";
    const Tag t = key.tag({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
    const Tag want = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
                      0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7};
    CHECK(t == want);
}

TEST_CASE("a signed datagram passes only with the same key, unaltered", "[sync]") {
    const SyncKey key(std::string(64, 'a'));
    const SyncKey other(std::string(64, 'b'));
    const std::vector<uint8_t> d = request(&key);
    REQUIRE(d.size() == kHeaderSize + 4 + kTagSize);
    CHECK(d[24] == 1);  // the auth byte, covered by the tag
    const Message m = decode(d, &key);
    REQUIRE(m.error == DecodeError::kNone);
    CHECK(m.transfer == 99);
    CHECK(decode(d, &other).error == DecodeError::kBadTag);
    CHECK(decode(d, nullptr).error == DecodeError::kSigned);
    CHECK(decode(request(nullptr), &key).error == DecodeError::kUnsigned);
    // Every byte counts: header, body and tag.
    for (size_t i : {size_t{5}, size_t{9}, size_t{16}, kHeaderSize, d.size() - 1}) {
        auto bad = d;
        bad[i] ^= 1;
        CHECK(decode(bad, &key).error != DecodeError::kNone);
    }
    // Cut short: no tag to check.
    CHECK(decode(std::vector<uint8_t>(d.begin(), d.begin() + kHeaderSize), &key).error ==
          DecodeError::kTooShort);
    // An unsigned datagram whose auth byte was set to 1 by a forger: refused.
    auto forged = request(nullptr);
    forged[24] = 1;
    forged.resize(forged.size() + kTagSize);
    CHECK(decode(forged, &key).error == DecodeError::kBadTag);
    CHECK(is_auth_error(DecodeError::kBadTag));
    CHECK_FALSE(is_auth_error(DecodeError::kBadRecord));
}

TEST_CASE("the window with a key refuses replays and older sessions", "[sync]") {
    SequenceWindow w(true);
    using V = SequenceWindow::Verdict;
    CHECK(w.check(kSession, 10).verdict == V::kFresh);
    CHECK(w.check(kSession, 10).verdict == V::kReplay);
    CHECK(w.check(kSession, 11).verdict == V::kFresh);
    const auto gap = w.check(kSession, 15);  // 12, 13, 14 missing
    CHECK(gap.verdict == V::kFresh);
    CHECK(gap.lost == 3);
    CHECK(w.check(kSession, 13).verdict == V::kFresh);  // late, once
    CHECK(w.check(kSession, 13).verdict == V::kReplay);
    CHECK(w.check(kSession, 11).verdict == V::kReplay);
    // Far ahead: a real loss with a key (no forger can write it).
    CHECK(w.check(kSession, 15 + 100000).lost == 99999);
    CHECK(w.check(kSession, 15).verdict == V::kReplay);  // older than the window
    CHECK(w.check(kSession, 15 + 100000 - 63).verdict == V::kFresh);
    CHECK(w.check(kSession, 15 + 100000 - 64).verdict == V::kReplay);
    // A restarted peer: a later session starts afresh, counting nothing lost.
    const Session later{8, kSession.started_ms + 5000};
    const auto restart = w.check(later, 0);
    CHECK(restart.verdict == V::kFresh);
    CHECK(restart.new_session);
    CHECK(restart.lost == 0);
    CHECK(w.check(later, 1).verdict == V::kFresh);
    // The old session's datagrams, replayed: refused, whatever their seq.
    CHECK(w.check(kSession, 200000).verdict == V::kOldSession);
    CHECK(w.check(later, 2).verdict == V::kFresh);
    // A session joined late: what it sent before the first datagram taken
    // (to a run of ours that is gone) is refused, even inside the window.
    SequenceWindow late(true);
    CHECK(late.check(kSession, 20).verdict == V::kFresh);
    CHECK(late.check(kSession, 19).verdict == V::kReplay);
    CHECK(late.check(kSession, 0).verdict == V::kReplay);
    // Sequence numbers wrap.
    SequenceWindow x(true);
    CHECK(x.check(kSession, 0xffffffffu).verdict == V::kFresh);
    CHECK(x.check(kSession, 0).lost == 0);
    CHECK(x.check(kSession, 0xffffffffu).verdict == V::kReplay);
}

TEST_CASE("the window without a key refuses nothing and caps what a gap counts", "[sync]") {
    SequenceWindow w(false);
    using V = SequenceWindow::Verdict;
    CHECK(w.check(kSession, 1).verdict == V::kFresh);
    CHECK(w.check(kSession, 1).verdict == V::kFresh);  // anyone could have sent it
    CHECK(w.check(kSession, 5).lost == 3);
    // A forged jump of 510 M: not a loss.
    const auto jump = w.check(kSession, 510000005);
    CHECK(jump.jumped);
    CHECK(jump.lost == 0);
    // The real stream behind it still passes.
    CHECK(w.check(kSession, 6).verdict == V::kFresh);
    // An older session too (no key: the clock order proves nothing).
    CHECK(w.check(Session{1, 1}, 0).verdict == V::kFresh);
}

TEST_CASE("synced timeouts are capped at the local one plus slack", "[sync]") {
    dataplane::StateTimeouts local;  // tcp established 900 by default
    SyncRecord r;
    r.proto = 6;
    r.state = ConnState::kTcpEstablished;
    CHECK(timeout_cap(r, local, 0) == 900 + kTimeoutSlackSeconds);
    r.state = ConnState::kTcpSynRecv;
    CHECK(timeout_cap(r, local, 0) == local.of(ConnState::kTcpSynRecv) + kTimeoutSlackSeconds);
    r.proto = 6 | dataplane::kTemplateProtoFlag;
    r.state = ConnState::kTemplate;
    CHECK(timeout_cap(r, local, 360) == 360 + kTimeoutSlackSeconds);
    // The forged 30-day timeout of issue 20 comes down to 16 minutes.
    r.proto = 6;
    r.state = ConnState::kTcpEstablished;
    r.timeout = kMaxTimeoutSeconds;
    CHECK(std::min(r.timeout, timeout_cap(r, local, 0)) == 960);
}
