// SpoolWriter and sealing (doc/spool-format.md, "Appending" and "Sealing"):
// whole appends, round robin, size-bound sealing, sequence numbers that are
// never reused, torn tails, a full disk, and group commit.
#include "libcore/spool/writer.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libcore/base/file_util.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"
#include "libcore/spool/shard.h"
#include "tests/support/faulty_env.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using logroute::testing::ReadFileOrDie;
using logroute::testing::TempDir;
using logroute::testing::WriteFileOrDie;
using testing::AppendRaw;
using testing::FileSize;
using testing::ListDir;
using testing::MakeRecord;
using testing::ReadLines;

Spool OpenSpool(const TempDir& tmp, int shards) {
  Result<Spool> spool = Spool::Open(tmp.Path("spool"), {.shards = shards, .create = true});
  EXPECT_TRUE(spool.ok()) << spool.status().message();
  return std::move(spool).value();
}

// A writer on `spool`, its files reached through `env`.
std::unique_ptr<SpoolWriter> OpenWriter(const Spool& spool, WriterOptions options = {},
                                        Env* env = Env::Default()) {
  Result<Spool> with_env = Spool::Open(spool.dir(), {.env = env});
  EXPECT_TRUE(with_env.ok()) << with_env.status().message();
  Result<std::unique_ptr<SpoolWriter>> writer = SpoolWriter::Open(*with_env, options);
  EXPECT_TRUE(writer.ok()) << writer.status().message();
  return std::move(writer).value();
}

std::string ReadActive(const Spool& spool, int shard) {
  return FileSize(spool.ActivePath(shard)) < 0 ? "" : ReadFileOrDie(spool.ActivePath(shard));
}

TEST(SpoolWriterTest, AppendsToOneShardAccumulate) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  auto writer = OpenWriter(spool);
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    const std::string batch = MakeRecord(i) + MakeRecord(1000 + i);
    ASSERT_TRUE(writer->Append(batch).ok()) << i;
    expected += batch;
  }
  EXPECT_EQ(ReadActive(spool, 0), expected);
  EXPECT_TRUE(writer->Append("").ok());
  EXPECT_EQ(ReadActive(spool, 0), expected);
}

TEST(SpoolWriterTest, RoundRobinAcrossShards) {
  TempDir tmp;
  constexpr int kShards = 3;
  const Spool spool = OpenSpool(tmp, kShards);
  auto writer = OpenWriter(spool);
  constexpr int kAppends = 30;
  for (int i = 0; i < kAppends; ++i) ASSERT_TRUE(writer->Append(MakeRecord(i)).ok());
  // Append i lands in shard (start + i) % kShards, whatever the start.
  int start = -1;
  for (int shard = 0; shard < kShards; ++shard) {
    if (ReadActive(spool, shard).starts_with(MakeRecord(0))) start = shard;
  }
  ASSERT_GE(start, 0);
  for (int shard = 0; shard < kShards; ++shard) {
    std::string expected;
    for (int i = 0; i < kAppends; ++i) {
      if ((start + i) % kShards == shard) expected += MakeRecord(i);
    }
    EXPECT_EQ(ReadActive(spool, shard), expected) << "shard " << shard;
  }
}

TEST(SpoolWriterTest, SealsWhenActivePassesTheSizeBound) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  constexpr uint64_t kBound = 1000;
  auto writer = OpenWriter(spool, {.segment_bytes = kBound});
  const size_t record_size = MakeRecord(1000000).size();
  std::string all;
  for (int i = 0; i < 100; ++i) {
    const std::string record = MakeRecord(1000000 + i);
    ASSERT_TRUE(writer->Append(record).ok());
    all += record;
  }
  Result<std::vector<uint64_t>> segments = ListSegments(spool, 0);
  ASSERT_TRUE(segments.ok());
  ASSERT_EQ(segments->size(), writer->seals());
  ASSERT_GE(segments->size(), 4u);
  std::string concatenated;
  for (size_t i = 0; i < segments->size(); ++i) {
    EXPECT_EQ((*segments)[i], i + 1);  // 1, 2, 3...
    const std::string content = ReadFileOrDie(spool.SegmentPath(0, (*segments)[i]));
    EXPECT_GE(content.size(), kBound);
    EXPECT_LT(content.size(), kBound + record_size);
    EXPECT_EQ(content.back(), '\n');
    concatenated += content;
  }
  concatenated += ReadActive(spool, 0);
  EXPECT_EQ(concatenated, all);
  EXPECT_LT(FileSize(spool.ActivePath(0)), static_cast<int64_t>(kBound));
  char next[32];
  std::snprintf(next, sizeof next, "%020zu\n", segments->size() + 1);
  EXPECT_EQ(ReadFileOrDie(spool.SeqPath(0)), next);
}

// Another writer (or flush) sealing `active` under us: our next append goes to
// the new `active`, never into the sealed segment.
TEST(SpoolWriterTest, AppendAfterAnotherSealGoesToTheNewActive) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  auto writer = OpenWriter(spool);
  ASSERT_TRUE(writer->Append(MakeRecord(1)).ok());
  Result<std::optional<uint64_t>> sealed = SealActive(spool, 0);
  ASSERT_TRUE(sealed.ok() && sealed->has_value());
  ASSERT_TRUE(writer->Append(MakeRecord(2)).ok());
  EXPECT_EQ(ReadFileOrDie(spool.SegmentPath(0, **sealed)), MakeRecord(1));
  EXPECT_EQ(ReadActive(spool, 0), MakeRecord(2));
}

// Contract: when Append() fails, nothing of the batch is in the spool. So once
// the batch is written, a seal that fails must not turn it into a failure
// (the caller would retry and store it twice).
TEST(SpoolWriterTest, FailedSealAfterAWriteIsNotAFailedAppend) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  auto writer = OpenWriter(spool, {.segment_bytes = 80});
  ASSERT_TRUE(Env::Default()
                  ->MakeDir(spool.SeqPath(0))
                  .ok());  // the counter cannot be opened: sealing fails
  const std::string batch = MakeRecord(1) + MakeRecord(2);
  ASSERT_GE(batch.size(), 80u);
  EXPECT_TRUE(writer->Append(batch).ok());
  EXPECT_EQ(ReadActive(spool, 0), batch);
  EXPECT_EQ(writer->seals(), 0u);

  ASSERT_EQ(::rmdir(spool.SeqPath(0).c_str()), 0);
  ASSERT_TRUE(writer->Append(MakeRecord(3)).ok());
  EXPECT_EQ(writer->seals(), 1u);
  EXPECT_EQ(ReadFileOrDie(spool.SegmentPath(0, 1)), batch + MakeRecord(3));
}

TEST(SealTest, NothingToSeal) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  Result<std::optional<uint64_t>> sealed = SealActive(spool, 0);
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(sealed->has_value());  // no active at all
  WriteFileOrDie(spool.ActivePath(0), "");
  sealed = SealActive(spool, 0);
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(sealed->has_value());  // an empty active
  EXPECT_EQ(ListDir(spool.ShardDir(0)), (std::vector<std::string>{"active", "lock"}));
}

uint64_t SealOne(const Spool& spool, int64_t user_id) {
  AppendRaw(spool.ActivePath(0), MakeRecord(user_id));
  Result<std::optional<uint64_t>> sealed = SealActive(spool, 0);
  EXPECT_TRUE(sealed.ok()) << sealed.status().message();
  EXPECT_TRUE(sealed.ok() && sealed->has_value());
  return sealed.ok() && sealed->has_value() ? **sealed : 0;
}

TEST(SealTest, SequenceNumbersAreNeverReused) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  EXPECT_EQ(SealOne(spool, 1), 1u);
  EXPECT_EQ(SealOne(spool, 2), 2u);
  EXPECT_EQ(SealOne(spool, 3), 3u);
  EXPECT_EQ(ReadFileOrDie(spool.SegmentPath(0, 2)), MakeRecord(2));

  // Flush removed every segment: the counter remembers.
  for (uint64_t seq : {1, 2, 3}) ASSERT_EQ(::unlink(spool.SegmentPath(0, seq).c_str()), 0);
  EXPECT_EQ(SealOne(spool, 4), 4u);

  // The counter file lost: the highest segment is the floor.
  ASSERT_EQ(::unlink(spool.SeqPath(0).c_str()), 0);
  EXPECT_EQ(SealOne(spool, 5), 5u);

  // A counter behind the segments (restored from a backup) does not win either.
  WriteFileOrDie(spool.SegmentPath(0, 100), MakeRecord(100));
  WriteFileOrDie(spool.SeqPath(0), "00000000000000000007\n");
  EXPECT_EQ(SealOne(spool, 6), 101u);
  EXPECT_EQ(SealOne(spool, 7), 102u);
  EXPECT_EQ(ReadFileOrDie(spool.SeqPath(0)), "00000000000000000103\n");
}

TEST(TornTailTest, PartialRecordGoesToRejectsAndIsNotGlued) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  auto writer = OpenWriter(spool);
  const std::string first = MakeRecord(1);
  ASSERT_TRUE(writer->Append(first).ok());
  const std::string partial = MakeRecord(2).substr(0, 20);  // a writer died mid-record
  AppendRaw(spool.ActivePath(0), partial);

  const std::string second = MakeRecord(3) + MakeRecord(4);
  ASSERT_TRUE(writer->Append(second).ok());
  EXPECT_EQ(ReadActive(spool, 0), first + second);
  for (const std::string& line : ReadLines(spool.ActivePath(0))) {
    EXPECT_TRUE(DecodeRecord(line).ok()) << line;
  }

  const std::vector<std::string> rejects = ListDir(spool.RejectsDir());
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_TRUE(rejects[0].starts_with("shard-00.torn.")) << rejects[0];
  EXPECT_TRUE(rejects[0].ends_with(".rej")) << rejects[0];
  std::string escaped;
  AppendEscapedBytes(partial, &escaped);
  EXPECT_EQ(ReadFileOrDie(spool.RejectsDir() + "/" + rejects[0]),
            "shard-00/active\tbyte " + std::to_string(first.size()) +
                "\ttorn tail: a writer stopped mid-record (20 bytes without a line end)\t" +
                escaped + "\n");
}

TEST(TornTailTest, WholeFileTornAndLongerThanOneReadBlock) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  const std::string partial(200000, 'x');  // no LF anywhere: more than the 64 KiB walk-back block
  AppendRaw(spool.ActivePath(0), partial);
  auto writer = OpenWriter(spool);
  ASSERT_TRUE(writer->Append(MakeRecord(1)).ok());
  EXPECT_EQ(ReadActive(spool, 0), MakeRecord(1));
  const std::vector<std::string> rejects = ListDir(spool.RejectsDir());
  ASSERT_EQ(rejects.size(), 1u);
  const std::string entry = ReadFileOrDie(spool.RejectsDir() + "/" + rejects[0]);
  EXPECT_EQ(entry,
            "shard-00/active\tbyte 0\ttorn tail: a writer stopped mid-record (200000 "
            "bytes without a line end)\t" +
                partial + "\n");
}

// Found by tests/fuzz/torn_tail_fuzzer: a pending record whose offset is not
// a line start (a damaged file) left half a line at the end of `active`, to be
// glued to the next record (regressions/torn_tail/pending_offset_mid_line).
TEST(TornTailTest, APendingOffsetInsideALineCutsAtALineStart) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  const std::string kept = MakeRecord(1), cut = MakeRecord(2) + MakeRecord(3).substr(0, 9);
  AppendRaw(spool.ActivePath(0), kept + cut);
  struct stat st;
  ASSERT_EQ(::stat(spool.ActivePath(0).c_str(), &st), 0);
  char pending[80];
  std::snprintf(pending, sizeof pending, "%020llu %020zu %020u\n",
                static_cast<unsigned long long>(st.st_ino), kept.size() + 5, 1000u);
  WriteFileOrDie(spool.ShardDir(0) + "/pending", pending);

  Result<std::optional<uint64_t>> sealed = SealActive(spool, 0);
  ASSERT_TRUE(sealed.ok() && sealed->has_value()) << sealed.status().message();
  EXPECT_EQ(ReadFileOrDie(spool.SegmentPath(0, **sealed)), kept);
  const std::vector<std::string> rejects = ListDir(spool.RejectsDir());
  ASSERT_EQ(rejects.size(), 1u);
  RejectEntry entry;
  std::string line = ReadFileOrDie(spool.RejectsDir() + "/" + rejects[0]);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  ASSERT_TRUE(DecodeRejectEntry(line, &entry).ok());
  EXPECT_EQ(entry.position, "byte " + std::to_string(kept.size()));
  EXPECT_EQ(entry.data, cut);  // nothing lost
}

TEST(TornTailTest, SealRepairsBeforeRenaming) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  const std::string good = MakeRecord(1) + MakeRecord(2);
  AppendRaw(spool.ActivePath(0), good + "a\tpartial");
  Result<std::optional<uint64_t>> sealed = SealActive(spool, 0);
  ASSERT_TRUE(sealed.ok() && sealed->has_value());
  EXPECT_EQ(ReadFileOrDie(spool.SegmentPath(0, **sealed)), good);
  ASSERT_EQ(ListDir(spool.RejectsDir()).size(), 1u);
  EXPECT_NE(ReadFileOrDie(spool.RejectsDir() + "/" + ListDir(spool.RejectsDir())[0])
                .find("\ta\\tpartial\n"),
            std::string::npos);
}

using FaultEnv = logroute::testing::FaultyEnv;

TEST(FaultTest, DiskFullMidWriteLeavesActiveExactlyAsBefore) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  FaultEnv env;
  auto writer = OpenWriter(spool, {}, &env);
  const std::string before = MakeRecord(1) + MakeRecord(2);
  ASSERT_TRUE(writer->Append(before).ok());

  env.write_mode = FaultEnv::WriteMode::kHalfThenNoSpace;
  std::string batch;
  for (int i = 10; i < 20; ++i) batch += MakeRecord(i);
  const int writes_before = env.writes;
  Status status = writer->Append(batch);
  EXPECT_EQ(env.writes - writes_before, 2);  // the short write was retried, then ENOSPC
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(status.retryable()) << status.message();
  EXPECT_EQ(status.code(), Code::kNoSpace);
  EXPECT_EQ(ReadActive(spool, 0), before);

  // The disk has room again: the retried batch lands whole, nothing glued.
  env.write_mode = FaultEnv::WriteMode::kNormal;
  ASSERT_TRUE(writer->Append(batch).ok());
  EXPECT_EQ(ReadActive(spool, 0), before + batch);
  EXPECT_TRUE(ListDir(spool.RejectsDir()).empty());
}

TEST(FaultTest, IoErrorIsNotRetryable) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  FaultEnv env;
  env.write_mode = FaultEnv::WriteMode::kEio;
  auto writer = OpenWriter(spool, {}, &env);
  Status status = writer->Append(MakeRecord(1));
  ASSERT_FALSE(status.ok());
  EXPECT_FALSE(status.retryable());
  EXPECT_EQ(status.code(), Code::kIoError);
  EXPECT_NE(status.message().find(spool.ActivePath(0)), std::string::npos) << status.message();
  EXPECT_EQ(ReadActive(spool, 0), "");
}

// Group commit: appends made while a sync runs share the next one.
TEST(GroupCommitTest, ConcurrentWaitersShareSyncs) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  FaultEnv env;
  env.block_first_sync = true;
  auto writer = OpenWriter(spool, {.fsync = true}, &env);
  constexpr int kThreads = 8;
  std::vector<Status> results(kThreads);
  std::atomic<int> appended{0};
  auto append_and_wait = [&](int i) {
    AppendTicket ticket;
    results[i] = writer->Append(MakeRecord(i), &ticket);
    ++appended;
    if (results[i].ok()) results[i] = writer->WaitDurable(ticket);
  };
  // The first thread becomes the sync leader and is held inside its sync...
  std::vector<std::thread> threads;
  threads.emplace_back(append_and_wait, 0);
  {
    std::unique_lock<std::mutex> lock(env.mu);
    env.cv.wait(lock, [&] { return env.in_first_sync; });
  }
  // ...while every other thread appends and waits.
  for (int i = 1; i < kThreads; ++i) threads.emplace_back(append_and_wait, i);
  while (appended.load() < kThreads) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> lock(env.mu);
    env.release_first_sync = true;
  }
  env.cv.notify_all();
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_TRUE(results[i].ok()) << i << results[i].message();
  EXPECT_LT(env.syncs.load(), kThreads);
  EXPECT_LE(env.syncs.load(), 2);  // the held sync, then one for all the others
  EXPECT_EQ(writer->syncs(), static_cast<uint64_t>(env.syncs.load()));
  EXPECT_EQ(ReadLines(spool.ActivePath(0)).size(), static_cast<size_t>(kThreads));
}

TEST(GroupCommitTest, ManyThreadsAllDurable) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 2);
  FaultEnv env;
  auto writer = OpenWriter(spool, {.fsync = true, .segment_bytes = 2048}, &env);
  constexpr int kThreads = 6, kAppends = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        AppendTicket ticket;
        Status status = writer->Append(MakeRecord(t * 1000 + i), &ticket);
        if (status.ok()) status = writer->WaitDurable(ticket);
        if (!status.ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(env.syncs.load(), kThreads * kAppends);
  size_t lines = 0;
  for (int shard = 0; shard < 2; ++shard) {
    for (const std::string& file : testing::ShardFiles(spool, shard))
      lines += ReadLines(file).size();
  }
  EXPECT_EQ(lines, static_cast<size_t>(kThreads * kAppends));
}

// After a failed fdatasync the file's state on disk is unknown, and its
// appends were answered with an error: a client's retry must not land in the
// same file (which would hold the event twice), so the file is sealed and the
// next append starts a new one.
TEST(GroupCommitTest, AFailedSyncSealsTheFileSoRetriesLandInANewOne) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  FaultEnv env;
  env.fail_sync = true;
  auto writer = OpenWriter(spool, {.fsync = true}, &env);
  AppendTicket first, second;
  ASSERT_TRUE(writer->Append(MakeRecord(1), &first).ok());
  Status status = writer->WaitDurable(first);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kIoError);
  EXPECT_NE(status.message().find("sync"), std::string::npos) << status.message();
  EXPECT_FALSE(writer->WaitDurable(first).ok()) << "a failed sync is never reported as durable";

  env.fail_sync = false;
  ASSERT_TRUE(writer->Append(MakeRecord(2), &second).ok());
  EXPECT_TRUE(writer->WaitDurable(second).ok());
  const std::vector<std::string> files = testing::ShardFiles(spool, 0);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(ReadLines(files[0]),
            std::vector<std::string>{MakeRecord(1).substr(0, MakeRecord(1).size() - 1)});
  EXPECT_EQ(files[1], spool.ActivePath(0));
  EXPECT_EQ(ReadActive(spool, 0), MakeRecord(2));
}

// A write that fails for good (EIO) leaves the file sealed too.
TEST(FaultTest, AFailedWriteSealsTheFile) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  FaultEnv env;
  auto writer = OpenWriter(spool, {}, &env);
  ASSERT_TRUE(writer->Append(MakeRecord(1)).ok());
  env.write_mode = FaultEnv::WriteMode::kEio;
  ASSERT_FALSE(writer->Append(MakeRecord(2)).ok());
  env.write_mode = FaultEnv::WriteMode::kNormal;
  ASSERT_TRUE(writer->Append(MakeRecord(3)).ok());
  const std::vector<std::string> files = testing::ShardFiles(spool, 0);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(ReadActive(spool, 0), MakeRecord(3));
}

// A shard whose `active` cannot be opened (left by another user, or broken)
// is skipped: the batch goes to the next shard, and every append succeeds.
TEST(SpoolWriterTest, AShardThatCannotBeOpenedIsSkipped) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 3);
  ASSERT_EQ(::mkdir(spool.ActivePath(1).c_str(), 0755), 0);  // open(O_RDWR) fails: EISDIR
  auto writer = OpenWriter(spool, {});
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(writer->Append(MakeRecord(i)).ok()) << i;
  EXPECT_EQ(ReadLines(spool.ActivePath(0)).size() + ReadLines(spool.ActivePath(2)).size(), 9u);
}

TEST(GroupCommitTest, TicketWithoutFileIsDurable) {
  TempDir tmp;
  const Spool spool = OpenSpool(tmp, 1);
  auto writer = OpenWriter(spool, {.fsync = true});
  EXPECT_TRUE(writer->WaitDurable(AppendTicket{}).ok());
}

}  // namespace
}  // namespace logroute::spool
