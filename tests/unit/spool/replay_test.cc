// Importing a file as a segment (import.h) and the replay protocol of
// rejects/ (replay.h): every state a crash can leave is finished by the next
// replay, and no record enters the spool twice.
#include "libcore/spool/replay.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "libcore/base/file_util.h"
#include "libcore/spool/import.h"
#include "libcore/spool/shard.h"
#include "libcore/spool/writer.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using logroute::testing::ReadFileOrDie;
using logroute::testing::TempDir;
using logroute::testing::WriteFileOrDie;
using testing::FileSize;
using testing::ListDir;
using testing::MakeRecord;
using testing::ShardFiles;

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Spool> spool = Spool::Open(dir_.Path("spool"), {.shards = 2, .create = true});
    ASSERT_TRUE(spool.ok()) << spool.status().message();
    spool_ = *spool;
  }

  // Every record line of shard `shard`, segments first, then `active`.
  std::string ShardContent(int shard) const {
    std::string content;
    for (const std::string& file : ShardFiles(spool_, shard)) content += ReadFileOrDie(file);
    return content;
  }

  std::string Rejects(const std::string& name = "") const {
    return spool_.RejectsDir() + (name.empty() ? "" : "/" + name);
  }

  TempDir dir_;
  Spool spool_;
};

TEST_F(ReplayTest, ImportSealsActiveFirstThenAddsTheFileAsItsOwnSegment) {
  testing::AppendRaw(spool_.ActivePath(1), MakeRecord(1));
  const std::string file = Rejects("x.records");
  WriteFileOrDie(file, MakeRecord(10) + MakeRecord(11));
  Result<uint64_t> seq = ImportSegment(spool_, 1, file);
  ASSERT_TRUE(seq.ok()) << seq.status().message();
  EXPECT_EQ(*seq, 2u) << "active was sealed as segment 1 first";
  EXPECT_FALSE(PathExists(*Env::Default(), file).value());
  EXPECT_EQ(ReadFileOrDie(spool_.SegmentPath(1, 1)), MakeRecord(1));
  EXPECT_EQ(ReadFileOrDie(spool_.SegmentPath(1, 2)), MakeRecord(10) + MakeRecord(11));
  EXPECT_EQ(FileSize(spool_.ActivePath(1)), -1);
  EXPECT_EQ(ShardContent(0), "");
}

TEST_F(ReplayTest, AWriterGoesOnAfterAnImportIntoItsShard) {
  Result<std::unique_ptr<SpoolWriter>> writer = SpoolWriter::Open(spool_, {});
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE((*writer)->Append(MakeRecord(i)).ok());
  WriteFileOrDie(Rejects("x.records"), MakeRecord(10));
  ASSERT_TRUE(ImportSegment(spool_, 0, Rejects("x.records")).ok());
  WriteFileOrDie(Rejects("y.records"), MakeRecord(11));
  ASSERT_TRUE(ImportSegment(spool_, 1, Rejects("y.records")).ok());
  for (int i = 2; i < 4; ++i) ASSERT_TRUE((*writer)->Append(MakeRecord(i)).ok());
  // Each shard: its first append, the import, its second append (a new active).
  const std::string both = ShardContent(0) + ShardContent(1);
  size_t size = 0;
  for (int user : {0, 1, 2, 3, 10, 11}) {
    EXPECT_NE(both.find(MakeRecord(user)), std::string::npos) << user;
    size += MakeRecord(user).size();
  }
  EXPECT_EQ(both.size(), size) << "each once";
}

// The file may reuse the inode that `pending` names from an append long
// gone: its stale extent must not cut the file as a torn batch.
TEST_F(ReplayTest, ImportIsNotCutByAStalePendingRecordOfTheSameInode) {
  const std::string file = Rejects("x.records");
  const std::string records = MakeRecord(10) + MakeRecord(11) + MakeRecord(12);
  WriteFileOrDie(file, records);
  struct stat st;
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  Result<PendingFile> pending = PendingFile::Open(spool_, 0);
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE(pending->Record(st.st_ino, 10, records.size()).ok());
  Result<uint64_t> seq = ImportSegment(spool_, 0, file);
  ASSERT_TRUE(seq.ok()) << seq.status().message();
  EXPECT_EQ(ReadFileOrDie(spool_.SegmentPath(0, *seq)), records);
  EXPECT_TRUE(ListDir(Rejects()).empty()) << "nothing was taken for a torn tail";
}

TEST_F(ReplayTest, ReplayImportsKeepsAndMovesTheOriginal) {
  WriteFileOrDie(Rejects("shard-01.seg-1.rej"), "original\n");
  Result<RejectsReplayer> replayer = RejectsReplayer::Open(spool_);
  ASSERT_TRUE(replayer.ok()) << replayer.status().message();
  EXPECT_TRUE(replayer->finished_interrupted().empty());
  Result<std::string> done =
      replayer->Replay("shard-01.seg-1.rej", MakeRecord(5) + MakeRecord(6), "kept entry\n");
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(*done, "shard-01.seg-1.rej");
  EXPECT_EQ(ShardContent(1), MakeRecord(5) + MakeRecord(6)) << "into the shard the name names";
  EXPECT_EQ(ShardContent(0), "");
  EXPECT_EQ(ReadFileOrDie(Rejects("shard-01.seg-1.rej")), "kept entry\n");
  EXPECT_EQ(ReadFileOrDie(Rejects("replayed/shard-01.seg-1.rej")), "original\n");
  EXPECT_EQ(ListDir(replayer->ReplayingDir()), std::vector<std::string>{"lock"});

  // Replaying the rest again: the name under replayed/ is taken.
  done = replayer->Replay("shard-01.seg-1.rej", MakeRecord(7), "");
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(*done, "shard-01.seg-1.2.rej");
  EXPECT_FALSE(PathExists(*Env::Default(), Rejects("shard-01.seg-1.rej")).value());
  EXPECT_EQ(ReadFileOrDie(Rejects("replayed/shard-01.seg-1.2.rej")), "kept entry\n");
  EXPECT_EQ(ShardContent(1), MakeRecord(5) + MakeRecord(6) + MakeRecord(7));
}

TEST_F(ReplayTest, OneReplayAtATime) {
  // flock belongs to the open file description: a second Open() in this
  // process is refused as one in another process would be.
  Result<RejectsReplayer> first = RejectsReplayer::Open(spool_);
  ASSERT_TRUE(first.ok());
  Result<RejectsReplayer> second = RejectsReplayer::Open(spool_);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().retryable());
  EXPECT_NE(second.status().message().find("another replay"), std::string::npos);
  first = Status::Internal("released");
  EXPECT_TRUE(RejectsReplayer::Open(spool_).ok());
}

// The states a crash can leave, each finished by the next Open(): the
// records are imported exactly once, the kept entries and the original end
// where they belong.
class ReplayCrashStateTest : public ReplayTest {
 protected:
  std::string Replaying(const std::string& name) const { return Rejects("replaying/" + name); }

  void Prepare(bool with_kept) {
    ASSERT_TRUE(Env::Default()->MakeDir(Rejects("replaying")).ok());
    WriteFileOrDie(Replaying("a.rej.records"), MakeRecord(1) + MakeRecord(2));
    if (with_kept) WriteFileOrDie(Replaying("a.rej.kept"), "kept\n");
  }

  void ExpectFinished(bool with_kept) {
    Result<RejectsReplayer> replayer = RejectsReplayer::Open(spool_);
    ASSERT_TRUE(replayer.ok()) << replayer.status().message();
    EXPECT_EQ(replayer->finished_interrupted(), std::vector<std::string>{"a.rej"});
    EXPECT_EQ(ShardContent(0), MakeRecord(1) + MakeRecord(2));
    EXPECT_EQ(ReadFileOrDie(Rejects("replayed/a.rej")), "original\n");
    if (with_kept) {
      EXPECT_EQ(ReadFileOrDie(Rejects("a.rej")), "kept\n");
    } else {
      EXPECT_FALSE(PathExists(*Env::Default(), Rejects("a.rej")).value());
    }
    EXPECT_EQ(ListDir(replayer->ReplayingDir()), std::vector<std::string>{"lock"});
  }
};

TEST_F(ReplayCrashStateTest, StoppedBeforeTheClaimNothingHappensAndThePreparationGoes) {
  WriteFileOrDie(Rejects("a.rej"), "original\n");
  Prepare(true);
  WriteFileOrDie(Replaying("a.rej.records.tmp.99"), "half");
  Result<RejectsReplayer> replayer = RejectsReplayer::Open(spool_);
  ASSERT_TRUE(replayer.ok()) << replayer.status().message();
  EXPECT_TRUE(replayer->finished_interrupted().empty());
  EXPECT_EQ(ShardContent(0), "");
  EXPECT_EQ(ReadFileOrDie(Rejects("a.rej")), "original\n");
  EXPECT_EQ(ListDir(replayer->ReplayingDir()), std::vector<std::string>{"lock"});
}

TEST_F(ReplayCrashStateTest, StoppedAfterTheClaim) {
  Prepare(true);
  WriteFileOrDie(Replaying("a.rej"), "original\n");
  ExpectFinished(true);
}

TEST_F(ReplayCrashStateTest, StoppedAfterTheImport) {
  Prepare(true);
  WriteFileOrDie(Replaying("a.rej"), "original\n");
  ASSERT_TRUE(ImportSegment(spool_, 0, Replaying("a.rej.records")).ok());
  ExpectFinished(true);
}

TEST_F(ReplayCrashStateTest, StoppedInsideTheImportAfterTheRename) {
  // The records are `active` already, not sealed yet.
  Prepare(false);
  WriteFileOrDie(Replaying("a.rej"), "original\n");
  ASSERT_EQ(::rename(Replaying("a.rej.records").c_str(), spool_.ActivePath(0).c_str()), 0);
  ExpectFinished(false);
}

TEST_F(ReplayCrashStateTest, StoppedAfterTheKeptEntriesWentBack) {
  Prepare(false);
  WriteFileOrDie(Replaying("a.rej"), "original\n");
  ASSERT_TRUE(ImportSegment(spool_, 0, Replaying("a.rej.records")).ok());
  WriteFileOrDie(Rejects("a.rej"), "kept\n");
  ExpectFinished(true);
}

}  // namespace
}  // namespace logroute::spool
