// libFuzzer target: the connection sync wire format (control/sync_protocol),
// which a backup reads from the network.
//
// Invariants:
//  - decode never crashes and accepts only well-formed datagrams;
//  - an accepted connections datagram, written again with DatagramBuilder,
//    is byte-for-byte what was read (the format has one spelling: reserved
//    fields zero), and decodes to the same records;
//  - accepted transfer messages re-encode to the same bytes.

#include <cstring>

#include "control/ha/sync_protocol.hpp"
#include "fuzz_check.hpp"

namespace sync = dvs::control::sync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const sync::Message m = sync::decode({data, size});
    if (m.error != sync::DecodeError::kNone) return 0;
    switch (m.header.type) {
        case sync::MessageType::kConnections: {
            sync::DatagramBuilder b;
            b.start(m.header.seq, m.header.sender);
            for (const auto& r : m.records) b.add(r);
            const auto again = b.finish();
            const sync::Message n = sync::decode(again);
            FUZZ_CHECK(n.error == sync::DecodeError::kNone);
            FUZZ_CHECK(n.records.size() == m.records.size());
            for (size_t i = 0; i < n.records.size(); ++i) {
                FUZZ_CHECK(std::memcmp(&n.records[i], &m.records[i], sizeof(n.records[i])) == 0);
            }
            break;
        }
        case sync::MessageType::kFullRequest: {
            const auto again = sync::encode_full_request(m.header.seq, m.header.sender, m.transfer);
            FUZZ_CHECK(sync::decode(again).transfer == m.transfer);
            break;
        }
        case sync::MessageType::kFullEnd: {
            const auto again =
                sync::encode_full_end(m.header.seq, m.header.sender, m.transfer, m.total);
            const sync::Message n = sync::decode(again);
            FUZZ_CHECK(n.transfer == m.transfer && n.total == m.total);
            break;
        }
    }
    return 0;
}
