// Helpers shared by the spool tests: building records and reading back what
// a spool holds, file by file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libcore/event/event.h"
#include "libcore/spool/spool.h"

namespace logroute::spool::testing {

// One encoded record (ending in LF).
std::string MakeRecord(int64_t user_id, const std::string& name = "login",
                       const std::string& table = "logs", int64_t recv_ts = 1700000000,
                       int64_t unix_ts = 1684129671);

// The lines of a file, without their LF. A last line without LF is returned
// as it is, marked by *torn when given.
std::vector<std::string> ReadLines(const std::string& path, bool* torn = nullptr);

// Names in a directory (no "." or ".."), sorted.
std::vector<std::string> ListDir(const std::string& dir);

// The files of a shard holding records, in order: segments by sequence, then `active`.
std::vector<std::string> ShardFiles(const Spool& spool, int shard);

// The size of a file; -1 when it does not exist.
int64_t FileSize(const std::string& path);

// Appends raw bytes to a file (creating it), as a crashed writer would have left them.
void AppendRaw(const std::string& path, const std::string& bytes);

}  // namespace logroute::spool::testing
