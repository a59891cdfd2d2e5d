// What a MariaDB server with its default settings does to big statements and
// to rows it refuses for reasons of its own, on each of the three bulk paths:
// statements are cut to fit max_allowed_packet, and a poison row is found by
// how it behaves (it fails alone while its neighbours go in), whatever its
// error code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;

// 255 characters of four bytes each: the longest name the schema allows.
std::string LongestName(char last) {
  std::string name;
  for (int i = 0; i < 254; ++i) name += "\xF0\x9F\x98\x80";  // U+1F600
  return name + last;
}

class FlushServerLimits : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = CreateTargetDb(GetParam(), dir_.path());
    spool_ = dir_.Path("spool");
  }
  RunResult FlushNow(const std::vector<std::string>& extra = {}) {
    return Flush(spool_, db_->Dsn(), extra, db_->Env());
  }

  TempDir dir_;
  std::unique_ptr<TargetDb> db_;
  std::string spool_;
};

INSTANTIATE_TEST_SUITE_P(Paths, FlushServerLimits,
                         ::testing::Values("mariadb", "mariadb_load", "mariadb_insert"));

// 20,000 rows of 1 KB in one segment, one chunk: 20 MB, more than the default
// max_allowed_packet (16 MB). Before the fix every run failed with "server has
// gone away", exit 75, forever.
TEST_P(FlushServerLimits, ChunksOfBigRowsAreCutToFitTheServersPacket) {
  const std::vector<Ev> events = MakeEvents(20000, 1, {LongestName('a'), LongestName('b')});
  WriteBacklog(spool_, events, "logs", uint64_t{64} << 20, /*shards=*/1);
  RunResult r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("segments=1 rows=20000 rejected=0"));
  Contents expected;
  expected.Add(events);
  EXPECT_EQ(db_->Read({"logs"}), expected);
  EXPECT_EQ(db_->LedgerRows(), 1u);
}

// A proxy between flush and the server may allow less than the server says:
// ?max-packet= above what the server takes makes the first statements fail
// after they are sent. Flush retries on a new connection with smaller
// statements, a bounded number of times, and everything goes in once. (LOAD
// DATA is not concerned: the client streams its rows in packets of its own.)
class FlushPacketRetry : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(Paths, FlushPacketRetry, ::testing::Values("array", "insert"));

TEST_P(FlushPacketRetry, APacketTheServerRefusesIsRetriedSmallerOnANewConnection) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  const std::vector<Ev> events = MakeEvents(20000, 1, {LongestName('c')});
  WriteBacklog(spool, events, "logs", uint64_t{64} << 20, /*shards=*/1);
  std::unique_ptr<TargetDb> db =
      CreateMariaDb(TestServer(), "&bulk=" + GetParam() + "&max-packet=268435456");
  RunResult r = Flush(spool, db->Dsn(), {}, db->Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("retrying on a new connection"));
  Contents expected;
  expected.Add(events);
  EXPECT_EQ(db->Read({"logs"}), expected);
  EXPECT_EQ(db->LedgerRows(), 1u);
}

// The server refuses the ledger UPDATE of one segment's commit, for a reason
// of its own (a trigger: error 1644, which no retry cures). That segment
// stays in the spool with nothing of it committed, and the next pass loads
// it once. Before the fix its transaction was left open, and the next
// segment's START TRANSACTION committed it: its rows, with a ledger row of
// zero counts, so that later passes took the segment for a copied spool's.
TEST_P(FlushServerLimits, ACommitTheServerRefusesLeavesNothingOfItsSegment) {
  WriteBacklog(spool_, {}, "logs", 1 << 20, /*shards=*/1);
  RunResult r = FlushNow();  // creates the ledger, for the trigger
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<Ev> first = MakeEvents(100, 1);
  WriteBacklog(spool_, first, "logs", 1 << 20, /*shards=*/1);
  SealAll(spool_);
  const std::vector<std::string> sealed = Segments(spool_);
  ASSERT_EQ(sealed.size(), 1u);
  const std::string first_seq =
      std::to_string(std::stoull(sealed[0].substr(sealed[0].rfind('-') + 1)));
  const std::vector<Ev> second = MakeEvents(100, 1001);
  WriteBacklog(spool_, second, "logs", 1 << 20, /*shards=*/1);  // sealed by flush, after `first`
  ASSERT_EQ(db_->TryExec("CREATE TRIGGER refuse BEFORE UPDATE ON logroute_ledger FOR EACH ROW"
                         " IF NEW.seq = " +
                         first_seq +
                         " THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT ="
                         " 'ledger update refused by trigger'; END IF"),
            "");

  r = FlushNow();
  EXPECT_EQ(r.exit_code, 79) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ledger update refused by trigger"));
  Contents only_second;
  only_second.Add(second);
  EXPECT_EQ(db_->Read({"logs"}), only_second);
  EXPECT_EQ(db_->LedgerRows(), 1u);
  EXPECT_EQ(Segments(spool_), sealed);

  ASSERT_EQ(db_->TryExec("DROP TRIGGER refuse"), "");
  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Contents both = only_second;
  both.Add(first);
  EXPECT_EQ(db_->Read({"logs"}), both);
  EXPECT_EQ(db_->LedgerRows(), 2u);
  EXPECT_TRUE(Segments(spool_).empty());
}

class FlushPoisonRows : public FlushServerLimits {};
INSTANTIATE_TEST_SUITE_P(Sinks, FlushPoisonRows,
                         ::testing::Values("sqlite", "mariadb", "mariadb_load", "mariadb_insert"));

// A trigger refuses one row in 1,000 with an error code of its own (1644 on
// MariaDB, which no list of "data errors" holds): exactly those rows are
// rejected with the trigger's message, every other row is committed once.
TEST_P(FlushPoisonRows, ATriggerRefusingOneRowInAThousandRejectsExactlyThoseRows) {
  ASSERT_EQ(
      db_->TryExec(db_->is_mariadb()
                       ? "CREATE TABLE logs (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                         " unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL,"
                         " event_name VARCHAR(255) NOT NULL)"
                       : "CREATE TABLE logs (id INTEGER PRIMARY KEY, unix_ts INTEGER NOT NULL,"
                         " user_id INTEGER NOT NULL, event_name TEXT NOT NULL)"),
      "");
  ASSERT_EQ(db_->TryExec(db_->is_mariadb()
                             ? "CREATE TRIGGER poison BEFORE INSERT ON logs FOR EACH ROW"
                               " IF NEW.user_id % 1000 = 0 THEN SIGNAL SQLSTATE '45000'"
                               " SET MESSAGE_TEXT = 'poison row refused by trigger'; END IF"
                             : "CREATE TRIGGER poison BEFORE INSERT ON logs"
                               " WHEN NEW.user_id % 1000 = 0 BEGIN"
                               " SELECT RAISE(ABORT, 'poison row refused by trigger'); END"),
            "");
  const std::vector<Ev> events = MakeEvents(5000, 1);
  Contents expected;
  uint64_t poison = 0;
  for (const Ev& e : events) {
    if (e.user_id % 1000 == 0) {
      ++poison;
    } else {
      expected.Add(e);
    }
  }
  ASSERT_EQ(poison, 5u);
  WriteBacklog(spool_, events, "logs", 16 << 20);

  RunResult r = FlushNow({"--chunk-rows", "700"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rows=4995 rejected=5"));
  EXPECT_EQ(db_->Read({"logs"}), expected);
  const std::vector<std::string> rejects = ListDir(spool_ + "/rejects");
  ASSERT_EQ(rejects.size(), 1u);
  const std::string entries = ReadFileOrDie(spool_ + "/rejects/" + rejects[0]);
  EXPECT_EQ(std::count(entries.begin(), entries.end(), '\n'), 5) << entries;
  EXPECT_THAT(entries, HasSubstr("poison row refused by trigger"));
  for (int line = 1000; line <= 5000; line += 1000) {  // one segment: line = user_id
    EXPECT_THAT(entries, HasSubstr("\tline " + std::to_string(line) + "\t"));
  }

  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db_->Read({"logs"}), expected);
}

}  // namespace
}  // namespace logroute::testing::flush
