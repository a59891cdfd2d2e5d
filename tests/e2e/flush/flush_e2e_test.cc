// logroute-flush end to end, against SQLite and the private MariaDB alike:
// the happy path, corrupt records, a table missing a column, rows the server
// refuses, several flushers at once, and --max-seconds / --loop / --table.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;
using std::string_literals::operator""s;

const std::vector<std::string> kNames = {"login", "logout", "signup", "purchase"};
const std::vector<std::string> kRoutes = {"--route", "signup=signups", "--route",
                                          "purchase=purchases"};
const std::vector<std::string> kTables = {"logs", "signups", "purchases"};

class FlushBothSinks : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = CreateTargetDb(GetParam(), dir_.path());
    spool_ = dir_.Path("spool");
  }

  RunResult FlushNow(const std::vector<std::string>& extra = {}) {
    return Flush(spool_, db_->Dsn(), extra, db_->Env());
  }

  // The table layout of the original service, with `event_name` of `name_type`.
  std::string CreateTableSql(const std::string& table, const std::string& columns) const {
    return "CREATE TABLE " + table + " (id " +
           (db_->is_mariadb() ? "BIGINT AUTO_INCREMENT PRIMARY KEY"
                              : "INTEGER PRIMARY KEY AUTOINCREMENT") +
           ", " + columns + ")";
  }

  int ShardsWithActiveEvents() const {
    int shards = 0;
    for (const std::string& name : ListDir(spool_)) {
      struct stat st;
      if (name.starts_with("shard-") &&
          ::stat((spool_ + "/" + name + "/active").c_str(), &st) == 0 && st.st_size > 0) {
        ++shards;
      }
    }
    return shards;
  }

  TempDir dir_;
  std::unique_ptr<TargetDb> db_;
  std::string spool_;
};

INSTANTIATE_TEST_SUITE_P(Sinks, FlushBothSinks,
                         ::testing::Values("sqlite", "mariadb", "mariadb_load", "mariadb_insert"));

TEST_P(FlushBothSinks, MovesEveryEventOnceIntoItsTable) {
  const std::vector<Ev> events = MakeEvents(6000, 1000, kNames);
  std::vector<std::string> args = kRoutes;
  args.insert(args.end(), {"--segment-bytes", "32768"});
  ASSERT_EQ(Recv(spool_, events, args), events.size());
  const size_t segments = Segments(spool_).size() + static_cast<size_t>(ShardsWithActiveEvents());
  ASSERT_GT(segments, 2u);

  RunResult r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("segments=" + std::to_string(segments) + " rows=6000 rejected=0"));
  EXPECT_THAT(r.err, HasSubstr("logs:3000"));
  EXPECT_THAT(r.err, HasSubstr("rows_per_second="));

  Contents expected;
  expected.Add(events);
  EXPECT_EQ(db_->Read(kTables), expected);
  Contents logs;
  for (const Ev& e : events) {
    if (e.name == "login" || e.name == "logout") logs.Add(e);
  }
  EXPECT_EQ(db_->Read({"logs"}), logs);
  EXPECT_EQ(db_->Read({"signups"}).count, 1500u);
  EXPECT_EQ(db_->Read({"purchases"}).count, 1500u);
  EXPECT_EQ(StatTotals(spool_), SpoolTotals{});
  EXPECT_EQ(db_->LedgerRows(), segments);
  EXPECT_EQ(db_->LedgerRowCountSum(), events.size());

  // A second pass finds nothing, changes nothing, and says nothing: under a
  // 30 s timer an idle pass would otherwise log 2,880 lines a day.
  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  r = FlushNow({"--log-level", "debug"});
  EXPECT_THAT(r.err, HasSubstr("segments=0 rows=0"));
  EXPECT_EQ(db_->Read(kTables), expected);
  EXPECT_EQ(db_->LedgerRows(), segments);
}

TEST_P(FlushBothSinks, OddEventNamesArriveByteIdentical) {
  const std::vector<std::string> names = {"it's \"quoted\"",         "back\\slash\\", "tab\there",
                                          "new\nline\r\n",           "100%_done",     "ünïcødé 🚀",
                                          "'); DROP TABLE logs; --", "nul\0byte"s,    "\\N",
                                          std::string(255, 'z')};
  const std::vector<Ev> events = MakeEvents(names.size() * 3, 1, names);
  ASSERT_EQ(Recv(spool_, events, {"--unrouted", "store", "--unrouted-table", "misc"}),
            events.size());
  RunResult r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = db_->Query("SELECT user_id, event_name FROM misc ORDER BY user_id");
  ASSERT_EQ(rows.size(), events.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], std::to_string(events[i].user_id));
    EXPECT_EQ(rows[i][1], events[i].name) << "user_id " << events[i].user_id;
  }
}

// Overwrites line `number` (1-based) of `path` by what `edit` makes of it.
void EditLine(const std::string& path, size_t number,
              const std::function<std::string(std::string)>& edit) {
  std::string content = ReadFileOrDie(path);
  size_t begin = 0;
  for (size_t i = 1; i < number; ++i) begin = content.find('\n', begin) + 1;
  const size_t end = content.find('\n', begin);
  content.replace(begin, end - begin, edit(content.substr(begin, end - begin)));
  WriteFileOrDie(path, content);
}

// The user_id field (the 5th) of a record line.
std::string UserIdOf(const std::string& line) {
  size_t begin = 0;
  for (int i = 0; i < 4; ++i) begin = line.find('\t', begin) + 1;
  return line.substr(begin, line.find('\t', begin) - begin);
}

TEST_P(FlushBothSinks, CorruptLinesGoToRejectsAndTheRestIsInserted) {
  const std::vector<Ev> events = MakeEvents(1000, 500000, kNames);
  WriteBacklog(spool_, events, "logs", 16 << 20);  // one batch: one shard, one segment
  SealAll(spool_);
  const std::vector<std::string> segments = Segments(spool_);
  ASSERT_EQ(segments.size(), 1u);
  const std::string& segment = segments[0];
  const std::string source = segment.substr(spool_.size() + 1);  // shard-NN/seg-...

  Contents expected;
  expected.Add(events);
  auto drop = [&](size_t line) {  // line is 1-based, events[line - 1] will be rejected
    const Ev& e = events[line - 1];
    --expected.count;
    --expected.distinct_user_ids;
    expected.sum_user_id -= e.user_id;
    --expected.per_name[e.name];
  };
  // A flipped digit of user_id: the checksum no longer matches.
  EditLine(segment, 10, [](std::string line) {
    const size_t at = line.find(UserIdOf(line)) + UserIdOf(line).size() - 1;
    line[at] = line[at] == '9' ? '0' : static_cast<char>(line[at] + 1);
    return line;
  });
  drop(10);
  // A broken checksum.
  EditLine(segment, 20, [](std::string line) {
    line[0] = line[0] == 'f' ? '0' : 'f';
    return line;
  });
  drop(20);
  // A line cut short, its LF kept.
  EditLine(segment, 30, [](std::string line) { return line.substr(0, line.size() / 2); });
  drop(30);
  // The last line torn: no LF at the end of the segment.
  std::string content = ReadFileOrDie(segment);
  content.resize(content.size() - 3);
  WriteFileOrDie(segment, content);
  drop(1000);

  RunResult r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rows=996 rejected=4"));
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_TRUE(Segments(spool_).empty());

  const std::vector<std::string> rejects = ListDir(spool_ + "/rejects");
  ASSERT_EQ(rejects.size(), 1u);
  const std::string entries = ReadFileOrDie(spool_ + "/rejects/" + rejects[0]);
  EXPECT_THAT(entries, HasSubstr(source + "\tline 10\tchecksum mismatch"));
  EXPECT_THAT(entries, HasSubstr(source + "\tline 20\tchecksum mismatch"));
  EXPECT_THAT(entries, HasSubstr(source + "\tline 30\t"));
  EXPECT_THAT(entries, HasSubstr(source + "\tline 1000\ttorn record"));
  EXPECT_EQ(std::count(entries.begin(), entries.end(), '\n'), 4);
  EXPECT_EQ(StatTotals(spool_).reject_entries, 4u);
  EXPECT_EQ(db_->Scalar("SELECT rejected_count FROM logroute_ledger"), "4");
}

// A table without the columns we fill cannot take rows: they go to rejects/
// with the reason (the rows of other tables would go in meanwhile, see
// flush_tables_test.cc), the pass says it is incomplete, and nothing is lost.
TEST_P(FlushBothSinks, TableMissingAColumnIsNamedAndNothingIsLost) {
  ASSERT_EQ(db_->TryExec(CreateTableSql(
                "logs", "unix_ts BIGINT NOT NULL, event_name VARCHAR(255) NOT NULL")),
            "");
  const std::vector<Ev> events = MakeEvents(300, 7000);
  ASSERT_EQ(Recv(spool_, events), events.size());

  RunResult r = FlushNow();
  EXPECT_EQ(r.exit_code, 79) << r.err;
  EXPECT_THAT(r.err, HasSubstr("table logs has no column user_id"));
  const SpoolTotals after = StatTotals(spool_);
  EXPECT_EQ(after.events, 0u);
  EXPECT_EQ(after.reject_entries, events.size());
  EXPECT_EQ(db_->Scalar("SELECT COUNT(*) FROM logs"), "0");
  EXPECT_EQ(db_->LedgerRowCountSum(), 0u);
}

TEST_P(FlushBothSinks, OnlyRowsTheDatabaseRefusesAreRejected) {
  // MariaDB: a narrower column than ours, refused under the sink's strict mode.
  // SQLite has no column widths; a CHECK constraint refuses the same rows.
  ASSERT_EQ(
      db_->TryExec(CreateTableSql(
          "logs", db_->is_mariadb() ? "unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL,"
                                      " event_name VARCHAR(5) NOT NULL"
                                    : "unix_ts INTEGER NOT NULL, user_id INTEGER NOT NULL,"
                                      " event_name TEXT NOT NULL CHECK (length(event_name) <= 5)")),
      "");
  std::vector<Ev> events = MakeEvents(5000, 90000, {"login", "out"});
  const std::vector<size_t> bad_lines = {1, 1234, 2500, 2501, 5000};  // 1-based
  Contents expected;
  expected.Add(events);
  for (size_t line : bad_lines) {
    Ev& e = events[line - 1];
    --expected.count;
    --expected.distinct_user_ids;
    expected.sum_user_id -= e.user_id;
    --expected.per_name[e.name];
    e.name = "much-too-long-" + std::to_string(line);
  }
  WriteBacklog(spool_, events, "logs", 16 << 20);  // one segment: line numbers are known

  // Small chunks: a refused row in the middle of several statements.
  RunResult r = FlushNow({"--chunk-rows", "700"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rows=4995 rejected=5"));
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_EQ(StatTotals(spool_).events, 0u);

  const std::vector<std::string> rejects = ListDir(spool_ + "/rejects");
  ASSERT_EQ(rejects.size(), 1u);
  const std::string entries = ReadFileOrDie(spool_ + "/rejects/" + rejects[0]);
  EXPECT_EQ(std::count(entries.begin(), entries.end(), '\n'), 5) << entries;
  for (size_t line : bad_lines) {
    EXPECT_THAT(entries,
                HasSubstr("\tline " + std::to_string(line) + "\trefused by the database: "));
    EXPECT_THAT(entries, HasSubstr("much-too-long-" + std::to_string(line) + "\n"));
  }
  // The server's own words.
  EXPECT_THAT(entries, HasSubstr(db_->is_mariadb() ? "event_name" : "CHECK constraint failed"));

  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // nothing left to do
  EXPECT_EQ(db_->Read({"logs"}), expected);
}

TEST_P(FlushBothSinks, SeveralFlushersAtOnceInsertEachSegmentOnce) {
  const std::vector<Ev> events = MakeEvents(200000, 1, kNames);
  WriteBacklog(spool_, events, "logs", 128 << 10);
  const size_t segments = Segments(spool_).size() + static_cast<size_t>(ShardsWithActiveEvents());
  ASSERT_GT(segments, 40u);

  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i) {
    pids.push_back(Spawn(FlushArgv(spool_, db_->Dsn()), dir_.Path("out" + std::to_string(i)),
                         dir_.Path("err" + std::to_string(i)), WithEnv(db_->Env())));
  }
  std::vector<int> statuses;
  for (pid_t pid : pids) statuses.push_back(Wait(pid));
  uint64_t committed = 0;  // by each flusher's summary line
  for (size_t i = 0; i < pids.size(); ++i) {
    const std::string log = ReadFileOrDie(dir_.Path("err" + std::to_string(i)));
    EXPECT_EQ(statuses[i], 0) << log;
    // A flusher that found every segment taken by the others did nothing and
    // says nothing (an idle pass is quiet at info level).
    const size_t at = log.find("segments=");
    if (at != std::string::npos) committed += std::stoull(log.substr(at + 9));
  }
  Contents expected;
  expected.Add(events);
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_EQ(committed, segments);
  EXPECT_EQ(db_->LedgerRows(), segments);
  EXPECT_EQ(StatTotals(spool_), SpoolTotals{});
}

TEST_P(FlushBothSinks, MaxSecondsEndsAPassBetweenSegments) {
  const std::vector<Ev> events = MakeEvents(100000, 1, kNames);
  WriteBacklog(spool_, events, "logs", 64 << 10);
  ASSERT_GT(Segments(spool_).size(), 50u);

  RunResult r = FlushNow({"--max-seconds", "0.001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("(stopped early)"));
  const SpoolTotals left = StatTotals(spool_);
  EXPECT_GT(left.segments, 0u);
  // What was flushed is whole segments: the table and the spool add up.
  const Contents flushed = db_->Read({"logs"});
  EXPECT_EQ(flushed.count + left.events, events.size());
  EXPECT_EQ(flushed.count, db_->LedgerRowCountSum());

  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Contents expected;
  expected.Add(events);
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_EQ(StatTotals(spool_), SpoolTotals{});
}

// Polls until the tables hold `count` rows; false after a minute.
bool WaitForRows(const TargetDb& db, const std::vector<std::string>& tables, uint64_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (db.Read(tables).count >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_P(FlushBothSinks, LoopFlushesWhatArrivesAndStopsOnSigterm) {
  const std::vector<Ev> first = MakeEvents(2000, 1, kNames);
  const std::vector<Ev> second = MakeEvents(3000, 100000, kNames);
  ASSERT_EQ(Recv(spool_, first, kRoutes), first.size());
  const pid_t pid = Spawn(FlushArgv(spool_, db_->Dsn(), {"--loop", "--interval", "0.2"}),
                          dir_.Path("out"), dir_.Path("err"), WithEnv(db_->Env()));
  EXPECT_TRUE(WaitForRows(*db_, kTables, first.size()));
  EXPECT_EQ(Recv(spool_, second, kRoutes), second.size());  // no early return: stop flush below
  EXPECT_TRUE(WaitForRows(*db_, kTables, first.size() + second.size()));
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(Wait(pid), 0) << ReadFileOrDie(dir_.Path("err"));
  EXPECT_THAT(ReadFileOrDie(dir_.Path("err")), HasSubstr("Stopped by signal"));

  Contents expected;
  expected.Add(first);
  expected.Add(second);
  EXPECT_EQ(db_->Read(kTables), expected);
  EXPECT_EQ(StatTotals(spool_), SpoolTotals{});
}

TEST_P(FlushBothSinks, TableOptionSendsEveryRowToOneExistingTable) {
  // The original service's table, as Django created it.
  ASSERT_EQ(db_->TryExec(CreateTableSql("app_log",
                                        "unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL,"
                                        " event_name VARCHAR(255) NOT NULL")),
            "");
  const std::vector<Ev> events = MakeEvents(3000, 1, kNames);
  ASSERT_EQ(Recv(spool_, events, kRoutes), events.size());

  RunResult r = FlushNow({"--table", "app_log"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("tables=app_log:3000"));
  Contents expected;
  expected.Add(events);
  EXPECT_EQ(db_->Read({"app_log"}), expected);
  for (const std::string& table : kTables) EXPECT_FALSE(db_->HasTable(table)) << table;

  r = FlushNow({"--table", "no such table"});
  EXPECT_EQ(r.exit_code, 64) << r.err;
}

}  // namespace
}  // namespace logroute::testing::flush
