// One bad shard, table or segment never stops the rest of a pass: flush moves
// everything it can, says what it could not and why, and exits with the
// documented "partial" status (79) rather than 0 or a status that reads like
// "nothing was done".
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libcore/spool/record.h"
#include "libcore/spool/spool.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kPartialExit = 79;

class FlushPartial : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = CreateTargetDb(GetParam(), dir_.path());
    spool_ = dir_.Path("spool");
  }
  RunResult FlushNow(const std::vector<std::string>& extra = {}) {
    return Flush(spool_, db_->Dsn(), extra, db_->Env());
  }
  std::string Shard(int shard) const { return spool_ + "/shard-0" + std::to_string(shard); }

  // Sealed segments in every shard of a 3-shard spool, and an `active` in each.
  Contents WriteThreeShards() {
    Contents contents =
        WriteGeneratedBacklog(spool_, 3000, 1, {"login", "logout"}, "logs", 16 << 10, /*shards=*/3);
    EXPECT_GT(Segments(spool_).size(), 3u);
    for (int shard = 0; shard < 3; ++shard) {
      std::ofstream active(Shard(shard) + "/active", std::ios::app | std::ios::binary);
      for (const Ev& e : MakeEvents(20, 100000 + 100 * shard)) {
        std::string record;
        spool::AppendRecord({e.unix_ts, e.user_id, e.name}, "logs", 1700000000, &record);
        active << record;
        contents.Add(e);
      }
    }
    return contents;
  }

  TempDir dir_;
  std::unique_ptr<TargetDb> db_;
  std::string spool_;
};

INSTANTIATE_TEST_SUITE_P(Sinks, FlushPartial, ::testing::Values("sqlite", "mariadb"));

// shard-00: a torn tail whose reject cannot be written; shard-01: a sequence
// counter that cannot be opened. Before the fix the pass stopped at the first
// of them and flushed nothing at all.
TEST_P(FlushPartial, ShardsThatCannotBeSealedDoNotStopTheOthers) {
  const Contents all = WriteThreeShards();
  const size_t sealed_before = Segments(spool_).size();
  {
    std::ofstream torn(Shard(0) + "/active", std::ios::app);
    torn << "0123abcd\t17000";  // a writer killed mid-record
  }
  ASSERT_EQ(::rmdir((spool_ + "/rejects").c_str()), 0);
  WriteFileOrDie(spool_ + "/rejects", "not a directory");
  ASSERT_EQ(::unlink((Shard(1) + "/seq").c_str()), 0);
  ASSERT_EQ(::mkdir((Shard(1) + "/seq").c_str(), 0755), 0);

  RunResult r = FlushNow();
  EXPECT_EQ(r.exit_code, kPartialExit) << r.err;
  EXPECT_THAT(r.err, HasSubstr("shard-00"));
  EXPECT_THAT(r.err, HasSubstr("shard-01"));
  EXPECT_THAT(r.err, HasSubstr("failed_shards=2"));
  EXPECT_THAT(r.err, Not(HasSubstr("Flushed to")));  // the success wording
  EXPECT_EQ(Segments(spool_).size(), 0u) << "every sealed segment is flushed";
  const Contents in_db = db_->Read({"logs"});
  EXPECT_GT(in_db.count, 0u);
  EXPECT_LT(in_db.count, all.count);                // two actives wait
  EXPECT_EQ(db_->LedgerRows(), sealed_before + 1);  // + shard-02's active

  // Repaired, the next pass moves the rest, once; the torn tail goes to rejects/.
  ASSERT_EQ(::unlink((spool_ + "/rejects").c_str()), 0);
  ASSERT_EQ(::rmdir((Shard(1) + "/seq").c_str()), 0);
  r = FlushNow();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db_->Read({"logs"}), all);
  EXPECT_EQ(StatTotals(spool_).events, 0u);
  EXPECT_EQ(StatTotals(spool_).reject_entries, 1u);
}

// recv once run by hand with sudo left a root-owned `active` behind. recv and
// flush, running as the service's user, route around it: recv appends to the
// other shards, flush flushes everything but that file and says why.
TEST_P(FlushPartial, ARootOwnedActiveIsRoutedAroundByRecvAndFlush) {
  ASSERT_EQ(::geteuid(), 0u) << "needs root to own a file as another user (CI runs as root)";
  if (GetParam() == "mariadb") db_ = CreateTargetDb("mariadb_tcp", dir_.path());
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=nobody",
                                              "--regid=nogroup", "--clear-groups"};
  const Contents first = WriteThreeShards();
  ASSERT_EQ(testing::Run({"/bin/chown", "-R", "nobody:nogroup", dir_.path()}).exit_code, 0);
  ASSERT_EQ(::chown((Shard(0) + "/active").c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod((Shard(0) + "/active").c_str(), 0644), 0);

  const std::vector<Ev> more = MakeEvents(10, 50000);
  for (const Ev& e : more) {  // one recv per event: each starts at a random shard
    std::vector<std::string> argv = as_nobody;
    argv.insert(argv.end(), {LOGROUTE_RECV_BIN, "--spool", spool_, "--stdin"});
    RunResult recv = testing::Run(argv, WithInput(Ndjson({e})));
    ASSERT_EQ(recv.exit_code, 0) << recv.err;
    EXPECT_EQ(AcceptedFrom(recv.err), 1) << recv.err;
  }

  std::vector<std::string> argv = as_nobody;
  for (const std::string& arg : FlushArgv(spool_, db_->Dsn())) argv.push_back(arg);
  RunResult r = testing::Run(argv, WithEnv(db_->Env()));
  EXPECT_EQ(r.exit_code, kPartialExit) << r.err;
  EXPECT_THAT(r.err, HasSubstr("shard-00/active"));
  EXPECT_THAT(r.err, HasSubstr("Permission denied"));
  EXPECT_EQ(Segments(spool_).size(), 0u);
  Contents expected = first;
  expected.Add(more);
  const Contents in_db = db_->Read({"logs"});
  EXPECT_LT(in_db.count, expected.count);  // shard-00's active waits, nothing else
  ASSERT_EQ(::chown((Shard(0) + "/active").c_str(), 65534, 65534), 0);
  r = testing::Run(argv, WithEnv(db_->Env()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(db_->Read({"logs"}), expected);
}

}  // namespace
}  // namespace logroute::testing::flush
