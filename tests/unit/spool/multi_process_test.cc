// Several processes appending to one spool at once, each through its own
// SpoolWriter, with a small segment bound so that they also seal under each
// other (doc/spool-format.md: "several processes MAY append to one spool").
// Afterwards every line of every file must be a whole, valid record, and every
// record must be there exactly once.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "libcore/spool/writer.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using logroute::testing::TempDir;

constexpr int kProcesses = 4;
constexpr int kRecordsPerProcess = 4000;
constexpr int kShards = 3;

int64_t UserId(int process, int i) { return int64_t{process} * 1000000 + i; }
std::string NameOf(int process, int i) {
  // Varying lengths and bytes that need escaping, so records differ in size.
  return 'p' + std::to_string(process) + "\t" + std::string(static_cast<size_t>(i % 37), 'n') +
         "\\" + std::to_string(i);
}

// The child: appends its records in batches of 1 to 7, then exits 0 (1 on error).
[[noreturn]] void AppendAll(const std::string& dir, int process) {
  Result<Spool> spool = Spool::Open(dir, {});
  if (!spool.ok()) ::_exit(1);
  Result<std::unique_ptr<SpoolWriter>> writer =
      SpoolWriter::Open(*spool, {.fsync = false, .segment_bytes = 4096});
  if (!writer.ok()) ::_exit(1);
  std::string batch;
  int in_batch = 0;
  for (int i = 0; i < kRecordsPerProcess; ++i) {
    AppendRecord({i, UserId(process, i), NameOf(process, i)}, "logs", 1700000000 + process, &batch);
    if (++in_batch == 1 + (i % 7) || i + 1 == kRecordsPerProcess) {
      if (!(*writer)->Append(batch).ok()) ::_exit(1);
      batch.clear();
      in_batch = 0;
    }
  }
  ::_exit(0);
}

TEST(MultiProcessTest, ConcurrentAppendersLoseAndTearNothing) {
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  ASSERT_TRUE(Spool::Open(dir, {.shards = kShards, .create = true}).ok());
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) AppendAll(dir, p);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }

  Result<Spool> spool = Spool::Open(dir, {});
  ASSERT_TRUE(spool.ok());
  std::map<int64_t, int> seen;  // user_id -> times
  size_t segments = 0, bad_lines = 0;
  for (int shard = 0; shard < kShards; ++shard) {
    for (const std::string& file : testing::ShardFiles(*spool, shard)) {
      segments += file.ends_with("/active") ? 0 : 1;
      bool torn = false;
      for (const std::string& line : testing::ReadLines(file, &torn)) {
        const Result<Record> decoded = DecodeRecord(line);
        if (!decoded.ok()) {
          ADD_FAILURE() << file << ": " << decoded.status().message() << ": "
                        << line.substr(0, 200);
          if (++bad_lines > 10) return;
          continue;
        }
        const Record& record = *decoded;
        const auto process = static_cast<int>(record.user_id / 1000000);
        const auto i = static_cast<int>(record.user_id % 1000000);
        std::string name;
        UnescapeName(record.escaped_name, &name);
        EXPECT_EQ(name, NameOf(process, i));
        EXPECT_EQ(record.unix_ts, i);
        EXPECT_EQ(record.recv_ts, 1700000000 + process);
        EXPECT_EQ(record.table, "logs");
        ++seen[record.user_id];
      }
      EXPECT_FALSE(torn) << file;
    }
  }
  EXPECT_GT(segments, 0u);  // sealing happened while others appended
  EXPECT_EQ(seen.size(), static_cast<size_t>(kProcesses * kRecordsPerProcess));
  for (int p = 0; p < kProcesses; ++p) {
    for (int i = 0; i < kRecordsPerProcess; ++i) {
      const auto it = seen.find(UserId(p, i));
      if (it == seen.end() || it->second != 1) {
        ADD_FAILURE() << "record " << p << "/" << i << " seen "
                      << (it == seen.end() ? 0 : it->second) << " times";
        return;
      }
    }
  }
  EXPECT_TRUE(testing::ListDir(spool->RejectsDir()).empty());
}

}  // namespace
}  // namespace logroute::spool
