// --textfile of logroute-stat and logroute-flush, read by the real consumer:
// node_exporter's textfile collector (Debian's prometheus-node-exporter),
// which refuses a file that breaks the exposition format
// (node_textfile_scrape_error 1). And flush's metrics across passes.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <regex>
#include <thread>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

// A port that was free a moment ago.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), size) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// node_exporter with only the textfile collector, over `dir`, on 127.0.0.1.
class NodeExporter {
 public:
  explicit NodeExporter(const TempDir& dir, const std::string& textfile_dir) {
    port_ = FreePort();
    pid_ = Spawn(
        {"/usr/bin/prometheus-node-exporter",
         "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--collector.disable-defaults",
         "--collector.textfile", "--collector.textfile.directory=" + textfile_dir},
        "/dev/null", dir.Path("node-exporter.log"));
  }
  ~NodeExporter() {
    ::kill(pid_, SIGTERM);
    Wait(pid_);
  }

  // The metrics it serves; "" when it does not answer within 10 s.
  std::string Scrape() const {
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      RunResult r = Sh("curl -sf " + url);
      if (r.exit_code == 0) return r.out;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

// The value of the sample `series` ("name{labels}") in `text`, or "" if absent.
std::string Value(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  const size_t begin = at + series.size() + 2;
  return text.substr(begin, text.find('\n', begin) - begin);
}

class TextfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveCommand("prometheus-node-exporter"))
        << "scripts/install-deps.sh --test installs prometheus-node-exporter";
    std::filesystem::create_directories(dir_.Path("textfile"));
  }
  TempDir dir_;
};

TEST_F(TextfileTest, NodeExporterReadsStatAndFlushFilesWithoutAnError) {
  SpoolEvents(dir_.Path("spool"), 5);
  const std::string stat_file = dir_.Path("textfile/logroute-stat.prom");
  ASSERT_EQ(
      Exec({kStat, "--spool", dir_.Path("spool"), "--textfile", stat_file}, Clean()).exit_code, 0);
  RunResult flush =
      Exec({kFlush, "--spool", dir_.Path("spool"), "--db", "sqlite:" + dir_.Path("events.db"),
            "--textfile", dir_.Path("textfile/logroute-flush.prom")},
           Clean());
  ASSERT_EQ(flush.exit_code, 0) << flush.err;

  NodeExporter exporter(dir_, dir_.Path("textfile"));
  const std::string metrics = exporter.Scrape();
  ASSERT_NE(metrics, "") << ReadFileOrDie(dir_.Path("node-exporter.log"));
  EXPECT_EQ(Value(metrics, "node_textfile_scrape_error"), "0") << metrics;
  EXPECT_NE(metrics.find("\nlogroute_spool_table_events{spool=\""), std::string::npos) << metrics;
  static const std::regex kRows(
      R"(\nlogroute_flush_last_pass_rows\{spool="[0-9a-f]{32}",table="logs"\} 5\n)");
  EXPECT_TRUE(std::regex_search(metrics, kRows)) << metrics;
}

TEST_F(TextfileTest, TheScrapeErrorWouldShowABrokenFile) {
  WriteFileOrDie(dir_.Path("textfile/broken.prom"), "logroute_x{oops 1\n");
  NodeExporter exporter(dir_, dir_.Path("textfile"));
  const std::string metrics = exporter.Scrape();
  ASSERT_NE(metrics, "") << ReadFileOrDie(dir_.Path("node-exporter.log"));
  EXPECT_EQ(Value(metrics, "node_textfile_scrape_error"), "1") << metrics;
}

std::string Series(const std::string& name, const std::string& spool_id,
                   const std::string& extra = "") {
  return name + "{spool=\"" + spool_id + "\"" + extra + "}";
}

// What a pass leaves for monitoring; a failed pass keeps the time of the
// last good one, and a table's rows read 0 rather than vanish.
TEST(FlushTextfileTest, LastSuccessSurvivesAFailedPass) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 6);
  const std::string spool_id =
      ReadFileOrDie(dir.Path("spool/spool.id")).substr(3, 32);  // "id <32 hex>"
  const std::string file = dir.Path("flush.prom");
  const auto flush = [&](const std::string& spool) {
    return Exec(
        {kFlush, "--spool", spool, "--db", "sqlite:" + dir.Path("events.db"), "--textfile", file},
        Clean());
  };
  const double before = static_cast<double>(std::time(nullptr));
  RunResult good = flush(dir.Path("spool"));
  ASSERT_EQ(good.exit_code, 0) << good.err;
  std::string text = ReadFileOrDie(file);
  EXPECT_EQ(Value(text, Series("logroute_flush_last_pass_success", spool_id)), "1") << text;
  EXPECT_EQ(Value(text, Series("logroute_flush_last_pass_rows", spool_id, ",table=\"logs\"")), "6")
      << text;
  EXPECT_NE(Value(text, Series("logroute_flush_last_pass_segments", spool_id)), "0") << text;
  EXPECT_EQ(Value(text, Series("logroute_flush_last_pass_rejected_records", spool_id)), "0");
  EXPECT_EQ(Value(text, Series("logroute_flush_last_pass_failed_segments", spool_id)), "0");
  const std::string success =
      Value(text, Series("logroute_flush_last_success_timestamp_seconds", spool_id));
  ASSERT_NE(success, "") << text;
  EXPECT_GE(std::stod(success), before);
  EXPECT_EQ(success, Value(text, Series("logroute_flush_last_pass_timestamp_seconds", spool_id)));
  EXPECT_GE(std::stod(Value(text, Series("logroute_flush_last_pass_duration_seconds", spool_id))),
            0.0);

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  RunResult bad = flush(dir.Path("no-spool"));
  ASSERT_NE(bad.exit_code, 0);
  text = ReadFileOrDie(file);
  EXPECT_EQ(Value(text, Series("logroute_flush_last_pass_success", spool_id)), "0") << text;
  EXPECT_EQ(Value(text, Series("logroute_flush_last_success_timestamp_seconds", spool_id)), success)
      << "kept from the good pass\n"
      << text;
  EXPECT_NE(Value(text, Series("logroute_flush_last_pass_timestamp_seconds", spool_id)), success);
  EXPECT_EQ(Value(text, Series("logroute_flush_last_pass_rows", spool_id, ",table=\"logs\"")), "0")
      << text;
}

TEST(FlushTextfileTest, AnUnwritableDirectoryIsAUsageErrorBeforeAnyPass) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 2);
  RunResult r = Exec({kFlush, "--spool", dir.Path("spool"), "--db",
                      "sqlite:" + dir.Path("events.db"), "--textfile", dir.Path("none/f.prom")},
                     Clean());
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_NE(r.err.find("--textfile"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir.Path("none/")), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.Path("events.db"))) << "no pass ran";
}

}  // namespace
}  // namespace logroute::testing::ops
