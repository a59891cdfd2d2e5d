// A table that cannot take rows never holds the other tables hostage: its rows
// go to rejects/ with the reason, the rest of each segment is committed once.
// Routes to the tables flush itself needs, or to a database's system tables,
// are refused by recv at start and by flush in a record.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "libcore/spool/record.h"
#include "libcore/spool/spool.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;

constexpr int kPartialExit = 79;

class FlushTables : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = CreateTargetDb(GetParam(), dir_.path());
    spool_ = dir_.Path("spool");
  }
  RunResult FlushNow(const std::vector<std::string>& extra = {}) {
    return Flush(spool_, db_->Dsn(), extra, db_->Env());
  }
  uint64_t RejectEntries() const {
    uint64_t entries = 0;
    for (const std::string& name : ListDir(spool_ + "/rejects")) {
      const std::string text = ReadFileOrDie(spool_ + "/rejects/" + name);
      entries += static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
    }
    return entries;
  }
  std::string AllRejects() const {
    std::string all;
    for (const std::string& name : ListDir(spool_ + "/rejects")) {
      all += ReadFileOrDie(spool_ + "/rejects/" + name);
    }
    return all;
  }

  TempDir dir_;
  std::unique_ptr<TargetDb> db_;
  std::string spool_;
};

INSTANTIATE_TEST_SUITE_P(Sinks, FlushTables,
                         ::testing::Values("sqlite", "mariadb", "mariadb_load", "mariadb_insert"));

// `--route signup=users`, where `users` is the application's own table with
// other columns. Before the fix, every segment holding a signup failed on
// every run (exit 64) and the logins beside it never loaded.
TEST_P(FlushTables, RowsForATableWithoutOurColumnsAreRejectedAndTheRestCommitted) {
  ASSERT_EQ(db_->TryExec("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100))"), "");
  const std::vector<Ev> events = MakeEvents(3000, 1, {"login", "signup", "logout"});
  ASSERT_EQ(Recv(spool_, events, {"--route", "signup=users", "--segment-bytes", "16384"}),
            events.size());
  const size_t segments = Segments(spool_).size() + 1;  // and the active files sealed at flush

  RunResult r = FlushNow();
  EXPECT_EQ(r.exit_code, kPartialExit) << r.err;
  EXPECT_THAT(r.err, HasSubstr("table users has no column unix_ts"));
  Contents logs;
  for (const Ev& e : events) {
    if (e.name != "signup") logs.Add(e);
  }
  EXPECT_EQ(db_->Read({"logs"}), logs);
  EXPECT_EQ(db_->Scalar("SELECT COUNT(*) FROM users"), "0");
  EXPECT_EQ(RejectEntries(), 1000u);
  EXPECT_THAT(AllRejects(), HasSubstr("table users has no column unix_ts"));
  EXPECT_EQ(StatTotals(spool_).events, 0u);
  EXPECT_GE(db_->LedgerRows(), segments - 1);

  // Nothing is left to fail: the next pass is clean, and changes nothing.
  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db_->Read({"logs"}), logs);
}

// A NOT NULL column without a default that flush cannot fill: no row can go
// in, so the table's rows are rejected with that reason, not one by one.
TEST_P(FlushTables, RowsForATableWithARequiredColumnOfItsOwnAreRejectedWithTheReason) {
  ASSERT_EQ(db_->TryExec(
                std::string("CREATE TABLE audit (id ") +
                (db_->is_mariadb() ? "BIGINT AUTO_INCREMENT PRIMARY KEY" : "INTEGER PRIMARY KEY") +
                ", created_by VARCHAR(20) NOT NULL, unix_ts BIGINT NOT NULL,"
                " user_id BIGINT NOT NULL, event_name VARCHAR(255) NOT NULL)"),
            "");
  const std::vector<Ev> events = MakeEvents(400, 1, {"login", "audit"});
  ASSERT_EQ(Recv(spool_, events, {"--route", "audit=audit"}), events.size());
  RunResult r = FlushNow();
  EXPECT_EQ(r.exit_code, kPartialExit) << r.err;
  EXPECT_THAT(r.err, HasSubstr("table audit has column created_by NOT NULL without a default"));
  EXPECT_EQ(db_->Read({"logs"}).count, 200u);
  EXPECT_EQ(RejectEntries(), 200u);
}

TEST_P(FlushTables, ARecordRoutedToAReservedTableIsRejectedAndTheLedgerIsUntouched) {
  const std::vector<Ev> events = MakeEvents(10, 1);
  ASSERT_EQ(Recv(spool_, events, {"--shards", "1"}), events.size());
  {
    std::ofstream active(spool_ + "/shard-00/active", std::ios::app | std::ios::binary);
    for (const char* table : {"logroute_ledger", "Logroute_Ledger", "sqlite_master",
                              "information_schema", "performance_schema", "mysql"}) {
      std::string record;
      spool::AppendRecord({1, 2, "x"}, table, 1700000000, &record);
      active << record;
    }
  }
  RunResult r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;  // bad records are rejected, as corrupt ones are
  EXPECT_THAT(r.err, HasSubstr("rows=10 rejected=6"));
  Contents expected;
  expected.Add(events);
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_EQ(db_->LedgerRows(), 1u);
  EXPECT_THAT(AllRejects(), HasSubstr("reserved"));
}

TEST(RecvReservedTables, ARouteToAReservedTableIsRefusedAtStart) {
  TempDir dir;
  for (const std::string table :
       {"logroute_ledger", "LOGROUTE_LEDGER", "sqlite_sequence", "sqlite_stat1",
        "information_schema", "performance_schema", "mysql"}) {
    RunResult r = testing::Run(
        {LOGROUTE_RECV_BIN, "--spool", dir.Path("spool"), "--stdin", "--route", "login=" + table},
        WithInput(""));
    EXPECT_EQ(r.exit_code, 64) << table << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(table)) << table;
    EXPECT_THAT(r.err, HasSubstr("reserved")) << table;
  }
  RunResult r = testing::Run({LOGROUTE_RECV_BIN, "--spool", dir.Path("spool"), "--stdin",
                              "--unrouted", "store", "--unrouted-table", "logroute_ledger"},
                             WithInput(""));
  EXPECT_EQ(r.exit_code, 64) << r.err;
}

}  // namespace
}  // namespace logroute::testing::flush
