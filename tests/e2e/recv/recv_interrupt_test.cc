// logroute-recv --stdin stopped by SIGINT or SIGTERM: it spools the lines it
// has read, names the last line dealt with (the resume point) and exits 130
// or 143; a run fed the input from the next line on completes it, so that
// every event is in exactly once.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "libcore/base/file_util.h"
#include "tests/e2e/crash/crash_util.h"
#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::crash {
namespace {

std::vector<std::string> RecvArgv(const std::string& spool) {
  return {LOGROUTE_RECV_BIN, "--spool", spool, "--stdin", "--segment-bytes", "262144"};
}

// The last_line=N of recv's summary; -1 when absent.
int64_t LastLine(const std::string& recv_stderr) {
  static const std::regex kLastLine(R"(last_line=(\d+))");
  std::smatch m;
  if (!std::regex_search(recv_stderr, m, kLastLine)) return -1;
  return std::stoll(m[1]);
}

// Waits (at most 20 s) until the spool holds `events` events.
bool WaitForSpooled(const std::string& spool, uint64_t events) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PathExists(*Env::Default(), spool + "/spool.id").value() &&
        flush::StatTotals(spool).events >= events)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(RecvInterrupt, SigtermWhileWaitingForInputExits143AndNamesTheLastLine) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  PipedChild recv(RecvArgv(spool), dir.Path("recv.err"), 1 << 16);
  ASSERT_EQ(recv.Feed(Ndjson(1, 500), 4096, 1), Ndjson(1, 500).size());
  ASSERT_TRUE(WaitForSpooled(spool, 500));
  ::kill(recv.pid(), SIGTERM);  // recv blocks in its read: the input stays open
  EXPECT_EQ(recv.Wait(), 143);
  const std::string err = ReadFileOrDie(dir.Path("recv.err"));
  EXPECT_NE(err.find("accepted=500 rejected=0 dropped=0 lines=500 tables=logs:500 last_line=500"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("Stopped by SIGTERM: lines 1 to 500 are dealt with, none after is in the "
                     "spool; resume with the input from line 501 (tail -n +501)"),
            std::string::npos)
      << err;
  EXPECT_EQ(flush::StatTotals(spool).events, 500u);
}

TEST(RecvInterrupt, SigintMidStreamThenAResumeFromTheNamedLineStoresEachEventOnce) {
  constexpr int64_t kEvents = 200000;
  TempDir dir;
  const std::string spool = dir.Path("spool");
  const std::string input = Ndjson(1, kEvents);
  int64_t last_line = -1;
  {
    PipedChild recv(RecvArgv(spool), dir.Path("recv.err"), 1 << 16);
    std::atomic<size_t> fed{0};
    std::thread feeder([&] { recv.Feed(input, 65536, 7, &fed); });
    while (fed.load() < input.size() / 8) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ::kill(recv.pid(), SIGINT);
    const int status = recv.Wait();
    feeder.join();  // the pipe broke when recv exited
    ASSERT_EQ(status, 130) << ReadFileOrDie(dir.Path("recv.err"));
    last_line = LastLine(ReadFileOrDie(dir.Path("recv.err")));
  }
  ASSERT_GT(last_line, 0);
  ASSERT_LT(last_line, kEvents) << "the signal came before the end of the input";
  EXPECT_EQ(flush::StatTotals(spool).events, static_cast<uint64_t>(last_line))
      << "lines 1 to last_line, and none after";

  RunResult resumed = logroute::testing::Run(
      RecvArgv(spool), flush::WithInput(Ndjson(last_line + 1, kEvents - last_line)));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const std::string db = dir.Path("events.db");
  RunResult flushed = flush::Flush(spool, "sqlite:" + db);
  ASSERT_EQ(flushed.exit_code, 0) << flushed.err;
  const std::unordered_map<int64_t, int> rows = CheckRows(ReadRows(db));
  EXPECT_EQ(rows.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(CountPresent(rows, {1, kEvents}), kEvents);
}

}  // namespace
}  // namespace logroute::testing::crash
