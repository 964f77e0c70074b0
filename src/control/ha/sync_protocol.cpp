#include "control/ha/sync_protocol.hpp"

#include "common/name_table.hpp"

#include <cstring>

namespace dvs::control::sync {

namespace {

void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
    put16(p, static_cast<uint16_t>(v >> 16));
    put16(p + 2, static_cast<uint16_t>(v));
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t get32(const uint8_t* p) { return (uint32_t{get16(p)} << 16) | get16(p + 2); }
// Addresses and ports stay in network byte order: copied as bytes.
void put_raw32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put_raw16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
uint32_t get_raw32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
uint16_t get_raw16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

void put_header(uint8_t* p, MessageType type, uint16_t count, uint32_t seq, uint32_t sender) {
    put32(p, kMagic);
    p[4] = kVersion;
    p[5] = static_cast<uint8_t>(type);
    put16(p + 6, count);
    put32(p + 8, seq);
    put32(p + 12, sender);
}

void put_record(uint8_t* p, const dataplane::SyncRecord& r) {
    p[0] = r.proto;
    p[1] = static_cast<uint8_t>(r.state);
    p[2] = r.method;
    p[3] = static_cast<uint8_t>(r.op);
    put_raw32(p + 4, r.client_ip);
    put_raw32(p + 8, r.vip);
    put_raw32(p + 12, r.rs_ip);
    put_raw16(p + 16, r.client_port);
    put_raw16(p + 18, r.vport);
    put_raw16(p + 20, r.rs_port);
    put16(p + 22, 0);
    put32(p + 24, r.timeout);
    put32(p + 28, 0);
}

bool get_record(const uint8_t* p, dataplane::SyncRecord& r) {
    using dataplane::ConnState;
    const uint8_t l4 = p[0] & static_cast<uint8_t>(~dataplane::kTemplateProtoFlag);
    const bool is_template = (p[0] & dataplane::kTemplateProtoFlag) != 0;
    if (l4 != 6 && l4 != 17) return false;
    if (p[1] >= static_cast<uint8_t>(ConnState::kCount)) return false;
    const auto state = static_cast<ConnState>(p[1]);
    if (is_template != (state == ConnState::kTemplate)) return false;
    if (!is_template && (l4 == 17) != (state == ConnState::kUdp)) return false;
    if (p[2] > dataplane::kMethodTun) return false;
    if (p[3] != static_cast<uint8_t>(dataplane::SyncOp::kUpdate) &&
        p[3] != static_cast<uint8_t>(dataplane::SyncOp::kRemove)) {
        return false;
    }
    r = {};
    r.proto = p[0];
    r.state = state;
    r.method = p[2];
    r.op = static_cast<dataplane::SyncOp>(p[3]);
    r.client_ip = get_raw32(p + 4);
    r.vip = get_raw32(p + 8);
    r.rs_ip = get_raw32(p + 12);
    r.client_port = get_raw16(p + 16);
    r.vport = get_raw16(p + 18);
    r.rs_port = get_raw16(p + 20);
    r.timeout = get32(p + 24);
    // No state or persistence timeout is longer than 30 days (config.cpp);
    // a larger one would wrap the timer wheel's tick arithmetic.
    return r.timeout <= kMaxTimeoutSeconds;
}

}  // namespace

constexpr NameTable<DecodeError, 7> kDecodeErrorNames{{
    {DecodeError::kNone, "none"},
    {DecodeError::kTooShort, "too_short"},
    {DecodeError::kBadMagic, "bad_magic"},
    {DecodeError::kBadVersion, "bad_version"},
    {DecodeError::kBadType, "bad_type"},
    {DecodeError::kBadLength, "bad_length"},
    {DecodeError::kBadRecord, "bad_record"},
}};

const char* decode_error_name(DecodeError e) { return name_of(kDecodeErrorNames, e).data(); }

Message decode(std::span<const uint8_t> d) {
    Message m;
    if (d.size() < kHeaderSize) {
        m.error = DecodeError::kTooShort;
        return m;
    }
    if (get32(d.data()) != kMagic) {
        m.error = DecodeError::kBadMagic;
        return m;
    }
    if (d[4] != kVersion) {
        m.error = DecodeError::kBadVersion;
        return m;
    }
    m.header.count = get16(d.data() + 6);
    m.header.seq = get32(d.data() + 8);
    m.header.sender = get32(d.data() + 12);
    const uint8_t* body = d.data() + kHeaderSize;
    const size_t body_len = d.size() - kHeaderSize;
    switch (d[5]) {
        case static_cast<uint8_t>(MessageType::kConnections):
            m.header.type = MessageType::kConnections;
            if (m.header.count > kMaxRecords || body_len != m.header.count * kRecordSize) {
                m.error = DecodeError::kBadLength;
                return m;
            }
            m.records.resize(m.header.count);
            for (size_t i = 0; i < m.header.count; ++i) {
                if (!get_record(body + i * kRecordSize, m.records[i])) {
                    m.records.clear();
                    m.error = DecodeError::kBadRecord;
                    return m;
                }
            }
            return m;
        case static_cast<uint8_t>(MessageType::kFullRequest):
            m.header.type = MessageType::kFullRequest;
            if (m.header.count != 0 || body_len != 4) {
                m.error = DecodeError::kBadLength;
                return m;
            }
            m.transfer = get32(body);
            return m;
        case static_cast<uint8_t>(MessageType::kFullEnd):
            m.header.type = MessageType::kFullEnd;
            if (m.header.count != 0 || body_len != 8) {
                m.error = DecodeError::kBadLength;
                return m;
            }
            m.transfer = get32(body);
            m.total = get32(body + 4);
            return m;
        default:
            m.error = DecodeError::kBadType;
            return m;
    }
}

void DatagramBuilder::start(uint32_t seq, uint32_t sender) {
    count_ = 0;
    put_header(buf_, MessageType::kConnections, 0, seq, sender);
}

void DatagramBuilder::add(const dataplane::SyncRecord& r) {
    put_record(buf_ + kHeaderSize + count_ * kRecordSize, r);
    ++count_;
}

std::span<const uint8_t> DatagramBuilder::finish() {
    put16(buf_ + 6, count_);
    return {buf_, kHeaderSize + count_ * kRecordSize};
}

std::vector<uint8_t> encode_full_request(uint32_t seq, uint32_t sender, uint32_t transfer) {
    std::vector<uint8_t> out(kHeaderSize + 4);
    put_header(out.data(), MessageType::kFullRequest, 0, seq, sender);
    put32(out.data() + kHeaderSize, transfer);
    return out;
}

std::vector<uint8_t> encode_full_end(uint32_t seq, uint32_t sender, uint32_t transfer,
                                     uint32_t total) {
    std::vector<uint8_t> out(kHeaderSize + 8);
    put_header(out.data(), MessageType::kFullEnd, 0, seq, sender);
    put32(out.data() + kHeaderSize, transfer);
    put32(out.data() + kHeaderSize + 4, total);
    return out;
}

}  // namespace dvs::control::sync
