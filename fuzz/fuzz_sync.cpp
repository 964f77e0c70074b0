// libFuzzer target: the connection sync wire format (control/sync_protocol),
// which a backup reads from the network, unsigned and signed (sync_auth).
//
// The first input byte picks the receiver: even, no key; odd, a fixed key
// and, when the rest does not carry a valid tag, the rest signed with it
// (so the fuzzer reaches the record parser behind the MAC check too).
//
// Invariants:
//  - decode never crashes and accepts only well-formed datagrams; with a
//    key, only datagrams whose tag matches;
//  - an accepted connections datagram, written again with DatagramBuilder
//    (signed the same way), is byte-for-byte what was read (the format has
//    one spelling: reserved fields zero), and decodes to the same records;
//  - accepted transfer messages re-encode to the same bytes;
//  - the sequence window never accepts the same (session, seq) twice with a
//    key.

#include <algorithm>
#include <cstring>
#include <vector>

#include "control/ha/sync_protocol.hpp"
#include "control/ha/sync_window.hpp"
#include "fuzz_check.hpp"

namespace sync = dvs::control::sync;

namespace {

const sync::SyncKey& fuzz_key() {
    static const sync::SyncKey key(std::string(32, 'k'));
    return key;
}

void check_accepted(std::span<const uint8_t> d, const sync::Message& m, const sync::SyncKey* key) {
    switch (m.header.type) {
        case sync::MessageType::kConnections: {
            sync::DatagramBuilder b;
            b.start(m.header.seq, m.header.session);
            for (const auto& r : m.records) b.add(r);
            const auto again = b.finish(key);
            FUZZ_CHECK(again.size() == d.size() &&
                       std::equal(again.begin(), again.end(), d.begin()));
            const sync::Message n = sync::decode(again, key);
            FUZZ_CHECK(n.error == sync::DecodeError::kNone);
            FUZZ_CHECK(n.records.size() == m.records.size());
            for (size_t i = 0; i < n.records.size(); ++i) {
                FUZZ_CHECK(std::memcmp(&n.records[i], &m.records[i], sizeof(n.records[i])) == 0);
            }
            break;
        }
        case sync::MessageType::kFullRequest: {
            const auto again =
                sync::encode_full_request(m.header.seq, m.header.session, m.transfer, key);
            FUZZ_CHECK(again.size() == d.size() &&
                       std::equal(again.begin(), again.end(), d.begin()));
            break;
        }
        case sync::MessageType::kFullEnd: {
            const auto again =
                sync::encode_full_end(m.header.seq, m.header.session, m.transfer, m.total, key);
            FUZZ_CHECK(again.size() == d.size() &&
                       std::equal(again.begin(), again.end(), d.begin()));
            break;
        }
    }
    if (key != nullptr) {
        sync::SequenceWindow w(true);
        FUZZ_CHECK(w.check(m.header.session, m.header.seq).verdict ==
                   sync::SequenceWindow::Verdict::kFresh);
        FUZZ_CHECK(w.check(m.header.session, m.header.seq).verdict ==
                   sync::SequenceWindow::Verdict::kReplay);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const bool keyed = (data[0] & 1) != 0;
    std::span<const uint8_t> d{data + 1, size - 1};
    const sync::SyncKey* key = keyed ? &fuzz_key() : nullptr;
    sync::Message m = sync::decode(d, key);
    if (m.error == sync::DecodeError::kNone) {
        check_accepted(d, m, key);
        return 0;
    }
    if (!keyed || d.size() < sync::kHeaderSize || d.size() > sync::kMaxDatagram) return 0;
    // Sign the input as the peer would (auth byte 1, tag appended) and try
    // again: the parser behind the MAC check sees fuzzed bytes too.
    std::vector<uint8_t> signed_copy(d.begin(), d.end());
    signed_copy[24] = 1;
    const sync::Tag tag = key->tag(signed_copy);
    signed_copy.insert(signed_copy.end(), tag.begin(), tag.end());
    m = sync::decode(signed_copy, key);
    if (m.error == sync::DecodeError::kNone) check_accepted(signed_copy, m, key);
    // A signed datagram altered anywhere is refused.
    signed_copy[signed_copy.size() / 2] ^= 0x40;
    FUZZ_CHECK(sync::decode(signed_copy, key).error != sync::DecodeError::kNone);
    return 0;
}
