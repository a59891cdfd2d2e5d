// recv's appends, stopped at every crash point: before each file-system call
// of the SpoolWriter (several shards, a seal at the size bound, the `pending`
// record, group commit), and inside each write after every line end and in
// the middle of every line. Then the next process flushes the spool into the
// in-memory database, and:
// - after a process crash (the page cache survives): every acknowledged batch
//   is there exactly once, no batch is half there, and what was torn is in
//   rejects/;
// - after a power cut with --fsync always: every batch acknowledged as
//   durable is there exactly once (one never acknowledged may be there in
//   part: its `pending` record was not synced);
// - after a power cut with --fsync never: nothing is there twice, and no
//   corrupt record is loaded.
#include <gtest/gtest.h>

#include <random>

#include "libcore/spool/writer.h"
#include "tests/fault/fault_test_util.h"

namespace logroute::fault {
namespace {

constexpr int kShards = 3;
constexpr uint64_t kSegmentBytes = 700;  // a seal every few batches

// Appends every batch; acked[i] when batch i was acknowledged (written, and
// with fsync synced). A killed process's calls all fail from the crash on.
std::vector<bool> RunWriter(MemEnv& env, bool fsync, const std::vector<Batch>& batches) {
  std::vector<bool> acked(batches.size(), false);
  Result<spool::Spool> spool = spool::Spool::Open(kSpoolDir, {.env = &env});
  if (!spool.ok()) return acked;
  auto writer = spool::SpoolWriter::Open(*spool, {.fsync = fsync, .segment_bytes = kSegmentBytes});
  if (!writer.ok()) return acked;
  for (size_t i = 0; i < batches.size(); ++i) {
    spool::AppendTicket ticket;
    Status status = (*writer)->Append(batches[i].records, &ticket);
    if (status.ok() && fsync) status = (*writer)->WaitDurable(ticket);
    acked[i] = status.ok();
  }
  return acked;
}

// The complete lines, and the last line without LF, of every `active` file.
std::vector<std::string> ActiveLines(MemEnv& env) {
  std::vector<std::string> lines;
  for (int shard = 0; shard < kShards; ++shard) {
    const std::optional<std::string> data =
        env.Contents(std::string(kSpoolDir) + "/shard-0" + std::to_string(shard) + "/active");
    if (!data) continue;
    size_t begin = 0;
    while (begin < data->size()) {
      const size_t end = data->find('\n', begin);
      lines.push_back(data->substr(begin, end == std::string::npos ? end : end - begin + 1));
      if (end == std::string::npos) break;
      begin = end + 1;
    }
  }
  return lines;
}

struct Expect {
  bool acked_survive = true;  // every acknowledged batch is loaded
  bool batches_whole = true;  // no batch is half loaded
  bool torn_in_rejects = true;
};

// The next process flushes (twice: the second finds nothing); then the checks.
// `db`: what earlier passes committed, when some ran (a database outlives the machine).
void Check(MemEnv& env, const std::vector<Batch>& batches, const std::vector<bool>& acked,
           const std::vector<std::string>& active_at_crash, const Expect& expect,
           const std::string& at, bool* passed, MemoryDatabase* earlier = nullptr) {
  const int failures_before = FailureCount();
  MemoryDatabase fresh;
  MemoryDatabase& db = earlier != nullptr ? *earlier : fresh;
  Status flushed = FlushPass(env, db);
  EXPECT_TRUE(flushed.ok()) << at << ": " << flushed.message();
  const size_t rows_after_first = db.tables["logs"].size();
  flushed = FlushPass(env, db);
  EXPECT_TRUE(flushed.ok()) << at << ": " << flushed.message();
  EXPECT_EQ(db.tables["logs"].size(), rows_after_first) << at << ": a second pass loaded more";

  const std::map<int64_t, int> rows = RowsById(db, Known(batches));
  bool ok = true;
  for (const auto& [id, count] : rows) {
    if (count > 1) {
      ADD_FAILURE() << at << ": user_id " << id << " loaded " << count << " times";
      ok = false;
    }
  }
  for (size_t i = 0; i < batches.size(); ++i) {
    size_t present = 0;
    for (const Ev& event : batches[i].events) present += rows.count(event.id);
    if (expect.acked_survive && acked[i] && present != batches[i].events.size()) {
      ADD_FAILURE() << at << ": acknowledged batch " << i << " has " << present << " of "
                    << batches[i].events.size() << " events";
      ok = false;
    }
    if (expect.batches_whole && present != 0 && present != batches[i].events.size()) {
      ADD_FAILURE() << at << ": batch " << i << " is half loaded (" << present << ")";
      ok = false;
    }
  }
  if (expect.torn_in_rejects) {
    const std::vector<std::string> rejected = RejectedData(env);
    const std::map<int64_t, Ev> known = Known(batches);
    for (const std::string& line : active_at_crash) {
      bool loaded = false;
      for (const auto& [id, event] : known) {
        if (RecordOf(event) == line && rows.count(id) > 0) loaded = true;
      }
      bool set_aside = false;
      for (const std::string& data : rejected)
        set_aside = set_aside || data.find(line) != std::string::npos;
      if (!loaded && !set_aside) {
        ADD_FAILURE() << at << ": a line of `active` is neither loaded nor in rejects/: " << line;
        ok = false;
      }
    }
  }
  *passed = ok && FailureCount() == failures_before;
}

void Enumerate(bool fsync, const std::string& name) {
  const std::vector<Batch> batches = MakeBatches(10 * Scale(), 4, 1);
  std::map<uint64_t, std::string> writes;
  uint64_t ops = 0;
  {
    std::unique_ptr<MemEnv> probe = CreateSpoolEnv(kShards);
    RunWriter(*probe, fsync, batches);
    ops = probe->ops();
    writes = probe->writes();
  }
  Tally tally{name};
  for (const CrashPoint& point : CrashPoints(ops, writes)) {
    const std::string at =
        "op " + std::to_string(point.op) +
        (point.cut ? " cut at byte " + std::to_string(*point.cut) : std::string());
    // A process crash keeps what was written: acknowledged batches survive.
    {
      std::unique_ptr<MemEnv> env = CreateSpoolEnv(kShards);
      env->CrashAt(point.op, point.cut);
      const std::vector<bool> acked = RunWriter(*env, fsync, batches);
      const std::vector<std::string> active = ActiveLines(*env);
      env->Revive(MemEnv::Loss::kProcessCrash);
      bool passed = false;
      Check(*env, batches, acked, active, {}, at + ", process crash", &passed);
      ++tally.points;
      tally.passed += passed;
    }
    // recv dies, flush moves what it finds, then the machine loses power:
    // whatever flush committed must not come back from a name it made durable
    // too late (flush syncs each shard's names before committing).
    for (uint64_t seed = 0; seed < 2; ++seed) {
      std::unique_ptr<MemEnv> env = CreateSpoolEnv(kShards);
      env->CrashAt(point.op, point.cut);
      const std::vector<bool> acked = RunWriter(*env, fsync, batches);
      env->Revive(MemEnv::Loss::kProcessCrash);
      MemoryDatabase db;
      const Status flushed = FlushPass(*env, db);
      std::mt19937_64 rng(seed * 15485863 + point.op);
      env->Revive(MemEnv::Loss::kPowerLoss,
                  seed == 0 ? MemEnv::Keep::kNothing : MemEnv::Keep::kRandom, &rng);
      bool passed = false;
      Check(*env, batches, acked, {},
            {.acked_survive = fsync, .batches_whole = true, .torn_in_rejects = false},
            at + ", process crash, flush (" + (flushed.ok() ? "ok" : flushed.message()) +
                "), power loss " + std::to_string(seed),
            &passed, &db);
      ++tally.points;
      tally.passed += passed;
    }
    // A power cut: with fsync, what was acknowledged was synced and survives;
    // without, only the absence of duplicates and of corrupt rows is promised.
    for (uint64_t seed = 0; seed < 3; ++seed) {
      std::unique_ptr<MemEnv> env = CreateSpoolEnv(kShards);
      env->CrashAt(point.op, point.cut);
      const std::vector<bool> acked = RunWriter(*env, fsync, batches);
      std::mt19937_64 rng(seed * 7919 + point.op);
      env->Revive(MemEnv::Loss::kPowerLoss,
                  seed == 0 ? MemEnv::Keep::kNothing : MemEnv::Keep::kRandom, &rng);
      bool passed = false;
      // A batch never acknowledged may survive in part: its `pending` record
      // is not synced (doc/guarantees.md).
      Check(*env, batches, acked, {},
            {.acked_survive = fsync, .batches_whole = false, .torn_in_rejects = false},
            at + ", power loss " + std::to_string(seed), &passed);
      ++tally.points;
      tally.passed += passed;
    }
  }
  EXPECT_EQ(tally.passed, tally.points);
}

TEST(WriterCrashPoints, ProcessCrashAndPowerLossWithFsyncAlways) {
  Enumerate(true, "recv appends, --fsync always");
}

TEST(WriterCrashPoints, ProcessCrashAndPowerLossWithFsyncNever) {
  Enumerate(false, "recv appends, --fsync never");
}

}  // namespace
}  // namespace logroute::fault
