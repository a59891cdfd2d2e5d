// A server set up the way some MySQL users have theirs: a global sql_mode with
// NO_BACKSLASH_ESCAPES and ANSI_QUOTES, and the smallest max_allowed_packet
// (1 KiB). Flush sets the session's sql_mode itself, so every bulk path works
// and names arrive byte-identical; a row too big for any statement the server
// takes is rejected with the reason, and the rows around it go in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;
using std::string_literals::operator""s;

class FlushHostileServer : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = CreateMariaDb(TestServer(LOGROUTE_HOSTILE_MARIADB_ENV), "&bulk=" + GetParam());
    spool_ = dir_.Path("spool");
  }
  RunResult FlushNow() { return Flush(spool_, db_->Dsn(), {}, db_->Env()); }

  TempDir dir_;
  std::unique_ptr<TargetDb> db_;
  std::string spool_;
};

INSTANTIATE_TEST_SUITE_P(Paths, FlushHostileServer, ::testing::Values("array", "load", "insert"));

TEST_P(FlushHostileServer, NamesWithBackslashesTabsAndQuotesArriveByteIdentical) {
  ASSERT_THAT(db_->Scalar("SELECT @@GLOBAL.sql_mode"), HasSubstr("NO_BACKSLASH_ESCAPES"));
  const std::vector<std::string> names = {"back\\slash\\", "tab\there",  "it's \"quoted\"",
                                          "\\N",           "new\nline",  "nul\0byte"s,
                                          "`backtick`",    "\\t literal"};
  const std::vector<Ev> events = MakeEvents(names.size() * 5, 1, names);
  WriteBacklog(spool_, events, "logs", 1 << 20);
  RunResult r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = db_->Query("SELECT user_id, event_name FROM logs ORDER BY user_id");
  ASSERT_EQ(rows.size(), events.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][1], events[i].name) << "user_id " << events[i].user_id;
  }
  EXPECT_EQ(db_->LedgerRows(), 1u);
}

TEST_P(FlushHostileServer, ARowNoStatementCanCarryIsRejectedAndTheRestGoIn) {
  std::string huge;
  for (int i = 0; i < 255; ++i) huge += "\xF0\x9F\x98\x80";  // 1,020 bytes
  std::vector<Ev> events = MakeEvents(60, 1);
  for (size_t line : {10, 11, 40}) events[line - 1].name = huge;
  WriteBacklog(spool_, events, "logs", 1 << 20);
  RunResult r = FlushNow();
  Contents expected;
  if (GetParam() == "load") {
    // LOAD DATA LOCAL streams its rows; no row is too big for it.
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expected.Add(events);
    EXPECT_EQ(db_->Read({"logs"}), expected);
    return;
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rows=57 rejected=3"));
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].name != huge) expected.Add(events[i]);
  }
  EXPECT_EQ(db_->Read({"logs"}), expected);
  const std::vector<std::string> rejects = ListDir(spool_ + "/rejects");
  ASSERT_EQ(rejects.size(), 1u);
  const std::string entries = ReadFileOrDie(spool_ + "/rejects/" + rejects[0]);
  EXPECT_EQ(std::count(entries.begin(), entries.end(), '\n'), 3) << entries;
  EXPECT_THAT(entries, HasSubstr("\tline 10\t"));
  EXPECT_THAT(entries, HasSubstr("\tline 11\t"));
  EXPECT_THAT(entries, HasSubstr("\tline 40\t"));
  EXPECT_THAT(entries, HasSubstr("max_allowed_packet"));
}

}  // namespace
}  // namespace logroute::testing::flush
