// The Docker packaging, without a Docker engine: the entrypoint script runs
// on the host with the built tools on PATH, and the compose file is checked
// by Debian's docker-compose (`config`).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

namespace fs = std::filesystem;

const std::string kDocker = kSource + "/packaging/docker/";
const std::string kEntrypoint = kDocker + "docker-entrypoint.sh";

// PATH with the built tools first, as the image has them in /usr/bin.
std::string ToolPath() {
  const char* path = std::getenv("PATH");
  return "PATH=" + fs::path(kRecv).parent_path().string() + ":" +
         fs::path(kFlush).parent_path().string() + ":" + fs::path(kStat).parent_path().string() +
         ":" + (path ? path : "/usr/bin:/bin");
}

// A TCP port on 127.0.0.1 that is listening while the object lives.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), size), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(DockerEntrypointTest, StatRunsTheToolWithSettingsFromTheEnvironment) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 3);
  RunResult r = Exec({kEntrypoint, "stat", "--json"},
                     Clean({ToolPath(), "LOGROUTE_SPOOL=" + dir.Path("spool")}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"events\": 3"), std::string::npos) << r.out;
}

TEST(DockerEntrypointTest, RecvTakesEventsFromStandardInputWhenAsked) {
  TempDir dir;
  // As in the image, which sets LOGROUTE_LISTEN for the default command.
  RunResult r = Exec(
      {kEntrypoint, "recv", "--stdin"},
      Clean({ToolPath(), "LOGROUTE_SPOOL=" + dir.Path("spool"), "LOGROUTE_LISTEN=0.0.0.0:8000"},
            Events(4)));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accepted=4"), std::string::npos) << r.err;
}

TEST(DockerEntrypointTest, ExecsTheCommandSoThatSignalsReachIt) {
  // The command replaces the script: it has the pid that `docker stop` signals.
  TempDir dir;
  const pid_t pid =
      Spawn({kEntrypoint, "sh", "-c", "echo $$ >\"$0\"; exec sleep 30", dir.Path("pid")},
            dir.Path("out"), dir.Path("err"), Clean({ToolPath()}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!fs::exists(dir.Path("pid")) || fs::file_size(dir.Path("pid")) == 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ReadFileOrDie(dir.Path("pid")), std::to_string(pid) + "\n");
  ::kill(pid, SIGTERM);
  EXPECT_EQ(Wait(pid), 128 + SIGTERM);
}

TEST(DockerEntrypointTest, FlushLoopLandsEventsAndStopsOnSigterm) {
  ASSERT_TRUE(HaveCommand("sqlite3"));
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 25);
  const pid_t pid =
      Spawn({kEntrypoint, "flush-loop"}, dir.Path("out"), dir.Path("err"),
            Clean({ToolPath(), "LOGROUTE_SPOOL=" + dir.Path("spool"),
                   "LOGROUTE_DB=sqlite:" + dir.Path("events.db"), "LOGROUTE_INTERVAL=0.5"}));
  std::string rows;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    rows =
        Sh("sqlite3 " + ShellQuote(dir.Path("events.db")) + " 'SELECT count(*) FROM logs'", Clean())
            .out;
    if (rows == "25\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(rows, "25\n") << ReadFileOrDie(dir.Path("err"));
  ::kill(pid, SIGTERM);
  EXPECT_EQ(Wait(pid), 0) << "flush, as PID of the container, stops cleanly on SIGTERM\n"
                          << ReadFileOrDie(dir.Path("err"));
}

TEST(DockerEntrypointTest, WaitsForTheDatabaseToAcceptConnections) {
  Listener db;
  RunResult r = Exec(
      {kEntrypoint, "echo", "ready"},
      Clean({ToolPath(),
             "LOGROUTE_DB=mysql://logroute@127.0.0.1:" + std::to_string(db.port()) + "/logroute",
             "LOGROUTE_DB_WAIT=10"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ready\n");
}

TEST(DockerEntrypointTest, GivesUpWithTempfailWhenTheDatabaseNeverComes) {
  Listener closed;
  const int port = closed.port();
  closed.Close();  // nothing listens there now
  RunResult r =
      Exec({kEntrypoint, "flush"},
           Clean({ToolPath(),
                  "LOGROUTE_DB=mysql://logroute@127.0.0.1:" + std::to_string(port) + "/logroute",
                  "LOGROUTE_DB_WAIT=2", "LOGROUTE_SPOOL=/nonexistent"}));
  EXPECT_EQ(r.exit_code, 75) << r.err;
  EXPECT_NE(r.err.find("not reachable after 2 s"), std::string::npos) << r.err;
}

TEST(DockerEntrypointTest, PassesShellcheck) {
  if (!HaveCommand("shellcheck")) GTEST_SKIP() << "shellcheck is not installed";
  RunResult r =
      Exec({"/usr/bin/env", "shellcheck", kEntrypoint, kDocker + "load-test.sh"}, Clean());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(DockerComposeTest, ConfigIsValidAndMirrorsTheOriginal) {
  ASSERT_TRUE(HaveCommand("docker-compose"))
      << "scripts/install-deps.sh --test installs Debian's docker-compose";
  RunResult r =
      Exec({"/usr/bin/env", "docker-compose", "-f", kDocker + "compose.yaml", "config"}, Clean());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* expected : {"  db:\n", "  recv:\n", "  flush:\n", "  test:\n", "image: mariadb:",
                               "published: 8000", "- flush-loop", "LOGROUTE_INTERVAL: '30'",
                               "- load-test.sh", "target: runtime", "target: test"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("TEST_ENABLED: \"false\""), std::string::npos)
      << "the load test stays off by default\n"
      << r.out;
}

TEST(DockerComposeTest, TestEnabledReachesTheTestService) {
  ASSERT_TRUE(HaveCommand("docker-compose"));
  RunResult r = Exec({"/usr/bin/env", "docker-compose", "-f", kDocker + "compose.yaml", "config"},
                     Clean({"TEST_ENABLED=true"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("TEST_ENABLED: \"true\""), std::string::npos) << r.out;
}

TEST(DockerfileTest, BuildsOnDebianAndRunsAsANonRootUser) {
  const std::string dockerfile = ReadFileOrDie(kDocker + "Dockerfile");
  EXPECT_NE(dockerfile.find("FROM debian:bookworm AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("FROM debian:bookworm-slim AS runtime"), std::string::npos);
  EXPECT_NE(dockerfile.find("RUN scripts/install-deps.sh"), std::string::npos)
      << "the build stage installs what the repository's own list says";
  EXPECT_NE(dockerfile.find("ENTRYPOINT [\"/usr/local/bin/docker-entrypoint.sh\"]"),
            std::string::npos);
  // The last USER of each final stage is not root.
  size_t runtime = dockerfile.find("AS runtime"), test = dockerfile.find("AS test");
  ASSERT_NE(test, std::string::npos);
  EXPECT_NE(dockerfile.substr(runtime, test - runtime).rfind("\nUSER logroute\n"),
            std::string::npos);
  EXPECT_NE(dockerfile.substr(test).rfind("\nUSER logroute\n"), std::string::npos);
}

}  // namespace
}  // namespace logroute::testing::ops
