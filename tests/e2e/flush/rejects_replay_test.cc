// Rejects an operator can act on, end to end with the built tools: flush
// rejects what a table refuses, logroute-stat --rejects lists it,
// logroute-recv --replay-rejects puts it back once the table is fixed, and
// every row is in exactly once; what cannot be replayed safely is not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libcore/spool/record.h"
#include "libcore/spool/rejects.h"
#include "libcore/spool/spool.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;

class RejectsReplay : public ::testing::Test {
 protected:
  void SetUp() override { spool_ = dir_.Path("spool"); }

  RunResult FlushNow() { return Flush(spool_, db_->Dsn(), {}, db_->Env()); }

  // recv --replay-rejects FILES... EXTRA...
  RunResult Replay(const std::vector<std::string>& files,
                   const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {LOGROUTE_RECV_BIN, "--spool", spool_, "--replay-rejects"};
    for (const std::string& file : files) argv.push_back(Rejects(file));
    argv.insert(argv.end(), extra.begin(), extra.end());
    return logroute::testing::Run(argv);
  }

  nlohmann::json StatRejects() {
    RunResult r =
        logroute::testing::Run({LOGROUTE_STAT_BIN, "--spool", spool_, "--rejects", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  std::string Rejects(const std::string& name = "") const {
    return spool_ + "/rejects" + (name.empty() ? "" : "/" + name);
  }
  std::vector<std::string> RejectFiles() const {
    std::vector<std::string> files;
    for (const std::string& name : ListDir(Rejects())) {
      if (name.ends_with(".rej")) files.push_back(name);
    }
    return files;
  }

  // A rejects file written as flush or recv would, holding `entries`.
  void WriteRejects(const std::string& name, const std::string& entries) {
    ASSERT_TRUE(spool::Spool::Open(spool_, {.create = true}).ok());
    WriteFileOrDie(Rejects(name), entries);
  }

  TempDir dir_;
  std::string spool_;
  std::unique_ptr<TargetDb> db_;
};

std::string Record(const Ev& e, const std::string& table = "logs") {
  std::string out;
  spool::AppendRecord({e.unix_ts, e.user_id, e.name}, table, 1700000000, &out);
  return out;
}

std::string Entry(const std::string& source, const std::string& position, const std::string& reason,
                  const std::string& data) {
  std::string out;
  spool::AppendRejectEntry(source, position, reason, data, &out);
  return out;
}

// The test of issue 11: a column too narrow for some names; ALTER TABLE; replay; flush.
TEST_F(RejectsReplay, NarrowColumnRejectsThenAlterReplayFlushLeavesEveryRowOnce) {
  db_ = CreateTargetDb("mariadb", dir_.path());
  ASSERT_EQ(db_->TryExec("CREATE TABLE logs (id BIGINT AUTO_INCREMENT PRIMARY KEY, unix_ts BIGINT "
                         "NOT NULL, user_id BIGINT NOT NULL, event_name VARCHAR(6) NOT NULL)"),
            "");
  const std::vector<std::string> route = {"--route", "password_reset=logs"};
  const std::vector<Ev> events = MakeEvents(3000, 1, {"login", "logout", "password_reset"});
  std::vector<std::string> recv_args = route;
  recv_args.insert(recv_args.end(), {"--segment-bytes", "65536"});
  ASSERT_EQ(Recv(spool_, events, recv_args), events.size());

  // 1. The rows that do not fit are rejected; the others are in.
  RunResult flushed = FlushNow();
  ASSERT_EQ(flushed.exit_code, 0) << flushed.err;
  Contents fitting;
  for (const Ev& e : events) {
    if (e.name != "password_reset") fitting.Add(e);
  }
  EXPECT_EQ(db_->Read({"logs"}), fitting);
  const nlohmann::json listed = StatRejects();
  ASSERT_TRUE(listed.is_object());
  EXPECT_EQ(listed["totals"]["entries"], 1000);
  EXPECT_EQ(listed["totals"]["replayable"], 1000);
  EXPECT_EQ(listed["totals"]["needs_force"], 0);
  EXPECT_EQ(listed["totals"]["files"], RejectFiles().size());
  ASSERT_FALSE(listed["files"].empty());
  EXPECT_THAT(listed["files"][0]["reasons"][0]["reason"].get<std::string>(),
              HasSubstr("Data too long for column 'event_name'"));

  // 2. Widen the column. 3. Replay, then flush.
  ASSERT_EQ(db_->TryExec("ALTER TABLE logs MODIFY event_name VARCHAR(255) NOT NULL"), "");
  const std::vector<std::string> files = RejectFiles();
  RunResult replayed = Replay(files, route);
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_THAT(replayed.err, HasSubstr("records=1000 dropped=0 kept=0"));
  EXPECT_TRUE(RejectFiles().empty());
  EXPECT_EQ(ListDir(Rejects("replayed")), files);
  flushed = FlushNow();
  ASSERT_EQ(flushed.exit_code, 0) << flushed.err;

  // 4. Every row is in exactly once.
  Contents all;
  all.Add(events);
  EXPECT_EQ(db_->Read({"logs"}), all);

  // The same replay again changes nothing.
  replayed = Replay(files, route);
  EXPECT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_THAT(replayed.err, HasSubstr("Already replayed"));
  ASSERT_EQ(FlushNow().exit_code, 0);
  EXPECT_EQ(db_->Read({"logs"}), all);
}

// The chain of the replaying recv decides the table again: the operator may
// fix a route instead of the table. An event it does not route stays.
TEST_F(RejectsReplay, TheReplayingChainDecidesTheTable) {
  db_ = CreateSqliteDb(dir_.Path("events.db"));
  ASSERT_EQ(db_->TryExec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"), "");
  const std::vector<Ev> events = MakeEvents(30, 1, {"login", "signup"});
  ASSERT_EQ(Recv(spool_, events, {"--route", "signup=users"}), events.size());
  EXPECT_EQ(FlushNow().exit_code, 79) << "table users cannot take rows";
  const std::vector<std::string> files = RejectFiles();
  ASSERT_FALSE(files.empty());

  // Without a route for signup, the chain refuses them: nothing moves.
  RunResult r = Replay(files);
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_THAT(r.err, HasSubstr("refused by the handler chain: event_name: no route for"));
  EXPECT_THAT(r.err,
              HasSubstr("records=0 dropped=0 kept=15 unchanged=" + std::to_string(files.size())));
  EXPECT_EQ(RejectFiles(), files);

  r = Replay(files, {"--route", "signup=signups"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("tables=signups:15"));
  ASSERT_EQ(FlushNow().exit_code, 0);
  Contents logins, signups;
  for (const Ev& e : events) (e.name == "signup" ? signups : logins).Add(e);
  EXPECT_EQ(db_->Read({"logs"}), logins);
  EXPECT_EQ(db_->Read({"signups"}), signups);
  EXPECT_EQ(db_->Scalar("SELECT COUNT(*) FROM users"), "0");
}

// A torn batch was never acknowledged: its sender may have sent it again.
// A record with a bad checksum may not be what was sent. Neither is replayed
// without --force; a record cut short never is.
TEST_F(RejectsReplay, TornAndCorruptRecordsOnlyWithForceACutOneNever) {
  db_ = CreateSqliteDb(dir_.Path("events.db"));
  const std::vector<Ev> events = MakeEvents(4, 1);
  std::string corrupt = Record(events[3]);
  corrupt[0] = corrupt[0] == 'a' ? 'b' : 'a';
  WriteRejects("shard-00.torn.1.1.rej",
               Entry("shard-00/active", "byte 0", "torn tail: a writer stopped mid-batch",
                     Record(events[0]) + Record(events[1]) + Record(events[2]).substr(0, 30)));
  WriteRejects("shard-01.seg-00000000000000000009.rej",
               Entry("shard-01/seg-00000000000000000009", "line 4", "checksum mismatch",
                     corrupt.substr(0, corrupt.size() - 1)));
  const nlohmann::json listed = StatRejects();
  EXPECT_EQ(listed["totals"]["records"], 4);
  EXPECT_EQ(listed["totals"]["needs_force"], 3);
  EXPECT_EQ(listed["totals"]["never"], 1);

  RunResult r = Replay(RejectFiles());
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_THAT(r.err, HasSubstr("may have sent it again, so replaying it may store its events "
                               "twice (--force replays it)"));
  EXPECT_THAT(r.err, HasSubstr("checksum mismatch (the line was altered or torn) (--force"));
  EXPECT_THAT(r.err, HasSubstr("records=0 dropped=0 kept=4 unchanged=2"));

  r = Replay(RejectFiles(), {"--force"});
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_THAT(r.err, HasSubstr("records=3 dropped=0 kept=1"));
  EXPECT_THAT(r.err, HasSubstr("cut short"));
  // The cut record stays, in an entry of its own under the same name.
  EXPECT_EQ(RejectFiles(), std::vector<std::string>{"shard-00.torn.1.1.rej"});
  EXPECT_EQ(ReadFileOrDie(Rejects("shard-00.torn.1.1.rej")),
            Entry("shard-00/active", "byte 0", "torn tail: a writer stopped mid-batch",
                  Record(events[2]).substr(0, 30)));
  ASSERT_EQ(FlushNow().exit_code, 0);
  Contents expected;
  for (int i : {0, 1, 3}) expected.Add(events[static_cast<size_t>(i)]);
  EXPECT_EQ(db_->Read({"logs"}), expected);
}

TEST_F(RejectsReplay, AFileWhoseSegmentFlushHasNotFinishedWaits) {
  WriteBacklog(spool_, MakeEvents(3, 1), "logs", 1 << 20, /*shards=*/1);
  SealAll(spool_);
  ASSERT_EQ(Segments(spool_).size(), 1u);
  const std::string name = "shard-00.seg-00000000000000000001.rej";
  WriteRejects(name, Entry("shard-00/seg-00000000000000000001", "line 1", "refused",
                           Record(MakeEvents(1, 1)[0])));
  RunResult r = Replay({name});
  EXPECT_EQ(r.exit_code, 75) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is still in the spool"));
  EXPECT_EQ(RejectFiles(), std::vector<std::string>{name});
}

TEST_F(RejectsReplay, OnlyFilesOfTheSpoolsRejectsAreTaken) {
  WriteRejects("a.rej", "");
  WriteFileOrDie(dir_.Path("elsewhere.rej"), "");
  RunResult r = logroute::testing::Run(
      {LOGROUTE_RECV_BIN, "--spool", spool_, "--replay-rejects", dir_.Path("elsewhere.rej")});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("not in " + Rejects()));
  r = Replay({"missing.rej"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("no file missing.rej in"));
  r = logroute::testing::Run(
      {LOGROUTE_RECV_BIN, "--spool", spool_, "--replay-rejects", Rejects("a.txt")});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_THAT(r.err, HasSubstr("not a rejects file"));
  r = logroute::testing::Run(
      {LOGROUTE_RECV_BIN, "--spool", spool_, "--stdin", "--replay-rejects", Rejects("a.rej")});
  EXPECT_EQ(r.exit_code, 64) << "a mode of its own";
  r = logroute::testing::Run({LOGROUTE_RECV_BIN, "--spool", spool_, "--stdin", "--force"});
  EXPECT_EQ(r.exit_code, 64) << "--force needs --replay-rejects";
}

TEST_F(RejectsReplay, StatListsNoRejectsAndTheTableNamesEachFile) {
  WriteRejects("unused.rej", "");
  ::unlink(Rejects("unused.rej").c_str());
  RunResult r = logroute::testing::Run({LOGROUTE_STAT_BIN, "--spool", spool_, "--rejects"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "No rejects in " + Rejects() + ".\n");
  const std::vector<Ev> events = MakeEvents(2, 1);
  WriteRejects("shard-00.seg-00000000000000000004.rej",
               Entry("shard-00/seg-00000000000000000004", "line 1", "refused by the database: x",
                     Record(events[0]).substr(0, Record(events[0]).size() - 1)) +
                   "junk\n");
  r = logroute::testing::Run({LOGROUTE_STAT_BIN, "--spool", spool_, "--rejects"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 file, 2 entries, 1 record (1 replayable)"));
  EXPECT_THAT(r.out, HasSubstr("\nshard-00.seg-00000000000000000004.rej\n  2 entries, 1 record"));
  EXPECT_THAT(r.out, HasSubstr("  1 entry: refused by the database: x\n"));
  EXPECT_THAT(r.out, HasSubstr("  1 entry: (not a rejects entry: too few fields (4 expected))"));
  r = logroute::testing::Run({LOGROUTE_STAT_BIN, "--spool", spool_, "--rejects", "--prometheus"});
  EXPECT_EQ(r.exit_code, 64);
}

}  // namespace
}  // namespace logroute::testing::flush
