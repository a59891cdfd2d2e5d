// Log lines carry a timestamp, except when standard error is the systemd
// journal (JOURNAL_STREAM names its device and inode), which stamps them.
#include <gtest/gtest.h>

#include <regex>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

// Runs stat with a threshold crossed (one warning line) and stderr in a file,
// with `journal_stream` ("" for none; "match" for the file's own dev:inode).
std::string WarningLine(const TempDir& dir, const std::string& journal_stream) {
  const std::string err = dir.Path("stderr");
  std::string env = "unset JOURNAL_STREAM; ";
  if (journal_stream == "match") {
    env = "JOURNAL_STREAM=$(stat -c %d:%i " + ShellQuote(err) + "); export JOURNAL_STREAM; ";
  } else if (!journal_stream.empty()) {
    env = "JOURNAL_STREAM=" + journal_stream + "; export JOURNAL_STREAM; ";
  }
  RunResult r =
      Sh(": > " + ShellQuote(err) + "; " + env + "exec " + ShellQuote(kStat) + " --spool " +
             ShellQuote(dir.Path("spool")) + " --max-events 0 2>" + ShellQuote(err) + " >/dev/null",
         Clean());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  return ReadFileOrDie(err);
}

const std::regex kStamped(
    R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d logroute-stat: warning: Threshold crossed: 2 events waiting > --max-events 0\n$)");

TEST(LoggingTest, LinesStartWithTheLocalTimeAndItsOffset) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 2);
  const std::string line = WarningLine(dir, "");
  EXPECT_TRUE(std::regex_match(line, kStamped)) << line;
}

TEST(LoggingTest, TheJournalGetsNoTimestampOfOurs) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 2);
  EXPECT_EQ(WarningLine(dir, "match"),
            "logroute-stat: warning: Threshold crossed: 2 events waiting > --max-events 0\n");
}

TEST(LoggingTest, AnInheritedJournalStreamOfAnotherFileStillGetsTimestamps) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 2);
  for (const char* other : {"1:1", "garbage", "12:34:56"}) {
    const std::string line = WarningLine(dir, other);
    EXPECT_TRUE(std::regex_match(line, kStamped)) << other << ": " << line;
  }
}

}  // namespace
}  // namespace logroute::testing::ops
