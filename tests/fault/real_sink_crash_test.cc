// A real process dies at each call a flush pass makes to a real database —
// SQLite at every call, the private MariaDB at a sample of them — and right
// after each commit, before the segment is unlinked. The child process is
// forked, runs the pass, and _exits at point k; the next process's pass must
// then leave every event in the table exactly once, no segment behind, and
// the rows the table refuses in rejects/ once.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <type_traits>

#include "libcore/flush/flush_pass.h"
#include "libcore/sink/sink.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/writer.h"
#include "tests/fault/fault_test_util.h"
#include "tests/support/faulty_env.h"
#include "tests/support/mariadb.h"
#include "tests/support/temp_dir.h"

namespace logroute::fault {
namespace {

constexpr int kDied = 86;  // the child's exit status at its crash point

// Forwards to a real sink and kills the process at call `die_at`.
class DyingSink final : public sink::Sink {
 public:
  DyingSink(std::unique_ptr<sink::Sink> real, int64_t die_at)
      : real_(std::move(real)), die_at_(die_at) {}
  int64_t calls() const { return calls_; }

  Status Open() override {
    return Call([&] { return real_->Open(); });
  }
  Status Reconnect() override {
    return Call([&] { return real_->Reconnect(); });
  }
  Status EnsureTable(std::string_view table) override {
    return Call([&] { return real_->EnsureTable(table); });
  }
  Result<sink::LedgerClaim> Begin(const sink::SegmentKey& key) override {
    return Call([&] { return real_->Begin(key); });
  }
  Status Insert(std::string_view table, std::span<const sink::Row> rows) override {
    return Call([&] { return real_->Insert(table, rows); });
  }
  Status Savepoint() override {
    return Call([&] { return real_->Savepoint(); });
  }
  Status RollbackToSavepoint() override {
    return Call([&] { return real_->RollbackToSavepoint(); });
  }
  Result<sink::LedgerClaim> Commit(const sink::SegmentKey& key,
                                   const sink::LedgerEntry& entry) override {
    return Call([&] { return real_->Commit(key, entry); });
  }
  void Rollback() override { real_->Rollback(); }
  Result<std::optional<sink::LedgerEntry>> LookUp(const sink::SegmentKey& key) override {
    return Call([&] { return real_->LookUp(key); });
  }
  Result<std::vector<uint64_t>> HighestCommitted(std::string_view id, int shards) override {
    return Call([&] { return real_->HighestCommitted(id, shards); });
  }
  std::string Describe() const override { return real_->Describe(); }

 private:
  template <typename F>
  std::invoke_result_t<F> Call(F&& call) {
    if (calls_++ == die_at_) ::_exit(kDied);
    return call();
  }
  std::unique_ptr<sink::Sink> real_;
  int64_t die_at_;
  int64_t calls_ = 0;
};

// Kills the process just before the `die_at`-th segment is unlinked: right
// after its commit.
class DieBeforeUnlinkEnv final : public testing::FaultyEnv {
 public:
  explicit DieBeforeUnlinkEnv(int64_t die_at) : die_at_(die_at) {}
  int64_t unlinks() const { return unlinks_; }
  Status Unlink(const std::string& path) override {
    if (path.find("/seg-") != std::string::npos && unlinks_++ == die_at_) ::_exit(kDied);
    return FaultyEnv::Unlink(path);
  }

 private:
  int64_t die_at_;
  int64_t unlinks_ = 0;
};

// One spool with segments on three shards, active files, and rows the
// table refuses; and the database behind `dsn`, whose table refuses them.
struct Case {
  testing::TempDir dir;
  std::string spool_dir = dir.Path("spool");
  std::vector<Batch> batches = MakeBatches(18, 5, 1);
  std::map<int64_t, std::string> refused;  // user_id -> name
};

void WriteSpool(Case& c) {
  Result<spool::Spool> spool = spool::Spool::Open(c.spool_dir, {.shards = 3, .create = true});
  ASSERT_TRUE(spool.ok()) << spool.status().message();
  auto writer = spool::SpoolWriter::Open(*spool, {.segment_bytes = 600});
  ASSERT_TRUE(writer.ok());
  for (size_t i = 0; i < c.batches.size(); ++i) {
    std::string records = c.batches[i].records;
    if (i % 4 == 1) {
      const int64_t id = 1000 + static_cast<int64_t>(i);
      c.refused[id] = "refused-" + std::to_string(i);
      records += RecordOf({id, c.refused[id]});
    }
    ASSERT_TRUE((*writer)->Append(records).ok());
  }
}

using SinkFactory = std::function<std::unique_ptr<sink::Sink>()>;

// A pass in this process, through `env` (Env::Default() when null).
Status Pass(const Case& c, sink::Sink& sink, Env* env) {
  LOGROUTE_ASSIGN_OR_RETURN(
      spool::Spool spool,
      spool::Spool::Open(c.spool_dir, {.env = env != nullptr ? env : Env::Default()}));
  LOGROUTE_RETURN_IF_ERROR(sink.Open());
  logroute::flush::FlushStats stats;
  return logroute::flush::RunFlushPass(spool, sink, {}, &stats);
}

// Runs `child` in a forked process; its exit status.
int InChild(const std::function<void()>& child) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    child();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The table's rows, and the spool's leftovers, after a recovery pass.
void CheckRecovered(const Case& c, const SinkFactory& make_sink,
                    const std::function<std::map<int64_t, int>()>& rows_by_id,
                    const std::string& at, Tally* tally) {
  const int failures = FailureCount();
  std::unique_ptr<sink::Sink> sink = make_sink();
  const Status status = Pass(c, *sink, nullptr);
  EXPECT_TRUE(status.ok()) << at << ": " << status.message();
  const std::map<int64_t, int> rows = rows_by_id();
  for (const auto& [id, event] : Known(c.batches)) {
    auto it = rows.find(id);
    EXPECT_TRUE(it != rows.end() && it->second == 1)
        << at << ": user_id " << id << " is there " << (it == rows.end() ? 0 : it->second)
        << " times";
  }
  for (const auto& [id, name] : c.refused) EXPECT_EQ(rows.count(id), 0u) << at << ": " << name;
  EXPECT_EQ(rows.size(), Known(c.batches).size()) << at;
  Result<spool::Spool> spool = spool::Spool::Open(c.spool_dir, {});
  ASSERT_TRUE(spool.ok());
  size_t rejected = 0;
  for (int shard = 0; shard < spool->shards(); ++shard) {
    Result<std::vector<uint64_t>> segments = spool::ListSegments(*spool, shard);
    ASSERT_TRUE(segments.ok());
    EXPECT_TRUE(segments->empty()) << at << ": a segment is left";
  }
  Result<std::vector<std::string>> names = Env::Default()->ListDir(spool->RejectsDir());
  ASSERT_TRUE(names.ok()) << names.status().message();
  for (const std::string& name : names.value()) {
    Result<std::string> text = ReadFile(*Env::Default(), spool->RejectsDir() + "/" + name);
    ASSERT_TRUE(text.ok()) << text.status().message();
    rejected += static_cast<size_t>(std::count(text->begin(), text->end(), '\n'));
  }
  EXPECT_EQ(rejected, c.refused.size()) << at << ": rejects/ holds each refused row once";
  ++tally->points;
  tally->passed += FailureCount() == failures;
}

void Enumerate(const std::string& name, const std::function<SinkFactory(Case&)>& prepare,
               const std::function<std::map<int64_t, int>(Case&)>& rows_of, int every) {
  int64_t calls = 0, segments = 0;
  {
    Case probe;
    WriteSpool(probe);
    SinkFactory make = prepare(probe);
    DyingSink sink(make(), -1);
    DieBeforeUnlinkEnv env(-1);
    env.faulted_suffix = "/none";  // no file is faulted: it only counts unlinks
    ASSERT_TRUE(Pass(probe, sink, &env).ok());
    calls = sink.calls();
    segments = env.unlinks();
  }
  ASSERT_GT(calls, 10);
  ASSERT_GT(segments, 3);
  Tally tally{name};
  for (int64_t k = 0; k < calls; k += every) {
    Case c;
    WriteSpool(c);
    SinkFactory make = prepare(c);
    EXPECT_EQ(InChild([&] {
                DyingSink sink(make(), k);
                (void)Pass(c, sink, nullptr);
              }),
              kDied)
        << "database call " << k;
    CheckRecovered(
        c, make, [&] { return rows_of(c); }, "died at database call " + std::to_string(k), &tally);
  }
  for (int64_t k = 0; k < segments; k += every) {
    Case c;
    WriteSpool(c);
    SinkFactory make = prepare(c);
    EXPECT_EQ(InChild([&] {
                DieBeforeUnlinkEnv env(k);
                env.faulted_suffix = "/none";
                std::unique_ptr<sink::Sink> sink = make();
                (void)Pass(c, *sink, &env);
              }),
              kDied);
    CheckRecovered(
        c, make, [&] { return rows_of(c); },
        "died between commit and unlink of segment " + std::to_string(k), &tally);
  }
  EXPECT_EQ(tally.passed, tally.points);
}

std::map<int64_t, int> SqliteRows(const std::string& path) {
  std::map<int64_t, int> rows;
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT user_id FROM logs", -1, &statement, nullptr) == SQLITE_OK) {
    while (sqlite3_step(statement) == SQLITE_ROW) ++rows[sqlite3_column_int64(statement, 0)];
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

TEST(RealSinkCrashPoints, SqliteTheProcessDiesAtEveryCall) {
  Enumerate(
      "flush into SQLite, the process killed",
      [](Case& c) -> SinkFactory {
        const std::string path = c.dir.Path("events.db");
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        sqlite3_exec(db,
                     "CREATE TABLE logs (id INTEGER PRIMARY KEY, unix_ts INTEGER NOT NULL,"
                     " user_id INTEGER NOT NULL, event_name TEXT NOT NULL"
                     " CHECK (event_name NOT LIKE 'refused%'))",
                     nullptr, nullptr, nullptr);
        sqlite3_close(db);
        return [path] { return std::move(*sink::CreateSink("sqlite:" + path, {})); };
      },
      [](Case& c) { return SqliteRows(c.dir.Path("events.db")); }, 1);
}

TEST(RealSinkCrashPoints, MariaDbTheProcessDiesAtASampleOfCalls) {
  const testing::MariaDbServer server = testing::TestServer();
  ::setenv("MYSQL_PWD", server.password.c_str(), 1);
  std::map<Case*, std::unique_ptr<testing::TestDatabase>> databases;
  Enumerate(
      "flush into MariaDB, the process killed (every 3rd call)",
      [&](Case& c) -> SinkFactory {
        auto db = std::make_unique<testing::TestDatabase>(server);
        EXPECT_EQ(db->TryExec("CREATE TABLE logs (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                              " unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL,"
                              " event_name VARCHAR(255) NOT NULL,"
                              " CHECK (event_name NOT LIKE 'refused%'))"),
                  "");
        const std::string dsn = db->SocketDsn();
        databases[&c] = std::move(db);
        return [dsn] { return std::move(*sink::CreateSink(dsn, {})); };
      },
      [&](Case& c) {
        std::map<int64_t, int> rows;
        for (const auto& row : databases[&c]->Query("SELECT user_id FROM logs")) {
          ++rows[std::stoll(row[0])];
        }
        return rows;
      },
      3);
}

}  // namespace
}  // namespace logroute::fault
