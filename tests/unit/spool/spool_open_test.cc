// Spool::Open (doc/spool-format.md, "Layout"): creating, reopening, and the
// clear errors for a wrong shard count, a missing spool or a damaged identity.
#include "libcore/spool/spool.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "libcore/base/file_util.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute::spool {
namespace {

using logroute::testing::ReadFileOrDie;
using logroute::testing::TempDir;
using logroute::testing::WriteFileOrDie;

TEST(SpoolOpenTest, CreatesTheWholeLayout) {
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  Result<Spool> spool = Spool::Open(dir, {.shards = 3, .create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  EXPECT_EQ(spool->shards(), 3);
  EXPECT_EQ(spool->dir(), dir);
  ASSERT_EQ(spool->id().size(), 32u);
  EXPECT_EQ(spool->id().find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(ReadFileOrDie(dir + "/spool.id"), "id " + spool->id() + "\nshards 3\nformat 2\n");
  EXPECT_EQ(testing::ListDir(dir), (std::vector<std::string>{"init.lock", "rejects", "shard-00",
                                                             "shard-01", "shard-02", "spool.id"}));
  for (int shard = 0; shard < 3; ++shard) {
    EXPECT_EQ(testing::ListDir(spool->ShardDir(shard)), (std::vector<std::string>{"lock"}));
  }
  EXPECT_EQ(spool->ActivePath(2), dir + "/shard-02/active");
  EXPECT_EQ(spool->SegmentPath(1, 42), dir + "/shard-01/seg-00000000000000000042");
}

TEST(SpoolOpenTest, DefaultsToTenShards) {
  TempDir tmp;
  Result<Spool> spool = Spool::Open(tmp.Path("s"), {.create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  EXPECT_EQ(spool->shards(), kDefaultShards);
}

TEST(SpoolOpenTest, ReopenKeepsIdentityAndShards) {
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  Result<Spool> created = Spool::Open(dir, {.shards = 4, .create = true});
  ASSERT_TRUE(created.ok()) << created.status().message();
  for (const OpenOptions& options :
       {OpenOptions{}, OpenOptions{.shards = 4}, OpenOptions{.shards = 0, .create = true},
        OpenOptions{.shards = 4, .create = true}}) {
    Result<Spool> reopened = Spool::Open(dir + "/", options);  // a trailing slash is fine
    ASSERT_TRUE(reopened.ok()) << reopened.status().message();
    EXPECT_EQ(reopened->id(), created->id());
    EXPECT_EQ(reopened->shards(), 4);
    EXPECT_EQ(reopened->dir(), dir);
  }
}

TEST(SpoolOpenTest, ShardCountOfAnExistingSpoolWins) {
  // --shards lives in the shared config file: a different value must not stop
  // recv from starting (its unit would restart forever); the spool keeps its count.
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  ASSERT_TRUE(Spool::Open(dir, {.shards = 4, .create = true}).ok());
  Result<Spool> spool = Spool::Open(dir, {.shards = 3, .create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  EXPECT_EQ(spool->shards(), 4);
  EXPECT_NE(ReadFileOrDie(dir + "/spool.id").find("shards 4\n"), std::string::npos);
}

TEST(SpoolOpenTest, ShardCountOutOfRange) {
  TempDir tmp;
  for (int shards : {-1, kMaxShards + 1}) {
    Result<Spool> spool = Spool::Open(tmp.Path("s"), {.shards = shards, .create = true});
    ASSERT_FALSE(spool.ok()) << shards;
    EXPECT_EQ(spool.status().code(), Code::kUsage);
  }
  EXPECT_FALSE(std::filesystem::exists(tmp.Path("s")));
  Result<Spool> spool = Spool::Open(tmp.Path("s"), {.shards = kMaxShards, .create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  EXPECT_EQ(spool->ShardName(255), "shard-255");
}

TEST(SpoolOpenTest, MissingSpoolIsUnavailableAndNotCreated) {
  TempDir tmp;
  const std::string dir = tmp.Path("nowhere");
  Result<Spool> spool = Spool::Open(dir, {});
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), Code::kUnavailable);
  EXPECT_NE(spool.status().message().find("no spool at " + dir), std::string::npos)
      << spool.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir));

  // A directory without spool.id (an interrupted creation) is not a spool either...
  ASSERT_TRUE(Env::Default()->MakeDir(dir).ok());
  EXPECT_EQ(Spool::Open(dir, {}).status().code(), Code::kUnavailable);
  // ...until recv completes it.
  EXPECT_TRUE(Spool::Open(dir, {.shards = 2, .create = true}).ok());
  EXPECT_TRUE(Spool::Open(dir, {}).ok());
}

TEST(SpoolOpenTest, EmptyPathIsAUsageError) {
  EXPECT_EQ(Spool::Open("", {.create = true}).status().code(), Code::kUsage);
}

TEST(SpoolOpenTest, DamagedIdentityIsADataErrorNamingTheFile) {
  const std::vector<std::string> damaged = {
      "",
      "garbage\n",
      "id 0123\nformat 1\n",               // no shard count
      "shards 2\nformat 1\n",              // no id
      "id 0123\nshards 0\nformat 1\n",     // shards out of range
      "id 0123\nshards many\nformat 1\n",  // not a number
      "id 0123\nshards 2\nformat 3\n",     // a format we do not know
      "id 0123\nshards 2\nformat 0\n",     // nor this one
      "id 0123\nshards 2\n",               // no format
  };
  for (const std::string& content : damaged) {
    TempDir tmp;
    const std::string dir = tmp.Path("spool");
    ASSERT_TRUE(Spool::Open(dir, {.shards = 2, .create = true}).ok());
    WriteFileOrDie(dir + "/spool.id", content);
    for (bool create : {false, true}) {
      Result<Spool> spool = Spool::Open(dir, {.create = create});
      ASSERT_FALSE(spool.ok()) << content;
      EXPECT_EQ(spool.status().code(), Code::kDataError) << content;
      EXPECT_NE(spool.status().message().find(dir + "/spool.id"), std::string::npos)
          << spool.status().message();
    }
    // Never silently re-created: the identity is the ledger key.
    EXPECT_EQ(ReadFileOrDie(dir + "/spool.id"), content);
  }
}

// Several processes creating one spool at once agree on one identity.
TEST(SpoolOpenTest, ConcurrentCreationYieldsOneSpool) {
  TempDir tmp;
  const std::string dir = tmp.Path("spool");
  constexpr int kProcesses = 6;
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Result<Spool> spool = Spool::Open(dir, {.shards = 5, .create = true});
      if (!spool.ok()) ::_exit(1);
      const std::string id_file = tmp.Path("id." + std::to_string(i));
      WriteFileOrDie(id_file, spool->id());
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::set<std::string> ids;
  for (int i = 0; i < kProcesses; ++i)
    ids.insert(ReadFileOrDie(tmp.Path("id." + std::to_string(i))));
  EXPECT_EQ(ids.size(), 1u);
  Result<Spool> spool = Spool::Open(dir, {});
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ(spool->id(), *ids.begin());
  EXPECT_EQ(spool->shards(), 5);
}

TEST(SpoolOpenTest, SegmentNames) {
  EXPECT_EQ(SegmentName(0), "seg-00000000000000000000");
  EXPECT_EQ(SegmentName(18446744073709551615ull), "seg-18446744073709551615");
  uint64_t seq = 0;
  EXPECT_TRUE(ParseSegmentName("seg-00000000000000000042", &seq));
  EXPECT_EQ(seq, 42u);
  EXPECT_FALSE(ParseSegmentName("seg-0000000000000000042", &seq));
  EXPECT_FALSE(ParseSegmentName("seg-000000000000000000042", &seq));
  EXPECT_FALSE(ParseSegmentName("seg-0000000000000000004x", &seq));
  EXPECT_FALSE(ParseSegmentName("sex-00000000000000000042", &seq));
  EXPECT_FALSE(ParseSegmentName("seg-00000000000000000042.tmp", &seq));
  EXPECT_FALSE(ParseSegmentName("active", &seq));
  EXPECT_FALSE(ParseSegmentName("seg-99999999999999999999", &seq));  // past uint64
}

}  // namespace
}  // namespace logroute::spool
