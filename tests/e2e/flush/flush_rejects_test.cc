// The rejects file of a segment says what that segment's committed attempt
// rejected: nothing stale from an attempt that failed before its commit.
#include <gtest/gtest.h>

#include <fstream>

#include "libcore/spool/record.h"
#include "libcore/spool/spool.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

TEST(FlushRejectsTest, AStaleRejectsFileOfACleanSegmentIsRemovedAtCommit) {
  TempDir dir;
  const std::string spool_dir = dir.Path("spool");
  WriteBacklog(spool_dir, MakeEvents(100, 1, {"login"}), "logs", 1 << 20, /*shards=*/1);
  SealAll(spool_dir);
  ASSERT_EQ(Segments(spool_dir).size(), 1u);
  // As an earlier attempt leaves it when it rejected rows and then failed to commit.
  Result<spool::Spool> spool = spool::Spool::Open(spool_dir, {});
  ASSERT_TRUE(spool.ok());
  const std::string stale = spool->RejectsDir() + "/shard-00." + spool::SegmentName(1) + ".rej";
  WriteFileOrDie(stale, "shard-00/seg-1\tline 3\trefused by the database: too long\tx\n");
  const std::string unrelated = spool->RejectsDir() + "/shard-00.torn.1.1.rej";
  WriteFileOrDie(unrelated, "shard-00/active\tbyte 0\ttorn tail\tx\n");

  std::unique_ptr<TargetDb> db = CreateSqliteDb(dir.Path("events.db"));
  RunResult flushed = Flush(spool_dir, db->Dsn(), {}, db->Env());
  ASSERT_EQ(flushed.exit_code, 0) << flushed.err;
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM logs")[0][0], "100");
  EXPECT_EQ(ListDir(spool->RejectsDir()), std::vector<std::string>{"shard-00.torn.1.1.rej"});
}

// A zero-filled region (what a power cut can leave) inside a segment: flush
// rejects the region as one cut line, keeps only its start in rejects/, and
// loads what surrounds it.
TEST(FlushRejectsTest, AMegabytesLongJunkLineIsRejectedAndTheRestLoaded) {
  TempDir dir;
  const std::string spool_dir = dir.Path("spool");
  WriteBacklog(spool_dir, MakeEvents(100, 1, {"login"}), "logs", 1 << 20, /*shards=*/1);
  SealAll(spool_dir);
  ASSERT_EQ(Segments(spool_dir).size(), 1u);
  {
    std::ofstream segment(Segments(spool_dir)[0], std::ios::binary | std::ios::app);
    segment << std::string(5 << 20, '\0') << '\n';
    std::string record;
    spool::AppendRecord({7, 1000, "logout"}, "logs", 0, &record);
    segment << record;
  }
  std::unique_ptr<TargetDb> db = CreateSqliteDb(dir.Path("events.db"));
  RunResult flushed = Flush(spool_dir, db->Dsn(), {}, db->Env());
  ASSERT_EQ(flushed.exit_code, 0) << flushed.err;
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM logs")[0][0], "101");
  EXPECT_EQ(db->Query("SELECT event_name FROM logs WHERE user_id = 1000")[0][0], "logout");
  Result<spool::Spool> spool = spool::Spool::Open(spool_dir, {});
  ASSERT_TRUE(spool.ok());
  const std::vector<std::string> rejects = ListDir(spool->RejectsDir());
  ASSERT_EQ(rejects.size(), 1u);
  const std::string entry = ReadFileOrDie(spool->RejectsDir() + "/" + rejects[0]);
  EXPECT_NE(entry.find("line 101\tnot a spool record: longer than"), std::string::npos) << entry;
  EXPECT_LT(entry.size(), 64u * 1024);
}

}  // namespace
}  // namespace logroute::testing::flush
