// A flush pass, stopped at every crash point: before each file-system call
// (seal, torn-tail repair, the rejects write, the directory syncs, unlink),
// inside each write, and at each call of the database, which either fails
// (the connection broke) or dies with the process: begin, each chunk insert,
// savepoints, the ledger row, commit. Then, after a process crash or a power
// cut, the next process's flush must leave every event in the database
// exactly once, every rejected record in rejects/ exactly once, and no
// segment behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "libcore/base/file_util.h"
#include "libcore/flush/flush_pass.h"
#include "libcore/spool/shard.h"
#include "libcore/spool/writer.h"
#include "tests/fault/fault_test_util.h"

namespace logroute::fault {
namespace {

// What a scenario's spool holds, and what the database must end with.
struct Setup {
  std::vector<Batch> batches;          // every event of them must be loaded once
  std::vector<std::string> rejected;   // exactly these lines, once each, in rejects/
  std::function<void(MemEnv&)> write;  // lays the spool out (durably) on a new MemEnv
};

// Sealed segments on three shards, and an `active` file on each.
Setup Segments() {
  Setup setup;
  setup.batches = MakeBatches(12 * Scale(), 4, 1);
  setup.write = [batches = setup.batches](MemEnv& env) {
    Result<spool::Spool> spool = spool::Spool::Open(kSpoolDir, {.env = &env});
    ASSERT_TRUE(spool.ok());
    auto writer = spool::SpoolWriter::Open(*spool, {.fsync = true, .segment_bytes = 700});
    ASSERT_TRUE(writer.ok());
    for (const Batch& batch : batches) {
      spool::AppendTicket ticket;
      ASSERT_TRUE((*writer)->Append(batch.records, &ticket).ok());
      ASSERT_TRUE((*writer)->WaitDurable(ticket).ok());
    }
    for (int shard = 0; shard < spool->shards(); ++shard) {
      ASSERT_TRUE(env.SyncDir(spool->ShardDir(shard)).ok());
    }
  };
  return setup;
}

// A writer killed mid-batch: three batches, then two records and a half of
// the fourth, which `pending` names. Repairing it writes rejects/ and
// truncates `active`, all within the pass.
Setup TornTail() {
  Setup setup;
  std::vector<Batch> all = MakeBatches(4, 4, 1);
  setup.batches.assign(all.begin(), all.begin() + 3);
  const std::string torn = all[3].records.substr(0, RecordOf(all[3].events[0]).size() * 5 / 2);
  setup.rejected = {torn};
  setup.write = [batches = setup.batches, batch = all[3].records, torn](MemEnv& env) {
    Result<spool::Spool> spool = spool::Spool::Open(kSpoolDir, {.env = &env});
    ASSERT_TRUE(spool.ok());
    auto writer = spool::SpoolWriter::Open(*spool, {.fsync = true});
    ASSERT_TRUE(writer.ok());
    for (const Batch& b : batches) ASSERT_TRUE((*writer)->Append(b.records).ok());
    writer->reset();
    auto active = env.Open(spool->ActivePath(0), {.access = OpenMode::Access::kAppend});
    ASSERT_TRUE(active.ok());
    const FileInfo info = *(*active)->Stat();
    auto pending = spool::PendingFile::Open(*spool, 0);
    ASSERT_TRUE(pending.ok());
    ASSERT_TRUE(pending->Record(info.inode, info.size, batch.size()).ok());
    ASSERT_TRUE(pending->Sync().ok());
    ASSERT_TRUE(WriteAll(**active, torn).ok());
    ASSERT_TRUE((*active)->Sync().ok());
    ASSERT_TRUE(env.SyncDir(spool->ShardDir(0)).ok());
  };
  return setup;
}

// A segment with records the database refuses and a corrupt one: the pass
// writes its rejects file before the commit.
Setup Rejects() {
  Setup setup;
  setup.batches = MakeBatches(3, 4, 1);
  const std::string refused1 = RecordOf({100, "refused-1"});
  const std::string refused2 = RecordOf({101, "refused-2"});
  std::string corrupt = RecordOf({102, "login"});
  corrupt[0] = corrupt[0] == '0' ? '1' : '0';  // the checksum no longer matches
  auto strip = [](std::string line) { return line.substr(0, line.size() - 1); };
  setup.rejected = {strip(refused1), strip(refused2), strip(corrupt)};
  setup.write = [batches = setup.batches, extra = refused1 + corrupt + refused2](MemEnv& env) {
    Result<spool::Spool> spool = spool::Spool::Open(kSpoolDir, {.env = &env});
    ASSERT_TRUE(spool.ok());
    auto writer = spool::SpoolWriter::Open(*spool, {.fsync = true});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(batches[0].records + extra).ok());
    for (size_t i = 1; i < batches.size(); ++i) {
      ASSERT_TRUE((*writer)->Append(batches[i].records).ok());
    }
    writer->reset();
    auto active = env.Open(spool->ActivePath(0), {.access = OpenMode::Access::kReadWrite});
    ASSERT_TRUE(active.ok());
    ASSERT_TRUE((*active)->Sync().ok());
    ASSERT_TRUE(env.SyncDir(spool->ShardDir(0)).ok());
  };
  return setup;
}

// A segment recv sealed just before it died: its data is synced, but the
// rename of `active` to it is not (recv syncs the shard's directory after it
// lets the lock go). Were flush to commit it before making that name
// durable, a power cut could bring `active` back with the same rows.
Setup UnsyncedSeal() {
  Setup setup;
  setup.batches = MakeBatches(4, 4, 1);
  setup.write = [batches = setup.batches](MemEnv& env) {
    Result<spool::Spool> spool = spool::Spool::Open(kSpoolDir, {.env = &env});
    ASSERT_TRUE(spool.ok());
    auto writer = spool::SpoolWriter::Open(*spool, {.fsync = true});
    ASSERT_TRUE(writer.ok());
    for (const Batch& b : batches) ASSERT_TRUE((*writer)->Append(b.records).ok());
    writer->reset();
    auto active = env.Open(spool->ActivePath(0), {.access = OpenMode::Access::kReadWrite});
    ASSERT_TRUE(active.ok());
    ASSERT_TRUE((*active)->Sync().ok());
    ASSERT_TRUE(env.SyncDir(spool->ShardDir(0)).ok());
    auto seq =
        env.Open(spool->SeqPath(0), {.access = OpenMode::Access::kReadWrite, .create = true});
    ASSERT_TRUE(seq.ok());
    ASSERT_TRUE((*seq)->WriteAt(0, "00000000000000000002\n").ok());
    ASSERT_TRUE((*seq)->Sync().ok());
    ASSERT_TRUE(env.Rename(spool->ActivePath(0), spool->SegmentPath(0, 1)).ok());
  };
  return setup;
}

// The spool of `setup` on a new MemEnv, everything synced but what the setup
// leaves unsynced on purpose.
std::unique_ptr<MemEnv> Prepare(const Setup& setup, int shards) {
  std::unique_ptr<MemEnv> env = CreateSpoolEnv(shards);
  setup.write(*env);
  env->Revive(MemEnv::Loss::kProcessCrash);
  return env;
}

// The next process flushes (twice); every event once, every rejected line once.
bool Check(MemEnv& env, MemoryDatabase& db, const Setup& setup, const std::string& at) {
  const int failures_before = FailureCount();
  for (int pass = 0; pass < 2; ++pass) {
    Status flushed = FlushPass(env, db);
    EXPECT_TRUE(flushed.ok()) << at << ", recovery pass " << pass << ": " << flushed.message();
  }
  const std::map<int64_t, int> rows = RowsById(db, Known(setup.batches));
  for (const Batch& batch : setup.batches) {
    for (const Ev& event : batch.events) {
      auto it = rows.find(event.id);
      EXPECT_TRUE(it != rows.end() && it->second == 1)
          << at << ": user_id " << event.id << " loaded " << (it == rows.end() ? 0 : it->second)
          << " times";
    }
  }
  for (const auto& [table, stored] : db.tables) {
    for (const StoredRow& row : stored) {
      EXPECT_TRUE(Known(setup.batches).count(row.user_id)) << at << ": unexpected row " << row.name;
    }
  }
  std::vector<std::string> rejected = RejectedData(env);
  std::vector<std::string> expected = setup.rejected;
  std::sort(rejected.begin(), rejected.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rejected, expected) << at;
  for (const std::string& shard : env.Names(kSpoolDir)) {
    if (!shard.starts_with("shard-")) continue;
    for (const std::string& name : env.Names(std::string(kSpoolDir) + "/" + shard)) {
      EXPECT_FALSE(name.starts_with("seg-")) << at << ": " << shard << "/" << name << " is left";
    }
  }
  return FailureCount() == failures_before;
}

// After the crashed pass: the next process on the same files, and on what
// three kinds of power cut leave.
void Recover(const Setup& setup, int shards,
             const std::function<void(MemEnv&, MemoryDatabase&)>& pass, const std::string& at,
             Tally* tally) {
  for (int variant = 0; variant < 4; ++variant) {
    std::unique_ptr<MemEnv> env = Prepare(setup, shards);
    MemoryDatabase db;
    pass(*env, db);
    std::mt19937_64 rng(static_cast<uint64_t>(variant) * 104729 + tally->points);
    if (variant == 0) {
      env->Revive(MemEnv::Loss::kProcessCrash);
    } else {
      env->Revive(MemEnv::Loss::kPowerLoss,
                  variant == 1 ? MemEnv::Keep::kNothing : MemEnv::Keep::kRandom, &rng);
    }
    const bool passed =
        Check(*env, db, setup,
              at + (variant == 0 ? ", process crash" : ", power loss " + std::to_string(variant)));
    ++tally->points;
    tally->passed += passed;
  }
}

void Enumerate(const Setup& setup, int shards, const std::string& name) {
  uint64_t ops = 0, calls = 0;
  std::map<uint64_t, std::string> writes;
  {
    std::unique_ptr<MemEnv> probe = Prepare(setup, shards);
    MemoryDatabase db;
    Result<spool::Spool> spool = spool::Spool::Open(kSpoolDir, {.env = probe.get()});
    ASSERT_TRUE(spool.ok());
    MemorySink sink(db, *probe);
    ASSERT_TRUE(sink.Open().ok());
    logroute::flush::FlushStats stats;
    ASSERT_TRUE(logroute::flush::RunFlushPass(*spool, sink, {}, &stats).ok());
    ops = probe->ops();
    writes = probe->writes();
    calls = sink.calls();
  }
  Tally tally{name};
  for (const CrashPoint& point : CrashPoints(ops, writes)) {
    Recover(
        setup, shards,
        [&](MemEnv& env, MemoryDatabase& db) {
          env.CrashAt(point.op, point.cut);
          (void)FlushPass(env, db);
        },
        "file-system op " + std::to_string(point.op) +
            (point.cut ? " cut at " + std::to_string(*point.cut) : ""),
        &tally);
  }
  for (uint64_t call = 1; call < calls; ++call) {  // call 0 is the test's own Open()
    for (SinkFault::Kind kind : {SinkFault::Kind::kFail, SinkFault::Kind::kCrash}) {
      Recover(
          setup, shards,
          [&](MemEnv& env, MemoryDatabase& db) {
            (void)FlushPass(env, db, {kind, call});
          },
          std::string("database call ") + std::to_string(call) +
              (kind == SinkFault::Kind::kFail ? " fails" : " kills the process"),
          &tally);
    }
  }
  EXPECT_EQ(tally.passed, tally.points);
}

TEST(FlushCrashPoints, APassOverSegmentsOfThreeShards) {
  Enumerate(Segments(), 3, "flush pass, 3 shards");
}

TEST(FlushCrashPoints, ATornTailRepairedWithinThePass) {
  Enumerate(TornTail(), 1, "flush pass, torn-tail repair");
}

TEST(FlushCrashPoints, ASegmentWhoseNameRecvDidNotSync) {
  Enumerate(UnsyncedSeal(), 1, "flush pass, a seal recv did not sync");
}

TEST(FlushCrashPoints, ARejectsWriteBeforeTheCommit) {
  Enumerate(Rejects(), 1, "flush pass, rejects write");
}

}  // namespace
}  // namespace logroute::fault
