// flush's progress display: on a terminal a pass shows rows, rows/s and the
// time left; without one (cron, systemd) it prints only its summary line, so
// that syslog gets one line per run.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

// A spool holding 6000 events in several sealed segments.
void MakeBacklog(const std::string& spool) {
  RunResult r =
      Exec({kRecv, "--stdin", "--spool", spool, "--shards", "2", "--segment-bytes", "65536"},
           Clean({}, Events(6000)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::vector<std::string> Flush(const TempDir& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {kFlush, "--spool", dir.Path("spool"), "--db",
                                   "sqlite:" + dir.Path("events.db")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

TEST(FlushProgressTest, WithoutATerminalOnlyTheSummaryLine) {
  TempDir dir;
  MakeBacklog(dir.Path("spool"));
  RunResult r = Exec(Flush(dir), Clean());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  static const std::regex kSummary(R"(^\S+ logroute-flush: info: Flushed to sqlite:.*\n$)");
  EXPECT_TRUE(std::regex_match(r.err, kSummary)) << r.err;
  EXPECT_NE(r.err.find("rows=6000"), std::string::npos) << r.err;
}

TEST(FlushProgressTest, OnATerminalRowsRateAndTimeLeft) {
  TempDir dir;
  MakeBacklog(dir.Path("spool"));
  int status = -1;
  const std::string screen = RunOnTerminal(Flush(dir), &status);
  EXPECT_EQ(status, 0) << screen;
  EXPECT_NE(screen.find(" rows/s, "), std::string::npos) << screen;
  EXPECT_NE(screen.find(" s left"), std::string::npos) << screen;
  EXPECT_NE(screen.find("6000 rows, "), std::string::npos) << "the last update counts them all\n"
                                                           << screen;
  EXPECT_NE(screen.find("Flushed to sqlite:"), std::string::npos) << screen;
}

TEST(FlushProgressTest, NeverKeepsATerminalQuiet) {
  TempDir dir;
  MakeBacklog(dir.Path("spool"));
  int status = -1;
  const std::string screen = RunOnTerminal(Flush(dir, {"--progress", "never"}), &status);
  EXPECT_EQ(status, 0) << screen;
  EXPECT_EQ(screen.find("rows/s,"), std::string::npos) << screen;
  EXPECT_NE(screen.find("Flushed to sqlite:"), std::string::npos) << screen;
}

}  // namespace
}  // namespace logroute::testing::ops
