// The crash test of logroute-flush: while recv keeps spooling events, flush
// is started and SIGKILLed at random moments, round after round — before it
// connects, mid-transaction, between COMMIT and unlink. After a final clean
// pass every accepted event must be in its table exactly once: COUNT,
// COUNT(DISTINCT user_id), SUM(user_id) and per-name counts equal what recv
// accepted (user ids are distinct, so a loss or a duplicate shows).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;

constexpr int kRounds = 30;
constexpr int kMaxKillDelayMs = 300;
constexpr size_t kEventsPerRecv = 2000;

const std::vector<std::string> kNames = {"login", "logout", "signup", "purchase"};
const std::vector<std::string> kRecvArgs = {
    "--route", "signup=signups", "--route", "purchase=purchases", "--segment-bytes", "32768"};
const std::vector<std::string> kTables = {"logs", "signups", "purchases"};

class FlushCrash : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Sinks, FlushCrash, ::testing::Values("sqlite", "mariadb"));

TEST_P(FlushCrash, SigkillAtRandomMomentsLosesAndDuplicatesNothing) {
  TempDir dir;
  const std::unique_ptr<TargetDb> db = CreateTargetDb(GetParam(), dir.path());
  const std::string spool = dir.Path("spool");
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));

  // Events keep arriving: one recv after another, each a few thousand events.
  std::atomic<bool> stop{false};
  Contents accepted;
  std::thread feeder([&] {
    int64_t next_user_id = 1;
    while (!stop.load()) {
      const std::vector<Ev> events = MakeEvents(kEventsPerRecv, next_user_id, kNames);
      next_user_id += static_cast<int64_t>(events.size());
      if (Recv(spool, events, kRecvArgs) == events.size()) accepted.Add(events);
    }
  });
  // A first backlog: the spool exists (recv created it) and holds events. On
  // a loaded machine the first recv may take a while to get there.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!std::filesystem::exists(spool + "/spool.id") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!std::filesystem::exists(spool + "/spool.id")) {
    stop.store(true);
    feeder.join();  // before returning: a joinable thread would terminate the test
    FAIL() << "recv created no spool in 60 s";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  int killed = 0, finished = 0, already_committed = 0;
  std::uniform_int_distribution<int> delay_ms(0, kMaxKillDelayMs);
  for (int round = 0; round < kRounds; ++round) {
    const std::string err = dir.Path("err" + std::to_string(round));
    const pid_t pid = Spawn(FlushArgv(spool, db->Dsn()), "/dev/null", err, WithEnv(db->Env()));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    ::kill(pid, SIGKILL);
    const int status = Wait(pid);
    // A segment committed by a killed flusher but not yet unlinked: the ledger says so.
    const std::string log = ReadFileOrDie(err);
    for (size_t at = log.find("already committed"); at != std::string::npos;
         at = log.find("already committed", at + 1)) {
      ++already_committed;
    }
    if (status == 128 + SIGKILL) {
      ++killed;
    } else {
      // Finished before the kill: it must have succeeded.
      EXPECT_EQ(status, 0) << "round " << round << ": " << ReadFileOrDie(err);
      ++finished;
    }
  }
  stop.store(true);
  feeder.join();

  RunResult r = Flush(spool, db->Dsn(), {}, db->Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::printf(
      "%s: %d flushes killed, %d finished first, %d segments found committed but not removed; "
      "final pass: %s",
      GetParam().c_str(), killed, finished, already_committed, r.err.c_str());
  EXPECT_GT(killed, 0);
  EXPECT_GT(accepted.count, 0u);

  EXPECT_EQ(db->Read(kTables), accepted);
  EXPECT_EQ(db->LedgerRowCountSum(), accepted.count);
  EXPECT_EQ(StatTotals(spool), SpoolTotals{});
}

}  // namespace
}  // namespace logroute::testing::flush
