#include "tests/unit/spool/spool_test_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "tests/support/temp_dir.h"

namespace logroute::spool::testing {

std::string MakeRecord(int64_t user_id, const std::string& name, const std::string& table,
                       int64_t recv_ts, int64_t unix_ts) {
  std::string out;
  AppendRecord(event::Event{unix_ts, user_id, name}, table, recv_ts, &out);
  return out;
}

std::vector<std::string> ReadLines(const std::string& path, bool* torn) {
  const std::string content = logroute::testing::ReadFileOrDie(path);
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < content.size()) {
    const size_t newline = content.find('\n', begin);
    if (newline == std::string::npos) break;
    lines.push_back(content.substr(begin, newline - begin));
    begin = newline + 1;
  }
  if (torn != nullptr) *torn = begin < content.size();
  if (begin < content.size()) lines.push_back(content.substr(begin));
  return lines;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> ShardFiles(const Spool& spool, int shard) {
  std::vector<std::string> files;
  Result<std::vector<uint64_t>> segments = ListSegments(spool, shard);
  EXPECT_TRUE(segments.ok()) << segments.status().message();
  if (segments.ok()) {
    for (uint64_t seq : *segments) files.push_back(spool.SegmentPath(shard, seq));
  }
  if (FileSize(spool.ActivePath(shard)) >= 0) files.push_back(spool.ActivePath(shard));
  return files;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

void AppendRaw(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
  EXPECT_TRUE(out.good()) << "cannot append to " << path;
}

}  // namespace logroute::spool::testing
