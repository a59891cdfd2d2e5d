// MeasureBacklog: what logroute-stat reports, counted from known files.
#include "libcore/spool/backlog.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>

#include "libcore/base/file_lock.h"
#include "libcore/base/file_util.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using logroute::testing::TempDir;
using logroute::testing::WriteFileOrDie;
using testing::AppendRaw;
using testing::MakeRecord;

std::string Records(std::initializer_list<int64_t> recv_times) {
  std::string out;
  int64_t user = 0;
  for (int64_t ts : recv_times) out += MakeRecord(++user, "login", "logs", ts);
  return out;
}

TEST(BacklogTest, EmptySpool) {
  TempDir tmp;
  Result<Spool> spool = Spool::Open(tmp.Path("s"), {.shards = 3, .create = true});
  ASSERT_TRUE(spool.ok());
  Result<Backlog> backlog = MeasureBacklog(*spool, 5000);
  ASSERT_TRUE(backlog.ok()) << backlog.status().message();
  EXPECT_EQ(backlog->spool_id, spool->id());
  EXPECT_EQ(backlog->spool_dir, spool->dir());
  EXPECT_EQ(backlog->measured_at, 5000);
  ASSERT_EQ(backlog->shards.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const ShardBacklog& s = backlog->shards[static_cast<size_t>(i)];
    EXPECT_EQ(s.shard, i);
    EXPECT_EQ(s.active.events + s.active.bytes + s.segments + s.sealed.events + s.sealed.bytes, 0u);
    EXPECT_EQ(s.oldest_recv_ts, -1);
  }
  EXPECT_EQ(backlog->TotalEvents(), 0u);
  EXPECT_EQ(backlog->OldestRecvTs(), -1);
  EXPECT_EQ(backlog->OldestAgeSeconds(), 0);
  EXPECT_EQ(backlog->rejects.files, 0u);
}

TEST(BacklogTest, CountsActiveSegmentsRejectsAndOldestAge) {
  TempDir tmp;
  Result<Spool> spool = Spool::Open(tmp.Path("s"), {.shards = 3, .create = true});
  ASSERT_TRUE(spool.ok());
  const std::string active0 = Records({300, 310, 320});
  const std::string seg1 = Records({150, 160});
  const std::string seg2 = Records({200});
  const std::string active1 = Records({400});
  WriteFileOrDie(spool->ActivePath(0), active0);
  WriteFileOrDie(spool->SegmentPath(0, 1), seg1);
  WriteFileOrDie(spool->SegmentPath(0, 7), seg2);
  WriteFileOrDie(spool->ShardDir(0) + "/seg-1.tmp", Records({1}));  // not a segment
  // A record being written (or torn) is not counted, nor are its bytes.
  WriteFileOrDie(spool->ActivePath(1), active1 + MakeRecord(9, "x", "logs", 10).substr(0, 25));
  // Shard 2: only a partial line.
  WriteFileOrDie(spool->ActivePath(2), MakeRecord(9, "x", "logs", 5).substr(0, 30));
  const std::string rejects_a = "x\tline 1\tbad\tdata\nx\tline 2\tbad\tdata\n";
  const std::string rejects_b = "y\tbyte 0\ttorn\tzz\n";
  WriteFileOrDie(spool->RejectsDir() + "/a.rej", rejects_a);
  WriteFileOrDie(spool->RejectsDir() + "/b.rej", rejects_b);
  WriteFileOrDie(spool->RejectsDir() + "/b.rej.tmp.123", "ignored\n");

  Result<Backlog> backlog = MeasureBacklog(*spool, 1000);
  ASSERT_TRUE(backlog.ok()) << backlog.status().message();
  ASSERT_EQ(backlog->shards.size(), 3u);
  const ShardBacklog& s0 = backlog->shards[0];
  EXPECT_EQ(s0.active.events, 3u);
  EXPECT_EQ(s0.active.bytes, active0.size());
  EXPECT_EQ(s0.active.oldest_recv_ts, 300);
  EXPECT_EQ(s0.segments, 2u);
  EXPECT_EQ(s0.sealed.events, 3u);
  EXPECT_EQ(s0.sealed.bytes, seg1.size() + seg2.size());
  EXPECT_EQ(s0.sealed.oldest_recv_ts, 150);
  EXPECT_EQ(s0.oldest_recv_ts, 150);

  const ShardBacklog& s1 = backlog->shards[1];
  EXPECT_EQ(s1.active.events, 1u);
  EXPECT_EQ(s1.active.bytes, active1.size());
  EXPECT_EQ(s1.oldest_recv_ts, 400);
  EXPECT_EQ(s1.segments, 0u);

  const ShardBacklog& s2 = backlog->shards[2];
  EXPECT_EQ(s2.active.events, 0u);
  EXPECT_EQ(s2.active.bytes, 0u);
  EXPECT_EQ(s2.oldest_recv_ts, -1);

  EXPECT_EQ(backlog->TotalEvents(), 7u);
  EXPECT_EQ(backlog->TotalBytes(), active0.size() + seg1.size() + seg2.size() + active1.size());
  EXPECT_EQ(backlog->TotalSegments(), 2u);
  EXPECT_EQ(backlog->OldestRecvTs(), 150);
  EXPECT_EQ(backlog->OldestAgeSeconds(), 850);
  EXPECT_EQ(backlog->rejects.files, 2u);
  EXPECT_EQ(backlog->rejects.entries, 3u);
  EXPECT_EQ(backlog->rejects.bytes, rejects_a.size() + rejects_b.size());

  // A clock behind the records never gives a negative age.
  Result<Backlog> early = MeasureBacklog(*spool, 100);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->OldestAgeSeconds(), 0);
}

TEST(BacklogTest, CountsFilesLargerThanTheReadBuffer) {
  TempDir tmp;
  Result<Spool> spool = Spool::Open(tmp.Path("s"), {.shards = 1, .create = true});
  ASSERT_TRUE(spool.ok());
  std::string big;
  constexpr int kRecords = 40000;  // about 2.4 MB: several 1 MiB reads
  for (int i = 0; i < kRecords; ++i) big += MakeRecord(i, "login", "logs", 1000 + i);
  WriteFileOrDie(spool->ActivePath(0), big + "partial");
  Result<Backlog> backlog = MeasureBacklog(*spool, 2000);
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->shards[0].active.events, static_cast<uint64_t>(kRecords));
  EXPECT_EQ(backlog->shards[0].active.bytes, big.size());
  EXPECT_EQ(backlog->shards[0].oldest_recv_ts, 1000);
}

TEST(BacklogTest, SeesHeldShardLocks) {
  TempDir tmp;
  Result<Spool> spool = Spool::Open(tmp.Path("s"), {.shards = 2, .create = true});
  ASSERT_TRUE(spool.ok());
  Result<std::unique_ptr<File>> file =
      spool->env().Open(spool->LockPath(1), {.access = OpenMode::Access::kReadWrite});
  ASSERT_TRUE(file.ok());
  Result<FileLock> lock = FileLock::Acquire(**file);
  ASSERT_TRUE(lock.ok());
  Result<Backlog> backlog = MeasureBacklog(*spool, 0);
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->shards[0].locks_held, 0u);
  EXPECT_EQ(backlog->shards[1].locks_held, 1u);
}

}  // namespace
}  // namespace logroute::spool
