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
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

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
  ASSERT_TRUE(HaveCommand("shellcheck")) << "scripts/install-deps.sh --test installs shellcheck";
  RunResult r = Exec({"/usr/bin/env", "shellcheck", kEntrypoint, kDocker + "load-test.sh",
                      kSource + "/tests/docker/compose-smoke.sh"},
                     Clean());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// `docker-compose config` in the repository root, with no -f: as the original
// service's commands are typed.
RunResult ComposeConfig(std::vector<std::string> env = {}) {
  return Sh("cd " + ShellQuote(kSource) + " && docker-compose config", Clean(std::move(env)));
}

TEST(DockerComposeTest, ConfigIsFoundInTheRootAndMirrorsTheOriginal) {
  ASSERT_TRUE(HaveCommand("docker-compose"))
      << "scripts/install-deps.sh --test installs Debian's docker-compose";
  RunResult r = ComposeConfig();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* expected :
       {"  db:\n", "  recv:\n", "  flush:\n", "  test:\n", "image: mariadb:", "published: 8000",
        "- flush-loop", "LOGROUTE_INTERVAL: '30'", "- load-test.sh", "target: runtime",
        "target: test", "dockerfile: packaging/docker/Dockerfile", "LOAD_EVENTS: '10000'"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("context: " + kSource + "\n"), std::string::npos)
      << "the build context is the repository root\n"
      << r.out;
  EXPECT_NE(r.out.find("TEST_ENABLED: \"false\""), std::string::npos)
      << "the load test stays off by default\n"
      << r.out;
}

TEST(DockerComposeTest, SettingsComeFromTheEnvironment) {
  ASSERT_TRUE(HaveCommand("docker-compose"));
  RunResult r = ComposeConfig({"TEST_ENABLED=true", "LOGROUTE_PORT=18000", "LOGROUTE_INTERVAL=5",
                               "LOAD_EVENTS=70", "LOAD_WAIT=9", "LOGROUTE_DB_PASSWORD=s3cret"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* expected :
       {"TEST_ENABLED: \"true\"", "published: 18000", "LOGROUTE_INTERVAL: '5'", "LOAD_EVENTS: '70'",
        "LOAD_WAIT: '9'", "MARIADB_PASSWORD: s3cret", "MYSQL_PWD: s3cret"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  }
}

TEST(DockerComposeTest, OneComposeFileOnly) {
  // Two would drift apart; compose finds the root's from packaging/docker too.
  EXPECT_FALSE(fs::exists(kDocker + "compose.yaml"));
  EXPECT_FALSE(fs::exists(kDocker + "docker-compose.yml"));
  EXPECT_FALSE(fs::exists(kSource + "/docker-compose.yml"));
}

// The stages of the Dockerfile: name -> its text, in order.
std::vector<std::pair<std::string, std::string>> Stages(const std::string& dockerfile) {
  std::vector<std::pair<std::string, std::string>> stages;
  size_t from = dockerfile.find("FROM ");
  while (from != std::string::npos) {
    const size_t next = dockerfile.find("\nFROM ", from);
    const std::string text =
        dockerfile.substr(from, next == std::string::npos ? next : next - from);
    const size_t as = text.find(" AS ");
    const size_t eol = text.find('\n');
    stages.emplace_back(as < eol ? text.substr(as + 4, eol - as - 4) : "", text);
    from = next == std::string::npos ? next : next + 1;
  }
  return stages;
}

TEST(DockerfileTest, BuildsOnDebianAndRunsAsANonRootUser) {
  const std::string dockerfile = ReadFileOrDie(kDocker + "Dockerfile");
  const auto stages = Stages(dockerfile);
  ASSERT_EQ(stages.size(), 4u) << dockerfile;
  EXPECT_EQ(stages[0].second.substr(0, stages[0].second.find('\n')),
            "FROM debian:bookworm AS build");
  EXPECT_NE(stages[0].second.find("RUN scripts/install-deps.sh"), std::string::npos)
      << "the build stage installs what the repository's own list says";
  EXPECT_EQ(stages[1].second.substr(0, stages[1].second.find('\n')),
            "FROM debian:bookworm-slim AS base");
  EXPECT_NE(stages[1].second.find("ENTRYPOINT [\"/usr/local/bin/docker-entrypoint.sh\"]"),
            std::string::npos);
  // The last USER of each stage that becomes an image is not root.
  EXPECT_NE(stages[1].second.rfind("\nUSER logroute\n"), std::string::npos);
  EXPECT_EQ(stages[2].first, "test");
  EXPECT_NE(stages[2].second.rfind("\nUSER logroute\n"), std::string::npos);
}

TEST(DockerfileTest, TheDefaultTargetIsTheRuntimeImage) {
  // `docker build` without --target makes the last stage.
  const auto stages = Stages(ReadFileOrDie(kDocker + "Dockerfile"));
  ASSERT_FALSE(stages.empty());
  EXPECT_EQ(stages.back().first, "runtime");
  EXPECT_EQ(stages.back().second, "FROM base AS runtime\nVOLUME /var/lib/logroute\n")
      << "runtime is the base image and its volume, with no test tools";
}

TEST(DockerfileTest, EveryAptInstallLeavesNoCaches) {
  const std::string dockerfile = ReadFileOrDie(kDocker + "Dockerfile");
  int installs = 0;
  for (size_t run = dockerfile.find("\nRUN "); run != std::string::npos;
       run = dockerfile.find("\nRUN ", run + 1)) {
    // A RUN instruction goes on while its lines end with a backslash.
    size_t end = dockerfile.find('\n', run + 1);
    while (end != std::string::npos && dockerfile[end - 1] == '\\') {
      end = dockerfile.find('\n', end + 1);
    }
    const std::string instruction = dockerfile.substr(run + 1, end - run - 1);
    if (instruction.find("apt-get install") == std::string::npos) continue;
    ++installs;
    EXPECT_NE(instruction.find("apt-get clean"), std::string::npos) << instruction;
    EXPECT_NE(instruction.find("rm -rf /var/lib/apt/lists/*"), std::string::npos) << instruction;
  }
  EXPECT_EQ(installs, 3);
}

TEST(DockerfileTest, CopiesOnlyWhatTheContextHas) {
  // Each COPY source exists in the repository, and .dockerignore keeps none out.
  const std::string dockerfile = ReadFileOrDie(kDocker + "Dockerfile");
  const std::string dockerignore = ReadFileOrDie(kSource + "/.dockerignore");
  int copies = 0;
  for (size_t copy = dockerfile.find("\nCOPY "); copy != std::string::npos;
       copy = dockerfile.find("\nCOPY ", copy + 1)) {
    const std::string line =
        dockerfile.substr(copy + 6, dockerfile.find('\n', copy + 1) - copy - 6);
    if (line.rfind("--from=", 0) == 0) continue;
    std::vector<std::string> words;
    for (size_t at = 0; at < line.size();) {
      const size_t space = line.find(' ', at);
      words.push_back(line.substr(at, space == std::string::npos ? space : space - at));
      at = space == std::string::npos ? line.size() : space + 1;
    }
    ASSERT_GE(words.size(), 2u) << line;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      ++copies;
      EXPECT_TRUE(fs::exists(kSource + "/" + words[i])) << line;
      const std::string top = words[i].substr(0, words[i].find('/'));
      EXPECT_EQ(dockerignore.find("\n" + top + "/\n"), std::string::npos) << line;
    }
  }
  EXPECT_GE(copies, 10);
}

TEST(DockerignoreTest, KeepsOutTheHistoryAndAllThatGitIgnores) {
  // The classic builder reads only the root's .dockerignore; it must keep out
  // local build trees and spools as git does, or they go into every context.
  const std::string dockerignore = ReadFileOrDie(kSource + "/.dockerignore");
  std::set<std::string> patterns;
  std::istringstream lines(dockerignore);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    patterns.insert(line);
  }
  EXPECT_TRUE(patterns.count(".git/")) << dockerignore;
  std::istringstream gitignore(ReadFileOrDie(kSource + "/.gitignore"));
  for (std::string line; std::getline(gitignore, line);) {
    if (line.empty() || line[0] == '#') continue;
    // git anchors "/x" to the root; .dockerignore patterns always are.
    const std::string pattern = line[0] == '/' ? line.substr(1) : line;
    EXPECT_TRUE(patterns.count(pattern)) << pattern << " is in .gitignore, not in .dockerignore";
  }
  EXPECT_FALSE(fs::exists(kDocker + "Dockerfile.dockerignore"))
      << "BuildKit would prefer it to the root's file, and the two would drift";
}

}  // namespace
}  // namespace logroute::testing::ops
