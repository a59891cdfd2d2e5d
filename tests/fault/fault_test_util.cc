#include "tests/fault/fault_test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "libcore/base/file_util.h"
#include "libcore/flush/flush_pass.h"
#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"

namespace logroute::fault {

int FailureCount() {
  const ::testing::TestResult* result =
      ::testing::UnitTest::GetInstance()->current_test_info()->result();
  int failures = 0;
  for (int i = 0; i < result->total_part_count(); ++i) {
    failures += result->GetTestPartResult(i).failed();
  }
  return failures;
}

// The code under test logs every failure it meets; thousands of crash points
// would bury the test's own report.
const bool kQuiet = [] {
  spdlog::set_level(spdlog::level::off);
  return true;
}();

int Scale() {
  const char* scale = std::getenv("LOGROUTE_FAULT_SCALE");
  return scale == nullptr ? 1 : std::max(1, std::atoi(scale));
}

std::string RecordOf(const Ev& event, const std::string& table) {
  std::string record;
  spool::AppendRecord({1684129671 + event.id, event.id, event.name}, table, 1700000000, &record);
  return record;
}

std::vector<Batch> MakeBatches(int count, int per_batch, int64_t first_id) {
  std::vector<Batch> batches(static_cast<size_t>(count));
  int64_t id = first_id;
  for (Batch& batch : batches) {
    for (int i = 0; i < per_batch; ++i, ++id) {
      batch.events.push_back({id, i % 2 == 0 ? "login" : "logout"});
      batch.records += RecordOf(batch.events.back());
    }
  }
  return batches;
}

std::unique_ptr<MemEnv> CreateSpoolEnv(int shards) {
  auto env = std::make_unique<MemEnv>();
  EXPECT_TRUE(env->MakeDir("/").ok());
  Result<spool::Spool> spool =
      spool::Spool::Open(kSpoolDir, {.shards = shards, .create = true, .env = env.get()});
  EXPECT_TRUE(spool.ok()) << spool.status().message();
  EXPECT_TRUE(env->SyncDir("/").ok());
  env->Revive(MemEnv::Loss::kProcessCrash);  // the next process starts counting
  return env;
}

Status FlushPass(MemEnv& env, MemoryDatabase& db, SinkFault fault) {
  LOGROUTE_ASSIGN_OR_RETURN(spool::Spool spool, spool::Spool::Open(kSpoolDir, {.env = &env}));
  MemorySink sink(db, env, fault);
  LOGROUTE_RETURN_IF_ERROR(sink.Open());
  flush::FlushStats stats;
  return flush::RunFlushPass(spool, sink, {}, &stats);
}

std::map<int64_t, Ev> Known(const std::vector<Batch>& batches) {
  std::map<int64_t, Ev> known;
  for (const Batch& batch : batches) {
    for (const Ev& event : batch.events) known[event.id] = event;
  }
  return known;
}

std::map<int64_t, int> RowsById(const MemoryDatabase& db, const std::map<int64_t, Ev>& known) {
  std::map<int64_t, int> rows;
  for (const auto& [table, stored] : db.tables) {
    for (const StoredRow& row : stored) {
      auto it = known.find(row.user_id);
      if (it == known.end() || it->second.name != row.name ||
          row.unix_ts != 1684129671 + row.user_id) {
        ADD_FAILURE() << "a row that is no event of ours was loaded: user_id " << row.user_id
                      << " name '" << row.name << "'";
      }
      ++rows[row.user_id];
    }
  }
  return rows;
}

std::vector<std::string> RejectedData(MemEnv& env) {
  std::vector<std::string> data;
  const std::string dir = std::string(kSpoolDir) + "/rejects";
  for (const std::string& name : env.Names(dir)) {
    if (!name.ends_with(".rej")) continue;
    const std::optional<std::string> text = env.Contents(dir + "/" + name);
    if (!text) continue;
    size_t begin = 0;
    while (begin < text->size()) {
      size_t end = text->find('\n', begin);
      if (end == std::string::npos) end = text->size();
      spool::RejectEntry entry;
      const Status decoded =
          spool::DecodeRejectEntry(std::string_view(*text).substr(begin, end - begin), &entry);
      EXPECT_TRUE(decoded.ok()) << name << ": " << decoded.message();
      data.push_back(entry.data);
      begin = end + 1;
    }
  }
  return data;
}

std::vector<CrashPoint> CrashPoints(uint64_t ops, const std::map<uint64_t, std::string>& writes) {
  std::vector<CrashPoint> points;
  for (uint64_t op = 0; op <= ops; ++op) {
    points.push_back({op, std::nullopt});
    auto it = writes.find(op);
    if (it == writes.end()) continue;
    const std::string& data = it->second;
    size_t line_start = 0;
    for (size_t i = 0; i < data.size(); ++i) {
      if (data[i] != '\n') continue;
      if (i > line_start + 1) points.push_back({op, line_start + (i - line_start) / 2});
      if (i + 1 < data.size()) points.push_back({op, i + 1});
      line_start = i + 1;
    }
  }
  return points;
}

}  // namespace logroute::fault
