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
void put64(uint8_t* p, uint64_t v) {
    put32(p, static_cast<uint32_t>(v >> 32));
    put32(p + 4, static_cast<uint32_t>(v));
}
uint64_t get64(const uint8_t* p) { return (uint64_t{get32(p)} << 32) | get32(p + 4); }
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

constexpr size_t kAuthOffset = 24;

void put_header(uint8_t* p, MessageType type, uint16_t count, uint32_t seq,
                const Session& session) {
    put32(p, kMagic);
    p[4] = kVersion;
    p[5] = static_cast<uint8_t>(type);
    put16(p + 6, count);
    put32(p + 8, seq);
    put32(p + 12, session.sender);
    put64(p + 16, session.started_ms);
    p[kAuthOffset] = 0;
    p[kAuthOffset + 1] = p[kAuthOffset + 2] = p[kAuthOffset + 3] = 0;
}

// Marks the datagram signed (the mark is covered by the tag) and appends
// the tag; buf has room for it. Returns the signed size.
size_t seal(uint8_t* buf, size_t len, const SyncKey* key) {
    if (key == nullptr) return len;
    buf[kAuthOffset] = 1;
    const Tag t = key->tag({buf, len});
    std::memcpy(buf + len, t.data(), kTagSize);
    return len + kTagSize;
}

}  // namespace

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

namespace {

// The four leading bytes both record forms share: false for a combination
// no dvsd writes.
bool get_record_head(const uint8_t* p, dataplane::SyncRecord& r) {
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
    return true;
}

}  // namespace

bool get_record(const uint8_t* p, dataplane::SyncRecord& r) {
    if (!get_record_head(p, r)) return false;
    if (get16(p + 22) != 0 || get32(p + 28) != 0) return false;  // reserved: one spelling
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

void put_record6(uint8_t* p, const dataplane::SyncRecord& r) {
    p[0] = r.proto;
    p[1] = static_cast<uint8_t>(r.state);
    p[2] = r.method;
    p[3] = static_cast<uint8_t>(r.op);
    std::memcpy(p + 4, r.client_ip6.b, 16);
    std::memcpy(p + 20, r.vip6.b, 16);
    std::memcpy(p + 36, r.rs_ip6.b, 16);
    put_raw16(p + 52, r.client_port);
    put_raw16(p + 54, r.vport);
    put_raw16(p + 56, r.rs_port);
    put16(p + 58, 0);
    put32(p + 60, r.timeout);
}

bool get_record6(const uint8_t* p, dataplane::SyncRecord& r) {
    if (!get_record_head(p, r)) return false;
    if (get16(p + 58) != 0) return false;  // reserved: one spelling
    r.flags = dataplane::kSyncIpv6;
    r.client_ip6 = dataplane::Ip6::from(p + 4);
    r.vip6 = dataplane::Ip6::from(p + 20);
    r.rs_ip6 = dataplane::Ip6::from(p + 36);
    r.client_port = get_raw16(p + 52);
    r.vport = get_raw16(p + 54);
    r.rs_port = get_raw16(p + 56);
    r.timeout = get32(p + 60);
    return r.timeout <= kMaxTimeoutSeconds;
}

constexpr NameTable<DecodeError, 11> kDecodeErrorNames{{
    {DecodeError::kNone, "none"},
    {DecodeError::kTooShort, "too_short"},
    {DecodeError::kBadMagic, "bad_magic"},
    {DecodeError::kBadVersion, "bad_version"},
    {DecodeError::kBadType, "bad_type"},
    {DecodeError::kUnknownType, "unknown_type"},
    {DecodeError::kBadLength, "bad_length"},
    {DecodeError::kBadRecord, "bad_record"},
    {DecodeError::kUnsigned, "unsigned"},
    {DecodeError::kBadTag, "bad_tag"},
    {DecodeError::kSigned, "signed_without_key"},
}};

const char* decode_error_name(DecodeError e) { return name_of(kDecodeErrorNames, e).data(); }

Message decode(std::span<const uint8_t> d, const SyncKey* key) {
    Message m;
    // Magic and version first, with the least that holds them, so a peer
    // of another version is named as such whatever its header size.
    if (d.size() < 5) {
        m.error = DecodeError::kTooShort;
        return m;
    }
    if (get32(d.data()) != kMagic) {
        m.error = DecodeError::kBadMagic;
        return m;
    }
    m.version = d[4];
    if (d[4] != kVersion) {
        m.error = DecodeError::kBadVersion;
        return m;
    }
    if (d.size() < kHeaderSize) {
        m.error = DecodeError::kTooShort;
        return m;
    }
    size_t end = d.size();
    if (d[kAuthOffset] > 1 || d[kAuthOffset + 1] != 0 || d[kAuthOffset + 2] != 0 ||
        d[kAuthOffset + 3] != 0) {
        m.error = DecodeError::kBadLength;  // reserved bits: one spelling only
        return m;
    }
    const bool is_signed = d[kAuthOffset] == 1;
    if (key == nullptr && is_signed) {
        m.error = DecodeError::kSigned;
        return m;
    }
    if (key != nullptr) {
        if (!is_signed) {
            m.error = DecodeError::kUnsigned;
            return m;
        }
        if (d.size() < kHeaderSize + kTagSize) {
            m.error = DecodeError::kTooShort;
            return m;
        }
        end = d.size() - kTagSize;
        if (!key->verify(d.first(end), d.subspan(end))) {
            m.error = DecodeError::kBadTag;
            return m;
        }
    }
    m.header.count = get16(d.data() + 6);
    m.header.seq = get32(d.data() + 8);
    m.header.session.sender = get32(d.data() + 12);
    m.header.session.started_ms = get64(d.data() + 16);
    const uint8_t* body = d.data() + kHeaderSize;
    const size_t body_len = end - kHeaderSize;
    switch (d[5]) {
        case static_cast<uint8_t>(MessageType::kConnections):
        case static_cast<uint8_t>(MessageType::kConnections6):
        case static_cast<uint8_t>(MessageType::kTemplates6): {
            const bool v6 = d[5] != static_cast<uint8_t>(MessageType::kConnections);
            // IPv6 templates have their own type (see the header comment).
            const bool templates = d[5] == static_cast<uint8_t>(MessageType::kTemplates6);
            const size_t size = v6 ? kRecord6Size : kRecordSize;
            m.header.type = static_cast<MessageType>(d[5]);
            if (m.header.count > (v6 ? kMaxRecords6 : kMaxRecords) ||
                body_len != m.header.count * size) {
                m.error = DecodeError::kBadLength;
                return m;
            }
            m.records.resize(m.header.count);
            for (size_t i = 0; i < m.header.count; ++i) {
                const uint8_t* p = body + i * size;
                if (!(v6 ? get_record6(p, m.records[i]) && m.records[i].is_template() == templates
                         : get_record(p, m.records[i]))) {
                    m.records.clear();
                    m.error = DecodeError::kBadRecord;
                    return m;
                }
            }
            return m;
        }
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
        case 0:
            m.error = DecodeError::kBadType;
            return m;
        default:
            m.header.type = static_cast<MessageType>(d[5]);
            m.error = DecodeError::kUnknownType;
            return m;
    }
}

void DatagramBuilder::start(uint32_t seq, const Session& session) {
    count_ = 0;
    put_header(buf_, type_, 0, seq, session);
}

void DatagramBuilder::set_seq(uint32_t seq) { put32(buf_ + 8, seq); }

void DatagramBuilder::add(const dataplane::SyncRecord& r) {
    uint8_t* p = buf_ + kHeaderSize + count_ * record_size();
    if (type_ != MessageType::kConnections) {
        put_record6(p, r);
    } else {
        put_record(p, r);
    }
    ++count_;
}

std::span<const uint8_t> DatagramBuilder::finish(const SyncKey* key) {
    put16(buf_ + 6, count_);
    buf_[kAuthOffset] = 0;
    return {buf_, seal(buf_, kHeaderSize + count_ * record_size(), key)};
}

std::vector<uint8_t> encode_full_request(uint32_t seq, const Session& session, uint32_t transfer,
                                         const SyncKey* key) {
    std::vector<uint8_t> out(kHeaderSize + 4 + kTagSize);
    put_header(out.data(), MessageType::kFullRequest, 0, seq, session);
    put32(out.data() + kHeaderSize, transfer);
    out.resize(seal(out.data(), kHeaderSize + 4, key));
    return out;
}

std::vector<uint8_t> encode_full_end(uint32_t seq, const Session& session, uint32_t transfer,
                                     uint32_t total, const SyncKey* key) {
    std::vector<uint8_t> out(kHeaderSize + 8 + kTagSize);
    put_header(out.data(), MessageType::kFullEnd, 0, seq, session);
    put32(out.data() + kHeaderSize, transfer);
    put32(out.data() + kHeaderSize + 4, total);
    out.resize(seal(out.data(), kHeaderSize + 8, key));
    return out;
}

}  // namespace dvs::control::sync
