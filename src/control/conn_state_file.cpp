#include "control/conn_state_file.hpp"

#include <boost/crc.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "control/ha/sync_protocol.hpp"

namespace dvs::control {

namespace {

constexpr uint8_t kMagic[4] = {'D', 'V', 'S', 'C'};
constexpr uint8_t kVersion = 1;   // IPv4 records only
constexpr uint8_t kVersion6 = 2;  // and IPv6 ones: count6 after the crc
constexpr size_t kHeaderSize = 24;
constexpr size_t kHeader6Size = 28;

void put32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
uint32_t get32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint32_t crc_of(const uint8_t* data, size_t len) {
    boost::crc_32_type crc;
    crc.process_bytes(data, len);
    return crc.checksum();
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what);
}

}  // namespace

int64_t unix_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void write_conn_state_file(const std::string& path, const SavedConnections& saved) {
    size_t count6 = 0;
    for (const dataplane::SyncRecord& r : saved.records) count6 += r.is_v6() ? 1 : 0;
    const size_t count = saved.records.size() - count6;
    const size_t header = count6 == 0 ? kHeaderSize : kHeader6Size;
    std::vector<uint8_t> buf(header + count * sync::kRecordSize + count6 * sync::kRecord6Size);
    uint8_t* body = buf.data() + header;
    uint8_t* p = body;
    for (const dataplane::SyncRecord& r : saved.records) {  // IPv4 first, then IPv6
        if (r.is_v6()) continue;
        sync::put_record(p, r);
        p += sync::kRecordSize;
    }
    for (const dataplane::SyncRecord& r : saved.records) {
        if (!r.is_v6()) continue;
        sync::put_record6(p, r);
        p += sync::kRecord6Size;
    }
    std::memcpy(buf.data(), kMagic, 4);
    buf[4] = count6 == 0 ? kVersion : kVersion6;
    const auto ms = static_cast<uint64_t>(saved.saved_at_ms);
    put32(buf.data() + 8, static_cast<uint32_t>(ms >> 32));
    put32(buf.data() + 12, static_cast<uint32_t>(ms));
    put32(buf.data() + 16, static_cast<uint32_t>(count));
    put32(buf.data() + 20, crc_of(body, buf.size() - header));
    if (count6 != 0) put32(buf.data() + 24, static_cast<uint32_t>(count6));

    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) fail(tmp, std::string("cannot create: ") + std::strerror(errno));
        out.write(reinterpret_cast<const char*>(buf.data()),
                  static_cast<std::streamsize>(buf.size()));
        out.flush();
        if (!out) fail(tmp, std::string("cannot write: ") + std::strerror(errno));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) fail(path, "cannot rename " + tmp + " to it: " + ec.message());
}

SavedConnections read_conn_state_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
    const std::vector<uint8_t> buf((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
    if (buf.size() < kHeaderSize) fail(path, "too short for a connection state file");
    if (std::memcmp(buf.data(), kMagic, 4) != 0) fail(path, "not a connection state file");
    if (buf[4] != kVersion && buf[4] != kVersion6) {
        fail(path, "version " + std::to_string(buf[4]) + ", this dvsd reads versions " +
                       std::to_string(kVersion) + " and " + std::to_string(kVersion6));
    }
    const size_t header = buf[4] == kVersion ? kHeaderSize : kHeader6Size;
    if (buf.size() < header) fail(path, "too short for a connection state file");
    const uint32_t count = get32(buf.data() + 16);
    const uint32_t count6 = header == kHeaderSize ? 0 : get32(buf.data() + 24);
    if (buf.size() !=
        header + uint64_t{count} * sync::kRecordSize + uint64_t{count6} * sync::kRecord6Size) {
        fail(path, "holds " + std::to_string(buf.size()) + " bytes, not the " +
                       std::to_string(count + uint64_t{count6}) +
                       " records its header announces (truncated?)");
    }
    const uint8_t* body = buf.data() + header;
    if (crc_of(body, buf.size() - header) != get32(buf.data() + 20)) {
        fail(path, "checksum mismatch (the file was altered or torn)");
    }
    SavedConnections saved;
    saved.saved_at_ms =
        static_cast<int64_t>((uint64_t{get32(buf.data() + 8)} << 32) | get32(buf.data() + 12));
    saved.records.resize(uint64_t{count} + count6);
    for (uint32_t i = 0; i < count; ++i) {
        if (!sync::get_record(body + i * sync::kRecordSize, saved.records[i])) {
            fail(path, "record " + std::to_string(i) + " is not one dvsd writes");
        }
    }
    const uint8_t* body6 = body + uint64_t{count} * sync::kRecordSize;
    for (uint32_t i = 0; i < count6; ++i) {
        if (!sync::get_record6(body6 + i * sync::kRecord6Size, saved.records[count + i])) {
            fail(path, "IPv6 record " + std::to_string(i) + " is not one dvsd writes");
        }
    }
    return saved;
}

}  // namespace dvs::control
