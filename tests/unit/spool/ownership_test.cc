// The spool belongs to its owner (doc/spool-format.md, "Ownership"): every
// directory 0750 and every file 0640 whatever the umask, a symbolic link
// planted in it refused and its target left alone, a spool directory others
// may write refused, and a shard whose lock another process holds skipped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "libcore/spool/shard.h"
#include "libcore/spool/writer.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using logroute::testing::ReadFileOrDie;
using logroute::testing::TempDir;
using logroute::testing::WriteFileOrDie;
using testing::MakeRecord;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Everything a spool in service holds: shards, records, a sealed segment,
// a torn tail's rejects file, the counter, pending.
void FillSpool(const std::string& dir) {
  Result<Spool> spool = Spool::Open(dir, {.shards = 2, .create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  auto writer = SpoolWriter::Open(*spool, {.segment_bytes = 200});
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*writer)->Append(MakeRecord(i)).ok());
  writer = SpoolWriter::Open(*spool, {});  // no seal: both shards keep an `active`
  ASSERT_TRUE(writer.ok());
  for (int i = 10; i < 12; ++i) ASSERT_TRUE((*writer)->Append(MakeRecord(i)).ok());
  writer->reset();
  testing::AppendRaw(spool->ActivePath(0), "torn");  // appends to the file recv made
  ASSERT_TRUE(SealActive(*spool, 0).ok());
}

class OwnershipUnderUmask : public ::testing::TestWithParam<mode_t> {};
INSTANTIATE_TEST_SUITE_P(Umasks, OwnershipUnderUmask, ::testing::Values(022, 002, 0, 077));

TEST_P(OwnershipUnderUmask, DirectoriesAre0750AndFiles0640) {
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  const mode_t old = ::umask(GetParam());
  FillSpool(dir);
  ::umask(old);
  size_t files = 0, dirs = 0;
  EXPECT_EQ(ModeOf(dir), 0750u);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string path = entry.path().string();
    if (entry.is_directory()) {
      EXPECT_EQ(ModeOf(path), 0750u) << path;
      ++dirs;
    } else {
      EXPECT_EQ(ModeOf(path), 0640u) << path;
      ++files;
    }
  }
  EXPECT_EQ(dirs, 3u);   // rejects, shard-00, shard-01
  EXPECT_GE(files, 9u);  // spool.id, init.lock, 2 locks, 2 pending, seq, segments, a reject
}

// A link planted where `active` is: recv appends to the other shard, a
// seal refuses the shard, and the file the link points to is never touched
// (a torn-tail repair would have truncated it).
TEST(OwnershipTest, ASymlinkedActiveIsRefusedAndItsTargetLeftAlone) {
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  Result<Spool> spool = Spool::Open(dir, {.shards = 2, .create = true});
  ASSERT_TRUE(spool.ok());
  const std::string target = tmp.Path("precious");
  WriteFileOrDie(target, "not a spool record, no line end");
  ASSERT_EQ(::symlink(target.c_str(), spool->ActivePath(0).c_str()), 0);

  auto writer = SpoolWriter::Open(*spool, {});
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((*writer)->Append(MakeRecord(i)).ok()) << i;
  EXPECT_EQ(testing::ReadLines(spool->ActivePath(1)).size(), 6u);
  Result<std::optional<uint64_t>> sealed = SealActive(*spool, 0);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.status().code(), Code::kNoPermission);
  EXPECT_NE(sealed.status().message().find("symbolic link"), std::string::npos)
      << sealed.status().message();
  EXPECT_EQ(ReadFileOrDie(target), "not a spool record, no line end");
  EXPECT_TRUE(std::filesystem::is_symlink(spool->ActivePath(0)));
}

TEST(OwnershipTest, ASpoolDirectoryOthersMayWriteIsRefused) {
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  ASSERT_TRUE(Spool::Open(dir, {.shards = 1, .create = true}).ok());
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  Result<Spool> spool = Spool::Open(dir, {});
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), Code::kNoPermission);
  EXPECT_NE(spool.status().message().find("may be written by any user (mode 0777)"),
            std::string::npos)
      << spool.status().message();
  EXPECT_NE(spool.status().message().find("chmod o-w"), std::string::npos);
  ASSERT_EQ(::chmod(dir.c_str(), 0750), 0);
  EXPECT_TRUE(Spool::Open(dir, {}).ok());
}

TEST(OwnershipTest, ASpoolThatIsASymlinkIsRefused) {
  TempDir tmp;
  ASSERT_TRUE(Spool::Open(tmp.Path("real"), {.shards = 1, .create = true}).ok());
  ASSERT_EQ(::symlink(tmp.Path("real").c_str(), tmp.Path("link").c_str()), 0);
  Result<Spool> spool = Spool::Open(tmp.Path("link"), {});
  ASSERT_FALSE(spool.ok());
  EXPECT_NE(spool.status().message().find("symbolic link"), std::string::npos)
      << spool.status().message();
}

// Another process (a reader with `flock -s`, a stuck tool) holds one shard's
// lock: appends go to the other shards at once instead of waiting; when every
// shard is held, an appender that must not wait (the HTTP server) is told so.
TEST(OwnershipTest, AShardLockedByAnotherProcessIsSkipped) {
  TempDir tmp;
  Result<Spool> spool = Spool::Open(tmp.Path("spool"), {.shards = 3, .create = true});
  ASSERT_TRUE(spool.ok());
  const int held = ::open(spool->LockPath(1).c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_SH), 0);
  auto writer = SpoolWriter::Open(*spool, {.wait_for_busy_shards = false});
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 9; ++i) ASSERT_TRUE((*writer)->Append(MakeRecord(i)).ok()) << i;
  EXPECT_EQ(testing::FileSize(spool->ActivePath(1)), -1);
  EXPECT_EQ(testing::ReadLines(spool->ActivePath(0)).size() +
                testing::ReadLines(spool->ActivePath(2)).size(),
            9u);

  std::vector<int> more;
  for (int shard : {0, 2}) {
    more.push_back(::open(spool->LockPath(shard).c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_EQ(::flock(more.back(), LOCK_SH), 0);
  }
  Status status = (*writer)->Append(MakeRecord(99));
  EXPECT_EQ(status.code(), Code::kBusy) << status.message();
  EXPECT_NE(status.message().find("locked by another process"), std::string::npos);
  for (int fd : more) ::close(fd);
  ::close(held);
  EXPECT_TRUE((*writer)->Append(MakeRecord(99)).ok());
}

}  // namespace
}  // namespace logroute::spool
