// logroute-flush --purge-rejects AGE: the rejects files older than AGE go,
// in rejects/ and rejects/replayed/; younger ones and replays in progress stay.
#include "tools/logroute-flush/purge_rejects.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libcore/base/file_util.h"
#include "libcore/spool/spool.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;

TEST(ParseAgeTest, ANumberAndAUnit) {
  EXPECT_EQ(logroute::flush::ParseAge("30d").value(), 30 * 86400);
  EXPECT_EQ(logroute::flush::ParseAge("12h").value(), 12 * 3600);
  EXPECT_EQ(logroute::flush::ParseAge("90m").value(), 90 * 60);
  EXPECT_EQ(logroute::flush::ParseAge("45s").value(), 45);
  EXPECT_EQ(logroute::flush::ParseAge("2w").value(), 14 * 86400);
  EXPECT_EQ(logroute::flush::ParseAge("0s").value(), 0);
  for (const char* bad : {"", "30", "d", "30x", "-1d", "1.5d", "30 d", "99999999999999999d"}) {
    Result<int64_t> age = logroute::flush::ParseAge(bad);
    ASSERT_FALSE(age.ok()) << bad;
    EXPECT_EQ(age.status().code(), Code::kUsage) << bad;
    EXPECT_THAT(age.status().message(), HasSubstr("is not an age: a number and a unit")) << bad;
  }
}

class PurgeRejectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spool_ = dir_.Path("spool");
    ASSERT_TRUE(spool::Spool::Open(spool_, {.create = true}).ok());
    ASSERT_TRUE(Env::Default()->MakeDir(spool_ + "/rejects/replayed").ok());
    ASSERT_TRUE(Env::Default()->MakeDir(spool_ + "/rejects/replaying").ok());
  }

  // A file in rejects/ written `age_seconds` ago.
  void WriteAged(const std::string& name, int64_t age_seconds) {
    const std::string path = spool_ + "/rejects/" + name;
    WriteFileOrDie(path, "shard-00/active\tbyte 0\ttorn tail\tx\n");
    const timespec when = {std::time(nullptr) - age_seconds, 0};
    const timespec times[2] = {when, when};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  RunResult Purge(const std::string& age) {
    return logroute::testing::Run({LOGROUTE_FLUSH_BIN, "--spool", spool_, "--purge-rejects", age});
  }

  TempDir dir_;
  std::string spool_;
};

TEST_F(PurgeRejectsTest, DeletesWhatIsOlderThanTheAgeAndNothingElse) {
  constexpr int64_t kDay = 86400;
  WriteAged("old.rej", 31 * kDay);
  WriteAged("new.rej", 29 * kDay);
  WriteAged("replayed/old.rej", 40 * kDay);
  WriteAged("replayed/new.rej", 1 * kDay);
  WriteAged("replaying/old.rej", 40 * kDay);  // a replay in progress: never
  WriteAged("old.rej.tmp.1234", 40 * kDay);   // what a crash left mid-write
  WriteAged("notes.txt", 40 * kDay);          // not ours

  RunResult r = Purge("30d");  // no --db: a purge needs none
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Purged rejects older than 30d: files=3"));
  EXPECT_EQ(ListDir(spool_ + "/rejects"),
            (std::vector<std::string>{"new.rej", "notes.txt", "replayed", "replaying"}));
  EXPECT_EQ(ListDir(spool_ + "/rejects/replayed"), std::vector<std::string>{"new.rej"});
  EXPECT_EQ(ListDir(spool_ + "/rejects/replaying"), std::vector<std::string>{"old.rej"});

  r = Purge("30d");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "nothing to delete: nothing said";
  r = Purge("12h");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ListDir(spool_ + "/rejects"),
            (std::vector<std::string>{"notes.txt", "replayed", "replaying"}));
}

TEST_F(PurgeRejectsTest, MistakesAreUsageErrors) {
  RunResult r = Purge("30");
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("--purge-rejects: '30' is not an age"));
  EXPECT_THAT(r.err, HasSubstr("(--purge-rejects from the command line)"));
  r = logroute::testing::Run({LOGROUTE_FLUSH_BIN, "--spool", spool_});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("--db is required"));
  r = logroute::testing::Run(
      {LOGROUTE_FLUSH_BIN, "--spool", spool_, "--purge-rejects", "1d", "--loop"});
  EXPECT_EQ(r.exit_code, 64);
  r = logroute::testing::Run(
      {LOGROUTE_FLUSH_BIN, "--spool", dir_.Path("none"), "--purge-rejects", "1d"});
  EXPECT_EQ(r.exit_code, 69) << r.err;
}

}  // namespace
}  // namespace logroute::testing::flush
