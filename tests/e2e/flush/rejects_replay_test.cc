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
