#pragma once
// The connection sync wire format (UDP between two dvsd; README "High
// availability"). Modelled on IPVS's sync protocol v1: a header, then
// fixed-size records. Big-endian; addresses and ports as on the wire.
//
//   header (28 bytes): magic "DVSY" | version 2 | type | count u16 |
//                      seq u32 | sender u32 | started u64 | auth u8 | reserved 3
//   kConnections: count records of 32 bytes:
//       proto | state | method | op | client_ip | vip | rs_ip |
//       client_port | vport | rs_port | reserved u16 | timeout u32 | reserved u32
//   kConnections6: count records of 64 bytes, IPv6 connections (issue 15):
//       proto | state | method | op | client_ip (16) | vip (16) | rs_ip (16) |
//       client_port | vport | rs_port | reserved u16 | timeout u32
//   kTemplates6: the same 64-byte records, IPv6 persistence templates only
//       (client_ip masked, client_port 0, proto | 0x80, state template)
//   kFullRequest: transfer u32            ("send me your whole table")
//   kFullEnd:     transfer u32 | records u32   ("that was all of it")
//   auth 1: a 16-byte tag follows (sync_auth.hpp: HMAC-SHA256 over every
//   byte before it); auth 0: nothing follows (no key configured).
//
// `seq` counts the sender's datagrams; `sender` (random) and `started`
// (unix ms) name the sender's run, its session: a restarted peer starts a
// new one, and with a key a session older than the current one is a replay
// (sync_window.hpp). A receiver refuses other versions with a named error
// (version 1 had a 16-byte header without `started` and no tag), so the
// format can change with the version number. Pure code: no sockets.
//
// IPv6 connections travel in datagrams of their own type, never mixed with
// IPv4 records, so the format stays version 2: a peer from before them
// refuses those datagrams alone (bad_type, counted in bad_datagrams) and
// keeps installing the IPv4 ones. A message type this code does not know
// is likewise skipped and counted (DecodeError::kUnknownType), so a later
// type reaches this peer the same way: IPv6 templates came later than IPv6
// connections and travel as kTemplates6, so a peer that knows
// kConnections6 but not them skips and counts those datagrams alone (a
// kConnections6 datagram holding a template is refused whole, bad_record,
// as it was before templates existed for IPv6).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "control/ha/sync_auth.hpp"
#include "dataplane/sync_record.hpp"

namespace dvs::control::sync {

inline constexpr uint32_t kMagic = 0x44565359;  // "DVSY"
inline constexpr uint8_t kVersion = 2;
inline constexpr size_t kHeaderSize = 28;
inline constexpr size_t kRecordSize = 32;
inline constexpr size_t kRecord6Size = 64;
inline constexpr size_t kMaxDatagram = 1400;  // fits a 1500-byte MTU with IP and UDP
inline constexpr size_t kMaxRecords = (kMaxDatagram - kHeaderSize - kTagSize) / kRecordSize;
inline constexpr size_t kMaxRecords6 = (kMaxDatagram - kHeaderSize - kTagSize) / kRecord6Size;
inline constexpr uint32_t kMaxTimeoutSeconds = 2592000;  // a record's timeout: at most 30 days

enum class MessageType : uint8_t {
    kConnections = 1,
    kFullRequest = 2,
    kFullEnd = 3,
    kConnections6 = 4,
    kTemplates6 = 5,
};

// One run of the sender's dvsd.
struct Session {
    uint32_t sender = 0;
    uint64_t started_ms = 0;
    bool operator==(const Session&) const = default;
};

struct Header {
    MessageType type = MessageType::kConnections;
    uint16_t count = 0;
    uint32_t seq = 0;
    Session session;
};

enum class DecodeError : uint8_t {
    kNone,
    kTooShort,
    kBadMagic,
    kBadVersion,
    kBadType,      // a type number no version of the format had (0)
    kUnknownType,  // a later type than this code knows: skipped
    kBadLength,    // the size does not match the type and count
    kBadRecord,    // a record with an impossible protocol, state, method or op
    kUnsigned,     // we have a key; the datagram carries no tag
    kBadTag,       // the tag does not match (another key, or altered)
    kSigned,       // a tag, but we have no key to check it with
    kCount
};
const char* decode_error_name(DecodeError e);

// The errors that say the datagram is not (provably) from our peer.
inline bool is_auth_error(DecodeError e) {
    return e == DecodeError::kUnsigned || e == DecodeError::kBadTag || e == DecodeError::kSigned;
}

struct Message {
    DecodeError error = DecodeError::kNone;
    uint8_t version = 0;  // as read (kBadVersion says which)
    Header header;
    std::vector<dataplane::SyncRecord> records;  // kConnections, kConnections6, kTemplates6 (ids 0)
    uint32_t transfer = 0;                       // kFullRequest, kFullEnd
    uint32_t total = 0;                          // kFullEnd: records in the transfer
};

// One connection record in its 32-byte wire form (also the form of the
// restart state file, control/restart/state_file.hpp). get_record is false
// for a record no dvsd writes (impossible protocol, state, method or op,
// reserved bytes set, a timeout over 30 days); ids are left 0.
void put_record(uint8_t* p, const dataplane::SyncRecord& r);
bool get_record(const uint8_t* p, dataplane::SyncRecord& r);
// The same for an IPv6 connection or template, 64 bytes (get_record6 sets
// kSyncIpv6; which of the two a datagram may hold is decode's check).
void put_record6(uint8_t* p, const dataplane::SyncRecord& r);
bool get_record6(const uint8_t* p, dataplane::SyncRecord& r);

// key: the configured key, or null (then only unsigned datagrams pass).
// The tag is checked before anything after the header is read.
Message decode(std::span<const uint8_t> datagram, const SyncKey* key);

// Fills datagrams of connection records of one family (kConnections or
// kConnections6); the caller sends each when full() or when its flush timer
// fires.
class DatagramBuilder {
public:
    explicit DatagramBuilder(MessageType type = MessageType::kConnections) : type_(type) {}
    void start(uint32_t seq, const Session& session);
    // r's family must be the builder's.
    void add(const dataplane::SyncRecord& r);
    size_t capacity() const {
        return type_ == MessageType::kConnections ? kMaxRecords : kMaxRecords6;
    }
    bool full() const { return count_ == capacity(); }
    bool empty() const { return count_ == 0; }
    // The sequence number start() wrote, replaced (a datagram built over
    // several ticks takes the number current when it is sent).
    void set_seq(uint32_t seq);
    size_t size() const { return count_; }
    // The datagram (header count filled in, signed with key unless null);
    // valid until the next start().
    std::span<const uint8_t> finish(const SyncKey* key);

private:
    size_t record_size() const {
        return type_ == MessageType::kConnections ? kRecordSize : kRecord6Size;
    }

    MessageType type_;
    uint8_t buf_[kMaxDatagram] = {};
    uint16_t count_ = 0;
};

std::vector<uint8_t> encode_full_request(uint32_t seq, const Session& session, uint32_t transfer,
                                         const SyncKey* key);
std::vector<uint8_t> encode_full_end(uint32_t seq, const Session& session, uint32_t transfer,
                                     uint32_t total, const SyncKey* key);

}  // namespace dvs::control::sync
