// Mistakes are errors (exit 64) that name the culprit, in all three tools: an
// unknown option, a stray argument, a config key no tool knows (with its
// line), a bad value (with where it came from); --check-config shows every
// setting and its source; LOGROUTE_ROUTE holds several routes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "libcore/config/tool_options.h"
#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::ops {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class StrictOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { SpoolEvents(Spool(), 2); }
  std::string Spool() const { return dir_.Path("spool"); }
  std::string Db() const { return "sqlite:" + dir_.Path("events.db"); }
  // Each tool with what it needs to run, and `extra` after it.
  std::vector<std::vector<std::string>> EveryTool(const std::vector<std::string>& extra) const {
    std::vector<std::vector<std::string>> runs = {{kRecv, "--stdin", "--spool", Spool()},
                                                  {kFlush, "--spool", Spool(), "--db", Db()},
                                                  {kStat, "--spool", Spool()}};
    for (auto& run : runs) run.insert(run.end(), extra.begin(), extra.end());
    return runs;
  }
  // The backlog of the spool, as stat --json tells it: events, bytes, segments.
  std::string Backlog() const {
    RunResult r = Exec({kStat, "--spool", Spool(), "--json"}, Clean());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json totals = nlohmann::json::parse(r.out)["totals"];
    return totals["events"].dump() + " " + totals["bytes"].dump() + " " + totals["segments"].dump();
  }
  TempDir dir_;
};

TEST_F(StrictOptionsTest, AMisspeltOptionExits64NamingItAndDoesNothing) {
  const std::string before = Backlog();
  RunResult flush = Exec({kFlush, "--spool", Spool(), "--db", Db(), "--tabel", "app_log"}, Clean());
  EXPECT_EQ(flush.exit_code, 64) << flush.err;
  EXPECT_TRUE(Has(flush.err, "unknown option --tabel (did you mean --table?)")) << flush.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("events.db")));
  EXPECT_EQ(Backlog(), before);  // nothing was flushed

  RunResult stat = Exec({kStat, "--spool", Spool(), "--max-ag", "1"}, Clean());
  EXPECT_EQ(stat.exit_code, 64);
  EXPECT_TRUE(Has(stat.err, "unknown option --max-ag (did you mean --max-age?)")) << stat.err;
  EXPECT_EQ(stat.out, "");

  RunResult recv =
      Exec({kRecv, "--stdin", "--spool", Spool(), "--fsynk", "always"}, Clean({}, Events(3)));
  EXPECT_EQ(recv.exit_code, 64);
  EXPECT_TRUE(Has(recv.err, "unknown option --fsynk (did you mean --fsync?)")) << recv.err;
  EXPECT_EQ(Backlog(), before);  // nothing was spooled

  for (const auto& argv : EveryTool({"--no-such-thing=1"})) {
    RunResult r = Exec(argv, Clean({}, Events(1)));
    EXPECT_EQ(r.exit_code, 64) << argv[0];
    EXPECT_TRUE(Has(r.err, "unknown option --no-such-thing\n")) << r.err;
  }
}

TEST_F(StrictOptionsTest, AStrayArgumentExits64NamingIt) {
  const std::string before = Backlog();
  for (const auto& argv : EveryTool({"app_log"})) {
    RunResult r = Exec(argv, Clean({}, Events(1)));
    EXPECT_EQ(r.exit_code, 64) << argv[0] << ": " << r.err;
    EXPECT_TRUE(Has(r.err, "not expected: app_log")) << r.err;
  }
  EXPECT_EQ(Backlog(), before);
}

TEST_F(StrictOptionsTest, AnUnknownConfigKeyIsAnErrorWithItsFileAndLine) {
  const std::string conf = dir_.Path("bad.conf");
  WriteFileOrDie(conf, "# logroute\nlog_level = warn\ntabel = app_log\n");
  for (const auto& argv : EveryTool({"--config", conf})) {
    RunResult r = Exec(argv, Clean({}, Events(1)));
    EXPECT_EQ(r.exit_code, 64) << argv[0];
    EXPECT_TRUE(Has(r.err, conf + ":3: unknown key 'tabel': no logroute tool has an option "
                                  "--tabel (did you mean 'table'?)"))
        << r.err;
  }
  // The same file from LOGROUTE_CONFIG.
  RunResult r = Exec({kStat, "--spool", Spool()}, Clean({"LOGROUTE_CONFIG=" + conf}));
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, conf + ":3: unknown key 'tabel'")) << r.err;
  // A syntax error names its line too.
  WriteFileOrDie(conf, "spool = x\n\nroute = [\"a=b\"\n");
  r = Exec({kStat, "--config", conf}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, conf + ":3: the list opened here has no closing ']'")) << r.err;
}

TEST_F(StrictOptionsTest, AKeyOfAnotherToolIsNoErrorButTheToolsOwnKeyApplies) {
  // One file for the three tools: each takes its own keys and ignores the others'.
  const std::string conf = dir_.Path("shared.conf");
  WriteFileOrDie(conf,
                 "spool = " + Spool() +
                     "\nthreads = 3\nfsync = always\n"  // recv's
                     "db = " +
                     Db() +
                     "\ntable = shared_table\n"  // flush's
                     "max_events = 0\n");        // stat's
  RunResult recv = Exec({kRecv, "--stdin", "--config", conf}, Clean({}, Events(1)));
  EXPECT_EQ(recv.exit_code, 0) << recv.err;
  RunResult stat = Exec({kStat, "--config", conf}, Clean());
  EXPECT_EQ(stat.exit_code, 1) << stat.err;  // max_events = 0 applies
  RunResult flush = Exec({kFlush, "--config", conf}, Clean());
  EXPECT_EQ(flush.exit_code, 0) << flush.err;
  RunResult rows =
      Sh("sqlite3 " + ShellQuote(dir_.Path("events.db")) + " 'SELECT count(*) FROM shared_table'");
  EXPECT_EQ(rows.out, "3\n") << rows.err;
}

TEST_F(StrictOptionsTest, ABadValueSaysWhereItCameFrom) {
  const std::string conf = dir_.Path("values.conf");
  WriteFileOrDie(conf, "# recv\n\nthreads = 0\nroute = [\"signup=sign-ups\"]\n");
  const std::vector<std::string> recv = {kRecv, "--spool", Spool(), "--print-chain"};

  RunResult r = Exec({kRecv, "--spool", Spool(), "--print-chain", "--threads", "0"}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err,
                  "--threads: Value 0 not in range 1 to 256 (--threads from the "
                  "command line)"))
      << r.err;
  r = Exec(recv, Clean({"LOGROUTE_THREADS=0"}));
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, "(--threads from LOGROUTE_THREADS)")) << r.err;
  r = Exec({kRecv, "--spool", Spool(), "--print-chain", "--config", conf}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, "(--threads from " + conf + ":3)")) << r.err;
  // Values the tool judges after parsing say it too.
  r = Exec({kRecv, "--spool", Spool(), "--print-chain", "--config", conf, "--threads", "2"},
           Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, "--route 'signup=sign-ups' (NAME=TABLE): table name 'sign-ups'")) << r.err;
  EXPECT_TRUE(Has(r.err, "(--route from " + conf + ":4)")) << r.err;
  r = Exec({kFlush, "--spool", Spool(), "--db", Db()}, Clean({"LOGROUTE_TABLE=app-log"}));
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, "--table: table name 'app-log'")) << r.err;
  EXPECT_TRUE(Has(r.err, "(--table from LOGROUTE_TABLE)")) << r.err;
  r = Exec({kFlush, "--spool", Spool(), "--db", "postgres://x"}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, "(--db from the command line)")) << r.err;
  // A required option that nothing gave says where it could come from.
  r = Exec({kStat}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err,
                  "--spool is required (give it on the command line, as LOGROUTE_SPOOL, "
                  "or as 'spool' in the config file)"))
      << r.err;
}

// A misspelt level used to mean "info" without a word: the operator who asked
// for debug output got none and was not told why.
TEST_F(StrictOptionsTest, AnUnknownLogLevelExits64NamingTheLevels) {
  const std::string before = Backlog();
  const std::string levels = "not in {trace,debug,info,warn,warning,error,err,critical,off}";
  for (const auto& argv : EveryTool({"--log-level", "verbose"})) {
    RunResult r = Exec(argv, Clean({}, Events(1)));
    EXPECT_EQ(r.exit_code, 64) << argv[0];
    EXPECT_TRUE(
        Has(r.err, "--log-level: verbose " + levels + " (--log-level from the command line)"))
        << r.err;
  }
  for (const auto& argv : EveryTool({})) {
    RunResult r = Exec(argv, Clean({"LOGROUTE_LOG_LEVEL=DEBUG"}, Events(1)));
    EXPECT_EQ(r.exit_code, 64) << argv[0];
    EXPECT_TRUE(Has(r.err, "DEBUG " + levels + " (--log-level from LOGROUTE_LOG_LEVEL)")) << r.err;
  }
  const std::string conf = dir_.Path("level.conf");
  WriteFileOrDie(conf, "log_level = loud\n");
  RunResult r = Exec({kStat, "--spool", Spool(), "--config", conf}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, "loud " + levels + " (--log-level from " + conf + ":1)")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Backlog(), before);  // nothing was spooled or flushed

  // spdlog's other names still work, and are shown by the one name.
  r = Exec({kStat, "--spool", Spool(), "--log-level", "warning", "--check-config"}, Clean());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "log_level = warn ")) << r.out;
  // And a level does what it says: err hides recv's closing summary (info).
  const std::vector<std::string> recv = {kRecv, "--stdin", "--spool", Spool()};
  r = Exec(recv, Clean({}, Events(1)));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, "info: Done: accepted=1 ")) << r.err;
  r = Exec(recv, Clean({"LOGROUTE_LOG_LEVEL=err"}, Events(1)));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(StrictOptionsTest, LogrouteRouteHoldsOneRouteALine) {
  RunResult r = Exec({kRecv, "--spool", Spool(), "--print-chain"},
                     Clean({"LOGROUTE_ROUTE=signup=signups\npage view=views\n"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "route signup -> signups\nroute page view -> views\nroute login -> logs\n"
            "route logout -> logs\nunrouted reject\n");
  // The command line replaces the environment's routes, as for any option.
  r = Exec({kRecv, "--spool", Spool(), "--print-chain", "--route", "a=t"},
           Clean({"LOGROUTE_ROUTE=signup=signups\npage view=views"}));
  EXPECT_EQ(r.out, "route a -> t\nroute login -> logs\nroute logout -> logs\nunrouted reject\n");
  // No route's name can hold a line break (or another control character).
  r = Exec({kRecv, "--spool", Spool(), "--print-chain", "--route", "a\tb=t"}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_TRUE(Has(r.err, "the event name holds a control character")) << r.err;
}

TEST_F(StrictOptionsTest, CheckConfigPrintsEverySettingWithItsSource) {
  const std::string conf = dir_.Path("check.conf");
  WriteFileOrDie(conf, "spool = " + Spool() + "\n\nfsync = always\ndb = " + Db() + "\n");
  RunResult r = Exec({kRecv, "--config", conf, "--check-config", "--threads", "4"},
                     Clean({"LOGROUTE_ROUTE=a=t1\nb=t2"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // In the order of --help.
  const std::vector<std::string> expected = {"# logroute-recv: every setting is valid",
                                             "spool = " + Spool() + " ",
                                             "# " + conf + ":1\n",
                                             "listen = 127.0.0.1:8000 ",
                                             "# default\n",
                                             "fsync = always ",
                                             "# " + conf + ":3\n",
                                             "route = [\"a=t1\", \"b=t2\"] ",
                                             "# LOGROUTE_ROUTE\n",
                                             "strict = false ",
                                             "# default\n",
                                             "#token_file = ",
                                             "# not set\n",
                                             "threads = 4 ",
                                             "# the command line\n",
                                             "sync_threads = 8 ",
                                             "# default\n"};
  size_t at = 0;
  for (const std::string& part : expected) {
    const size_t found = r.out.find(part, at);
    EXPECT_NE(found, std::string::npos) << "'" << part << "' after offset " << at << " in\n"
                                        << r.out;
    if (found != std::string::npos) at = found;
  }
  EXPECT_EQ(r.out.find("check_config"), std::string::npos) << r.out;

  // flush and stat the same, from the same file; nothing is flushed.
  const std::string before = Backlog();
  r = Exec({kFlush, "--config", conf, "--check-config"}, Clean());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "db = " + Db())) << r.out;
  EXPECT_TRUE(Has(r.out, "# " + conf + ":4\n")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.Path("events.db")));
  EXPECT_EQ(Backlog(), before);
  r = Exec({kStat, "--config", conf, "--check-config"}, Clean({"LOGROUTE_MAX_AGE=90"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "max_age = 90")) << r.out;
  EXPECT_TRUE(Has(r.out, "# LOGROUTE_MAX_AGE\n")) << r.out;

  // Invalid: exit 64, the reason on stderr, no settings on stdout.
  r = Exec({kFlush, "--config", conf, "--check-config", "--table", "bad-name"}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Has(r.err, "table name 'bad-name'")) << r.err;
  r = Exec({kRecv, "--config", conf, "--check-config", "--listen", "nowhere"}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.out, "");
}

// --shards sits in the shared file; an existing spool keeps its count (a
// warning says so) rather than stop recv, whose unit would restart forever.
TEST_F(StrictOptionsTest, ShardsInTheConfigFileDoNotStopRecvOnAnExistingSpool) {
  const std::string conf = dir_.Path("shards.conf");
  WriteFileOrDie(conf, "shards = 20\n");
  RunResult r =
      Exec({kRecv, "--stdin", "--spool", Spool(), "--config", conf}, Clean({}, Events(2)));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, "has 3 shards; --shards 20 is ignored")) << r.err;
  EXPECT_TRUE(Has(r.err, "accepted=2")) << r.err;
}

// The table of every tool's options (libcore/config/tool_options.cc) is what
// tells a key of another tool from a mistake: it must match each --help.
TEST(ToolOptionsTest, TheTableListsExactlyTheOptionsOfEachHelp) {
  const std::map<std::string, std::string> paths = {
      {"logroute-recv", kRecv}, {"logroute-flush", kFlush}, {"logroute-stat", kStat}};
  ASSERT_EQ(config::AllToolOptions().size(), paths.size());
  for (const config::ToolOptions& tool : config::AllToolOptions()) {
    std::set<std::string> help = HelpOptions(paths.at(std::string(tool.tool)));
    for (const char* meta : {"help", "version", "config", "check-config"}) {
      EXPECT_EQ(help.erase(meta), 1u) << tool.tool << " --" << meta;
    }
    const std::set<std::string> table(tool.options.begin(), tool.options.end());
    EXPECT_EQ(table, help) << tool.tool;
  }
}

}  // namespace
}  // namespace logroute::testing::ops
