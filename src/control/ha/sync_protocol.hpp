#pragma once
// The connection sync wire format (UDP between two dvsd; README "High
// availability"). Modelled on IPVS's sync protocol v1: a header, then
// fixed-size records. Big-endian; addresses and ports as on the wire.
//
//   header (16 bytes): magic "DVSY" | version 1 | type | count u16 |
//                      seq u32 | sender u32
//   kConnections: count records of 32 bytes:
//       proto | state | method | op | client_ip | vip | rs_ip |
//       client_port | vport | rs_port | reserved u16 | timeout u32 | reserved u32
//   kFullRequest: transfer u32            ("send me your whole table")
//   kFullEnd:     transfer u32 | records u32   ("that was all of it")
//
// `seq` counts the sender's datagrams so the receiver can count losses;
// `sender` is random per dvsd start, so a restarted peer's seq restart is
// not taken for a loss. A receiver refuses other versions (counted), so the
// format can change with the version number. Pure code: no sockets.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/sync_record.hpp"

namespace dvs::control::sync {

inline constexpr uint32_t kMagic = 0x44565359;  // "DVSY"
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kRecordSize = 32;
inline constexpr size_t kMaxDatagram = 1400;  // fits a 1500-byte MTU with IP and UDP
inline constexpr size_t kMaxRecords = (kMaxDatagram - kHeaderSize) / kRecordSize;
inline constexpr uint32_t kMaxTimeoutSeconds = 2592000;  // a record's timeout: at most 30 days

enum class MessageType : uint8_t { kConnections = 1, kFullRequest = 2, kFullEnd = 3 };

struct Header {
    MessageType type = MessageType::kConnections;
    uint16_t count = 0;
    uint32_t seq = 0;
    uint32_t sender = 0;
};

enum class DecodeError : uint8_t {
    kNone,
    kTooShort,
    kBadMagic,
    kBadVersion,
    kBadType,
    kBadLength,  // the size does not match the type and count
    kBadRecord,  // a record with an impossible protocol, state, method or op
    kCount
};
const char* decode_error_name(DecodeError e);

struct Message {
    DecodeError error = DecodeError::kNone;
    Header header;
    std::vector<dataplane::SyncRecord> records;  // kConnections (ids left 0)
    uint32_t transfer = 0;                       // kFullRequest, kFullEnd
    uint32_t total = 0;                          // kFullEnd: records in the transfer
};

Message decode(std::span<const uint8_t> datagram);

// Fills datagrams of connection records; the caller sends each when full()
// or when its flush timer fires.
class DatagramBuilder {
public:
    void start(uint32_t seq, uint32_t sender);
    void add(const dataplane::SyncRecord& r);
    bool full() const { return count_ == kMaxRecords; }
    bool empty() const { return count_ == 0; }
    size_t size() const { return count_; }
    // The datagram (header count filled in); valid until the next start().
    std::span<const uint8_t> finish();

private:
    uint8_t buf_[kMaxDatagram] = {};
    uint16_t count_ = 0;
};

std::vector<uint8_t> encode_full_request(uint32_t seq, uint32_t sender, uint32_t transfer);
std::vector<uint8_t> encode_full_end(uint32_t seq, uint32_t sender, uint32_t transfer,
                                     uint32_t total);

}  // namespace dvs::control::sync
