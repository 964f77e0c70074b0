#pragma once
// The file that carries connections across a restart (README "Restarts"):
// dvsd writes its connection table and persistence templates there on
// SIGTERM, and the next start reads them back (control/conn_carry.cpp).
//
//   header (24 bytes): magic "DVSC" | version 1 | reserved 3 |
//                      saved_at unix ms u64 | count u32 | crc32 u32
//   count records of 32 bytes, in the sync stream's form (sync_protocol.hpp;
//   `timeout` is the seconds the entry had left when it was saved)
//
// Version 2 (issue 15) adds IPv6 connections: the header is 28 bytes, with
// count6 u32 after crc32, and count6 records of 64 bytes (the sync stream's
// IPv6 form) follow the IPv4 ones. A file without IPv6 connections is still
// written as version 1, so a dvsd from before IPv6 reads it; both are read.
//
// Big-endian. crc32 covers the records, so a torn or edited file is refused
// as a whole rather than half-installed. Written to a temporary file and
// renamed, so a crash while saving leaves the previous file or none.
// Pure code: files only.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/sync_record.hpp"

namespace dvs::control {

struct SavedConnections {
    int64_t saved_at_ms = 0;                     // unix time
    std::vector<dataplane::SyncRecord> records;  // both families (SyncRecord::is_v6)
};

// The wall clock in unix ms, as saved_at_ms holds it (the time away spans
// two processes, so no monotonic clock serves).
int64_t unix_now_ms();

// Both throw std::runtime_error naming the file and what is wrong with it.
void write_conn_state_file(const std::string& path, const SavedConnections& saved);
SavedConnections read_conn_state_file(const std::string& path);

}  // namespace dvs::control
