// The crash test of logroute-recv --stdin: round after round, recv spools a
// large NDJSON stream (small segments, so it seals as it goes) and is
// SIGKILLed at a random moment — sometimes next to a second recv on the same
// spool that is not killed, sometimes while flush runs. After each kill a
// fresh recv appends to the same spool. A final flush into SQLite must show:
// - no row that was never sent, no glued or mangled row (every field matches
//   its user id), no user id twice;
// - everything of each recv that finished (its accepted=N) exactly once;
// - of a killed recv, an exact prefix of its input: one process appends its
//   batches in order, so whatever landed before the kill is whole, and the
//   batch the kill cut goes to rejects/ whole;
// - rejects/, if any, holds torn tails only.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/crash/crash_util.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::crash {
namespace {

constexpr int kRounds = 40;
constexpr int64_t kKilledStream = 60000;    // events offered to the recv that is killed
constexpr int64_t kSurvivorStream = 20000;  // events of a recv running next to it
constexpr int64_t kAfterStream = 2000;      // events of the recv that runs after the kill
constexpr int kMaxKillDelayUs = 3000;

std::vector<std::string> RecvArgv(const std::string& spool) {
  return {LOGROUTE_RECV_BIN, "--spool", spool, "--stdin", "--shards", "4",
          "--segment-bytes", "65536"};
}

// How many complete lines the first `bytes` of `ndjson` hold.
int64_t LinesIn(const std::string& ndjson, size_t bytes) {
  return std::count(ndjson.begin(), ndjson.begin() + static_cast<std::ptrdiff_t>(bytes), '\n');
}

struct KilledRecv {
  IdRange range;
  int64_t lines_fed = 0;  // complete lines written into its pipe before it died
};

TEST(RecvStdinCrash, SigkillAtRandomMomentsLosesGluesAndDuplicatesNothing) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  const std::string db_path = dir.Path("events.db");
  const std::string dsn = "sqlite:" + db_path;
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_us(0, kMaxKillDelayUs);

  int64_t next_user_id = 1;
  auto take = [&](int64_t count) {
    const IdRange range{next_user_id, count};
    next_user_id += count;
    return range;
  };
  std::vector<KilledRecv> killed;
  std::vector<IdRange> finished;  // recvs that ran to the end: all of it must be there
  int finished_before_kill = 0, flushes = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Small pipes make many small appends; big ones make appends of up to a
    // MiB, which a kill can cut in the middle (a torn tail).
    const bool big_pipe = round % 2 == 1;
    const bool with_survivor = round % 4 >= 2;
    const bool with_flush = round % 3 == 1;
    const int pipe_bytes = big_pipe ? 1 << 20 : 4096;
    const size_t max_chunk = big_pipe ? 1 << 20 : 4096;

    const IdRange victim_range = take(kKilledStream);
    const std::string victim_input = Ndjson(victim_range.first, victim_range.count);
    std::optional<IdRange> survivor_range;
    std::string survivor_input;
    if (with_survivor) {
      survivor_range = take(kSurvivorStream);
      survivor_input = Ndjson(survivor_range->first, survivor_range->count);
    }

    size_t victim_fed = 0, survivor_fed = 0;
    std::atomic<size_t> victim_progress{0};
    std::atomic<bool> victim_fed_all{false};  // or gave up: the victim died
    // The kill comes at a random point of the stream (whatever the build's
    // speed), plus a random delay: mid-parse, mid-write, mid-seal.
    const size_t kill_at = std::uniform_int_distribution<size_t>(0, victim_input.size())(random);
    int victim_status = -1, survivor_status = -1;
    std::string survivor_err;
    {
      const std::string victim_err = dir.Path("victim.err");
      PipedChild victim(RecvArgv(spool), victim_err, pipe_bytes);
      std::optional<PipedChild> survivor;
      if (with_survivor) survivor.emplace(RecvArgv(spool), dir.Path("survivor.err"), pipe_bytes);
      const unsigned feed_seed = static_cast<unsigned>(random());
      // Threads are joined before the children are destroyed (declared after them).
      std::jthread victim_feeder([&] {
        victim_fed = victim.Feed(victim_input, max_chunk, feed_seed, &victim_progress);
        victim_fed_all.store(true);
        victim.CloseInput();
      });
      std::jthread survivor_feeder([&] {
        if (!survivor) return;
        survivor_fed = survivor->Feed(survivor_input, max_chunk, feed_seed + 1);
        survivor->CloseInput();
      });
      std::jthread flusher([&](std::stop_token stop) {
        while (with_flush && !stop.stop_requested()) {
          const RunResult r = flush::Flush(spool, dsn);
          EXPECT_EQ(r.exit_code, 0) << r.err;
          ++flushes;
        }
      });
      while (victim_progress.load() < kill_at && !victim_fed_all.load()) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us(random)));
      victim.Kill();
      victim_status = victim.Wait();
      victim_feeder.join();
      survivor_feeder.join();
      if (survivor) {
        survivor_status = survivor->Wait();
        survivor_err = ReadFileOrDie(dir.Path("survivor.err"));
      }
      flusher.request_stop();
      flusher.join();
      if (victim_status != 128 + SIGKILL) {
        // It read its whole input before the kill: then it must have succeeded.
        EXPECT_EQ(victim_status, 0) << ReadFileOrDie(victim_err);
        EXPECT_EQ(flush::AcceptedFrom(ReadFileOrDie(victim_err)), victim_range.count);
        ++finished_before_kill;
      }
    }
    if (victim_status == 128 + SIGKILL) {
      killed.push_back({victim_range, LinesIn(victim_input, victim_fed)});
    } else {
      finished.push_back(victim_range);
    }
    if (survivor_range) {
      EXPECT_EQ(survivor_fed, survivor_input.size());
      EXPECT_EQ(survivor_status, 0) << survivor_err;
      EXPECT_EQ(flush::AcceptedFrom(survivor_err), survivor_range->count) << survivor_err;
      finished.push_back(*survivor_range);
    }

    // A recv after the kill appends to the shards the victim may have torn.
    const IdRange after = take(kAfterStream);
    const RunResult r =
        testing::Run(RecvArgv(spool), flush::WithInput(Ndjson(after.first, after.count)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(flush::AcceptedFrom(r.err), after.count) << r.err;
    finished.push_back(after);
  }

  const RunResult final_flush = flush::Flush(spool, dsn);
  ASSERT_EQ(final_flush.exit_code, 0) << final_flush.err;
  EXPECT_EQ(flush::StatTotals(spool).segments, 0u);
  EXPECT_EQ(flush::StatTotals(spool).events, 0u);

  const std::unordered_map<int64_t, int> rows = CheckRows(ReadRows(db_path));
  for (const auto& [user_id, times] : rows) {
    if (user_id < 1 || user_id >= next_user_id)
      ADD_FAILURE() << "a user id never sent: " << user_id;
  }
  for (const IdRange& range : finished) {
    EXPECT_EQ(CountPresent(rows, range), range.count)
        << "a recv that finished lost events: ids " << range.first << "+" << range.count;
  }
  int64_t killed_landed = 0;
  for (const KilledRecv& k : killed) {
    // The present ids must be exactly first .. first + present - 1.
    const int64_t present = CountPresent(rows, k.range);
    EXPECT_EQ(CountPresent(rows, {k.range.first, present}), present)
        << "a killed recv's events are not a prefix of its input: ids " << k.range.first << "+"
        << k.range.count << ", " << present << " present";
    EXPECT_LE(present, k.lines_fed);
    killed_landed += present;
  }

  int torn_tails = 0;
  for (const RejectEntry& entry : ReadRejects(spool)) {
    EXPECT_EQ(entry.reason.rfind("torn tail", 0), 0u)
        << "a reject that is not a torn tail: " << entry.file << ": " << entry.source << " "
        << entry.position << " " << entry.reason << " " << entry.data;
    EXPECT_EQ(entry.data.find('\n'), std::string::npos);
    ++torn_tails;
  }
  EXPECT_GT(killed.size(), 0u);
  std::printf(
      "%zu recvs killed (%lld of their events landed), %d finished before the kill, %zu recvs "
      "finished in all, %d concurrent flushes, %d torn tails in rejects/, %zu rows\n",
      killed.size(), static_cast<long long>(killed_landed), finished_before_kill, finished.size(),
      flushes, torn_tails, rows.size());
}

}  // namespace
}  // namespace logroute::testing::crash
