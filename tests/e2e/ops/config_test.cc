// Configuration: precedence flag > LOGROUTE_* environment > config file >
// default, for stat and flush (recv is covered with the foundation's tests),
// and the example config of packaging/ accepted by every tool.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

const std::string kExampleConfig = kSource + "/packaging/logroute.conf";

// stat --max-events: each layer shows in the threshold the warning names.
class StatPrecedenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SpoolEvents(dir_.Path("spool"), 2);
    WriteFileOrDie(dir_.Path("stat.conf"), "# a comment\nmax_events = 0\n");
  }
  RunResult Stat(std::vector<std::string> extra_args, std::vector<std::string> env) {
    std::vector<std::string> argv = {kStat, "--spool", dir_.Path("spool")};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return Exec(argv, Clean(std::move(env)));
  }
  TempDir dir_;
};

TEST_F(StatPrecedenceTest, DefaultIsNoThreshold) { EXPECT_EQ(Stat({}, {}).exit_code, 0); }

TEST_F(StatPrecedenceTest, FileBeatsDefault) {
  RunResult r = Stat({"--config", dir_.Path("stat.conf")}, {});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--max-events 0"), std::string::npos) << r.err;
}

TEST_F(StatPrecedenceTest, ConfigFileFromTheEnvironment) {
  RunResult r = Stat({}, {"LOGROUTE_CONFIG=" + dir_.Path("stat.conf")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--max-events 0"), std::string::npos) << r.err;
}

TEST_F(StatPrecedenceTest, EnvironmentBeatsFile) {
  RunResult r = Stat({"--config", dir_.Path("stat.conf")}, {"LOGROUTE_MAX_EVENTS=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--max-events 1"), std::string::npos) << r.err;
}

TEST_F(StatPrecedenceTest, FlagBeatsEnvironmentAndFile) {
  RunResult r =
      Stat({"--config", dir_.Path("stat.conf"), "--max-events", "10"}, {"LOGROUTE_MAX_EVENTS=1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// flush --table: each layer shows in the table the rows land in.
class FlushPrecedenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveCommand("sqlite3")) << "scripts/install-deps.sh installs sqlite3";
    WriteFileOrDie(dir_.Path("flush.conf"), "table = from_file\n");
  }
  // Spools 3 events, flushes them, and returns the event tables of the
  // database, each as "NAME:ROWS".
  std::string FlushAndListTables(std::vector<std::string> extra_args,
                                 std::vector<std::string> env) {
    SpoolEvents(dir_.Path("spool"), 3);
    std::vector<std::string> argv = {kFlush, "--spool", dir_.Path("spool"), "--db",
                                     "sqlite:" + dir_.Path("events.db")};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    RunResult r = Exec(argv, Clean(std::move(env)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    RunResult tables =
        Sh("sqlite3 " + ShellQuote(dir_.Path("events.db")) +
           " \"SELECT name FROM sqlite_master WHERE type = 'table'"
           " AND name NOT LIKE '%ledger%' AND name NOT LIKE 'sqlite_%' ORDER BY name\"");
    EXPECT_EQ(tables.exit_code, 0) << tables.err;
    std::string listed;
    std::istringstream names(tables.out);
    for (std::string name; std::getline(names, name);) {
      RunResult rows = Sh("sqlite3 " + ShellQuote(dir_.Path("events.db")) +
                          " 'SELECT count(*) FROM \"" + name + "\"'");
      listed += name + ":" + rows.out;
    }
    return listed;
  }
  TempDir dir_;
};

TEST_F(FlushPrecedenceTest, DefaultIsTheRecordsTable) {
  EXPECT_EQ(FlushAndListTables({}, {}), "logs:3\n");
}

TEST_F(FlushPrecedenceTest, FileBeatsDefault) {
  EXPECT_EQ(FlushAndListTables({"--config", dir_.Path("flush.conf")}, {}), "from_file:3\n");
}

TEST_F(FlushPrecedenceTest, EnvironmentBeatsFile) {
  EXPECT_EQ(FlushAndListTables({"--config", dir_.Path("flush.conf")}, {"LOGROUTE_TABLE=from_env"}),
            "from_env:3\n");
}

TEST_F(FlushPrecedenceTest, FlagBeatsEnvironmentAndFile) {
  EXPECT_EQ(FlushAndListTables({"--config", dir_.Path("flush.conf"), "--table", "from_flag"},
                               {"LOGROUTE_TABLE=from_env"}),
            "from_flag:3\n");
}

TEST(ExampleConfigTest, EveryToolAcceptsIt) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 2);
  RunResult recv = Exec({kRecv, "--config", kExampleConfig, "--print-chain"}, Clean());
  EXPECT_EQ(recv.exit_code, 0) << recv.err;
  EXPECT_NE(recv.out.find("login -> logs"), std::string::npos) << recv.out;
  RunResult stat = Exec({kStat, "--config", kExampleConfig, "--spool", dir.Path("spool")}, Clean());
  EXPECT_EQ(stat.exit_code, 0) << stat.err;
  EXPECT_EQ(stat.err, "");
  RunResult flush = Exec({kFlush, "--config", kExampleConfig, "--spool", dir.Path("spool"), "--db",
                          "sqlite:" + dir.Path("events.db")},
                         Clean());
  EXPECT_EQ(flush.exit_code, 0) << flush.err;
  EXPECT_EQ(flush.err.find("rror"), std::string::npos) << flush.err;
}

TEST(ExampleConfigTest, EveryValueItSuggestsIsAccepted) {
  // Uncomment every "#key = value" line: each suggested value must parse.
  TempDir dir;
  // The textfile example names node_exporter's directory: write here instead.
  RunResult uncomment =
      Sh("sed -E 's/^#([a-z_]+ = )/\\1/; s|^(textfile = ).*|\\1" + dir.Path("m.prom") + "|' " +
         ShellQuote(kExampleConfig) + " > " + ShellQuote(dir.Path("all.conf")));
  ASSERT_EQ(uncomment.exit_code, 0) << uncomment.err;
  ASSERT_NE(ReadFileOrDie(dir.Path("all.conf")).find("\nfsync = never\n"), std::string::npos);
  RunResult recv = Exec({kRecv, "--config", dir.Path("all.conf"), "--print-chain"}, Clean());
  EXPECT_EQ(recv.exit_code, 0) << recv.err;
  EXPECT_NE(recv.out.find("route signup -> signups"), std::string::npos) << recv.out;
  SpoolEvents(dir.Path("spool"), 2);
  RunResult stat =
      Exec({kStat, "--config", dir.Path("all.conf"), "--spool", dir.Path("spool")}, Clean());
  EXPECT_EQ(stat.exit_code, 0) << stat.err;
  RunResult flush = Exec({kFlush, "--config", dir.Path("all.conf"), "--spool", dir.Path("spool"),
                          "--db", "sqlite:" + dir.Path("events.db")},
                         Clean());
  EXPECT_EQ(flush.exit_code, 0) << flush.err;
  EXPECT_NE(flush.err.find("app_log:2"), std::string::npos) << "table = app_log applies\n"
                                                            << flush.err;
}

TEST(ExampleConfigTest, ItsActiveKeysAreThePackagedPaths) {
  const std::string config = ReadFileOrDie(kExampleConfig);
  EXPECT_NE(config.find("\nspool = /var/lib/logroute/spool\n"), std::string::npos);
  EXPECT_NE(config.find("\ndb = sqlite:/var/lib/logroute/logroute.db\n"), std::string::npos);
  // Mode options stay on the command line (see the file's header).
  for (const char* mode : {"\nstdin", "\nlisten", "\nloop", "\njson", "\nprometheus", "\nwatch",
                           "\nrejects ", "\npurge_rejects", "\nreplay_rejects", "\nforce"}) {
    EXPECT_EQ(config.find(mode), std::string::npos) << mode;
  }
}

TEST(ExampleConfigTest, DocumentsEveryOptionOfEveryTool) {
  const std::string config = ReadFileOrDie(kExampleConfig);
  // Commands, not settings: they belong on a command line, never in the file.
  const std::set<std::string> skip = {
      "help",  "version", "config",     "check-config",  "stdin",          "listen",
      "loop",  "json",    "prometheus", "watch",         "print-chain",    "new-spool-id",
      "spool", "db",      "rejects",    "purge-rejects", "replay-rejects", "force"};
  for (const std::string& tool : {kRecv, kFlush, kStat}) {
    for (std::string name : HelpOptions(tool)) {
      if (skip.count(name)) continue;
      std::replace(name.begin(), name.end(), '-', '_');
      EXPECT_NE(config.find("#" + name + " = "), std::string::npos)
          << name << " (" << tool << ") is not in packaging/logroute.conf";
    }
  }
}

}  // namespace
}  // namespace logroute::testing::ops
