// The crash test of logroute-recv --replay-rejects: a replay of many rejects
// files is SIGKILLed at random moments, round after round, sometimes while
// flush runs, and started again with the same files each time, until one run
// finishes. A final flush into SQLite must hold every rejected record exactly
// once: none lost, none imported twice, whichever step a kill interrupted.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"
#include "libcore/spool/spool.h"
#include "tests/e2e/crash/crash_util.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::crash {
namespace {

constexpr int kFiles = 40;
constexpr int64_t kRecordsPerFile = 250;
constexpr int kMaxRounds = 300;

// Rejects files as flush writes them for a table that refused rows, of
// segments long gone: records of user ids 1 to kFiles * kRecordsPerFile.
std::vector<std::string> WriteRejectsFiles(const spool::Spool& spool) {
  std::vector<std::string> paths;
  int64_t user_id = 1;
  for (int f = 0; f < kFiles; ++f) {
    const std::string segment = spool::SegmentName(static_cast<uint64_t>(1000 + f));
    const std::string shard = spool.ShardName(f % spool.shards());
    std::string entries;
    for (int64_t line = 1; line <= kRecordsPerFile; ++line, ++user_id) {
      std::string record;
      spool::AppendRecord({UnixTsFor(user_id), user_id, NameFor(user_id)}, "logs", 1700000000,
                          &record);
      record.pop_back();
      spool::AppendRejectEntry(shard + "/" + segment, "line " + std::to_string(line),
                               "refused by the database: Data too long", record, &entries);
    }
    paths.push_back(spool.RejectsDir() + "/" + shard + "." + segment + ".rej");
    WriteFileOrDie(paths.back(), entries);
  }
  return paths;
}

// 1 when a kill left a file claimed (in the middle of its replay), else 0.
int HasClaim(const std::string& replaying_dir) {
  for (const std::string& name : flush::ListDir(replaying_dir)) {
    if (name.ends_with(".rej")) return 1;
  }
  return 0;
}

TEST(ReplayCrash, SigkillAtRandomMomentsImportsEachRecordOnce) {
  TempDir dir;
  Result<spool::Spool> spool = spool::Spool::Open(dir.Path("spool"), {.shards = 4, .create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  const std::vector<std::string> files = WriteRejectsFiles(*spool);
  const std::string db = dir.Path("events.db");
  std::vector<std::string> replay = {LOGROUTE_RECV_BIN, "--spool", spool->dir(),
                                     "--replay-rejects"};
  replay.insert(replay.end(), files.begin(), files.end());

  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  int kills = 0, in_progress = 0, flushes = 0, round = 0;
  for (bool finished = false; !finished; ++round) {
    ASSERT_LT(round, kMaxRounds) << "no replay ever finished";
    // The window grows with the rounds, so that kills land early and late.
    std::uniform_int_distribution<int> delay_us(0, 2000 + 1000 * round);
    const pid_t replayer = Spawn(replay, dir.Path("replay.out"), dir.Path("replay.err"));
    pid_t flusher = -1;
    if (round % 3 == 2) {
      flusher = Spawn(flush::FlushArgv(spool->dir(), "sqlite:" + db), dir.Path("flush.out"),
                      dir.Path("flush.err"));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
    ::kill(replayer, SIGKILL);
    const int status = Wait(replayer);
    if (flusher > 0) {
      EXPECT_EQ(Wait(flusher), 0) << ReadFileOrDie(dir.Path("flush.err"));
      ++flushes;
    }
    if (status == 128 + SIGKILL) {
      ++kills;
      in_progress += HasClaim(spool->RejectsDir() + "/replaying");
      continue;
    }
    ASSERT_EQ(status, 0) << ReadFileOrDie(dir.Path("replay.err"));
    finished = true;
  }
  std::printf("%d rounds, %d kills (%d in the middle of a file), %d concurrent flushes\n", round,
              kills, in_progress, flushes);

  // Once more, not killed: nothing left to do. Then everything is in once.
  RunResult again = logroute::testing::Run(replay);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("files=0 records=0"), std::string::npos) << again.err;
  RunResult flushed = flush::Flush(spool->dir(), "sqlite:" + db);
  ASSERT_EQ(flushed.exit_code, 0) << flushed.err;
  const std::unordered_map<int64_t, int> rows = CheckRows(ReadRows(db));
  EXPECT_EQ(rows.size(), static_cast<size_t>(kFiles * kRecordsPerFile));
  EXPECT_EQ(CountPresent(rows, {1, kFiles * kRecordsPerFile}), kFiles * kRecordsPerFile);
  EXPECT_EQ(flush::ListDir(spool->RejectsDir() + "/replayed").size(), static_cast<size_t>(kFiles));
  EXPECT_GE(kills, 1);
}

}  // namespace
}  // namespace logroute::testing::crash
