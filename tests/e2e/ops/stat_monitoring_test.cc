// logroute-stat for monitoring: the Prometheus text, the thresholds that make
// a Nagios-style check, --watch, and the per-shard bar that shows skew.
// (The exposition format is checked here line by line: promtool comes only
// with Debian's 96 MB prometheus package.)
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "libcore/base/crc32c.h"
#include "tests/e2e/ops/ops_util.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace logroute::testing::ops {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Rewrites every record of every active file as received `age` seconds ago,
// with a valid checksum (doc/spool-format.md), so that ages can be tested.
void AgeRecords(const std::string& spool, int64_t age) {
  const int64_t then = static_cast<int64_t>(std::time(nullptr)) - age;
  for (const auto& shard : std::filesystem::directory_iterator(spool)) {
    const std::string active = shard.path().string() + "/active";
    if (!std::filesystem::exists(active)) continue;
    std::string out;
    for (const std::string& line : Lines(ReadFileOrDie(active))) {
      const size_t tab1 = line.find('\t'), tab2 = line.find('\t', tab1 + 1);
      const std::string body = std::to_string(then) + line.substr(tab2);
      char crc[9];
      std::snprintf(crc, sizeof crc, "%08x", Crc32c(body));
      out += std::string(crc) + "\t" + body + "\n";
    }
    WriteFileOrDie(active, out);
  }
}

// The shard -> bar column of the table.
std::map<int, std::string> Bars(const std::string& table) {
  std::map<int, std::string> bars;
  static const std::regex kShardRow(R"(^(\d+)\s+.*\s([#.]{20})$)");
  for (const std::string& line : Lines(table)) {
    std::smatch m;
    if (std::regex_match(line, m, kShardRow)) bars[std::stoi(m[1])] = m[2];
  }
  return bars;
}

TEST(StatPrometheusTest, IsWellFormedTextExposition) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 7);
  RunResult r = Exec({kStat, "--spool", dir.Path("spool"), "--prometheus"}, Clean());
  ASSERT_EQ(r.exit_code, 0) << r.err;

  static const std::regex kHelp(R"(^# HELP (logroute_[a-z0-9_]+) \S.*$)");
  static const std::regex kType(R"(^# TYPE (logroute_[a-z0-9_]+) (gauge|counter)$)");
  static const std::regex kSample(
      R"(^(logroute_[a-z0-9_]+)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")"
      R"((?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)$)");
  std::set<std::string> helped, typed, series;
  std::string current_family;
  uint64_t events = 0;
  int samples = 0;
  for (const std::string& line : Lines(r.out)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "two HELP lines for " << m[1];
      current_family = m[1];
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_EQ(m[1], current_family) << "TYPE without its HELP: " << line;
      EXPECT_TRUE(typed.insert(m[1]).second) << "two TYPE lines for " << m[1];
    } else if (std::regex_match(line, m, kSample)) {
      ++samples;
      EXPECT_EQ(m[1], current_family) << "sample outside its family: " << line;
      EXPECT_TRUE(typed.count(m[1])) << "sample before its TYPE: " << line;
      EXPECT_TRUE(series.insert(std::string(m[1]) + std::string(m[2])).second)
          << "duplicate series: " << line;
      if (m[1] == "logroute_spool_events") events += std::stoull(m[3]);
    } else {
      ADD_FAILURE() << "not a valid exposition line: '" << line << "'";
    }
  }
  EXPECT_GE(samples, 10);
  EXPECT_EQ(events, 7u) << "the samples of logroute_spool_events add up to the backlog";
  EXPECT_TRUE(typed.count("logroute_spool_oldest_event_age_seconds"));
  EXPECT_TRUE(typed.count("logroute_spool_reject_entries"));
}

// The samples of `family` in a Prometheus text, added up.
uint64_t SumOf(const std::string& text, const std::string& family) {
  uint64_t sum = 0;
  for (const std::string& line : Lines(text)) {
    if (line.starts_with(family + "{") || line.starts_with(family + " ")) {
      sum += std::stoull(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

TEST(StatTextfileTest, WritesThePrometheusTextAndPrintsNothingElse) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 7);
  WriteFileOrDie(dir.Path("logroute.prom"), "stale\n");
  RunResult r =
      Exec({kStat, "--spool", dir.Path("spool"), "--textfile", dir.Path("logroute.prom")}, Clean());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "") << "a timer's run mails nothing";
  const std::string text = ReadFileOrDie(dir.Path("logroute.prom"));
  EXPECT_EQ(text.find("stale"), std::string::npos) << "replaced";
  EXPECT_EQ(SumOf(text, "logroute_spool_events"), 7u) << text;
  EXPECT_NE(text.find("# TYPE logroute_spool_table_events gauge\n"), std::string::npos) << text;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename();
    EXPECT_TRUE(name == "spool" || name == "logroute.prom") << "left behind: " << name;
  }
}

// The old recipe, `stat --prometheus > f.tmp && mv f.tmp f.prom`, skipped the
// mv exactly when the alert should fire.
TEST(StatTextfileTest, StillWrittenWhenAThresholdIsCrossedWhichExitsOne) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 5);
  RunResult r = Exec(
      {kStat, "--spool", dir.Path("spool"), "--textfile", dir.Path("m.prom"), "--max-events", "4"},
      Clean());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("5 events waiting > --max-events 4"), std::string::npos) << r.err;
  EXPECT_EQ(SumOf(ReadFileOrDie(dir.Path("m.prom")), "logroute_spool_events"), 5u);
}

TEST(StatTextfileTest, AFailedWriteHasItsOwnExitStatusNotTheThresholds) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 5);
  RunResult r = Exec({kStat, "--spool", dir.Path("spool"), "--textfile",
                      dir.Path("no-such-dir/m.prom"), "--max-events", "4"},
                     Clean());
  EXPECT_EQ(r.exit_code, 73) << r.err;
  EXPECT_NE(r.err.find(dir.Path("no-such-dir/m.prom")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--max-events 4"), std::string::npos) << "the threshold is still said\n"
                                                             << r.err;
}

TEST(StatTextfileTest, JsonOnStandardOutputTextfileBeside) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 3);
  RunResult r = Exec(
      {kStat, "--spool", dir.Path("spool"), "--json", "--textfile", dir.Path("m.prom")}, Clean());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["totals"]["events"], 3);
  EXPECT_EQ(SumOf(ReadFileOrDie(dir.Path("m.prom")), "logroute_spool_events"), 3u);
  EXPECT_EQ(Exec({kStat, "--spool", dir.Path("spool"), "--watch", "--textfile", dir.Path("m.prom")},
                 Clean())
                .exit_code,
            64);
}

// Events for two tables: logs (login) and signups.
std::string TwoTablesSpool(const TempDir& dir, int logins, int signups) {
  std::string input = Events(logins);
  for (int i = 0; i < signups; ++i) {
    input += R"({"unix_ts":1684129671,"user_id":)" + std::to_string(i) +
             R"(,"event_name":"signup"})" + "\n";
  }
  RunResult r = Exec({kRecv, "--stdin", "--spool", dir.Path("spool"), "--shards", "2", "--route",
                      "signup=signups"},
                     Clean({}, input));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir.Path("spool");
}

TEST(StatTablesTest, JsonAndPrometheusShowTheBacklogPerDestinationTable) {
  TempDir dir;
  const std::string spool = TwoTablesSpool(dir, 4, 3);
  RunResult json = Exec({kStat, "--spool", spool, "--json"}, Clean());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["tables"].size(), 2u) << json.out;
  EXPECT_EQ(doc["tables"][0]["table"], "logs");
  EXPECT_EQ(doc["tables"][0]["events"], 4);
  EXPECT_EQ(doc["tables"][1]["table"], "signups");
  EXPECT_EQ(doc["tables"][1]["events"], 3);
  EXPECT_EQ(doc["tables"][0]["bytes"].get<uint64_t>() + doc["tables"][1]["bytes"].get<uint64_t>(),
            doc["totals"]["bytes"].get<uint64_t>());
  EXPECT_TRUE(doc["tables"][1]["oldest_age_seconds"].is_number());

  RunResult prometheus = Exec({kStat, "--spool", spool, "--prometheus"}, Clean());
  EXPECT_NE(prometheus.out.find(",table=\"signups\"} 3\n"), std::string::npos) << prometheus.out;
  EXPECT_EQ(SumOf(prometheus.out, "logroute_spool_table_events"), 7u) << prometheus.out;
}

TEST(StatTableTest, SeparatorsDistinctTitlesAndOneEventNotOneEvents) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 1234, 1);
  RunResult r = Exec({kStat, "--spool", dir.Path("spool")}, Clean());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("total: 1,234 events, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; rejects: 0 entries in 0 files"), std::string::npos) << r.out;
  static const std::regex kRow(R"(^0\s+1,234\s)");
  static const std::regex kTableRow(R"(^logs\s+1,234\s)");
  bool row = false, table_row = false;
  for (const std::string& line : Lines(r.out)) {
    row = row || std::regex_search(line, kRow);
    table_row = table_row || std::regex_search(line, kTableRow);
    if (!line.starts_with("shard ") && !line.starts_with("table ")) continue;
    // Columns are two or more spaces apart; each title once.
    static const std::regex kGap(R"(\s{2,})");
    std::set<std::string> titles;
    size_t count = 0;
    for (std::sregex_token_iterator it(line.begin(), line.end(), kGap, -1), end; it != end; ++it) {
      if (it->str().empty()) continue;
      ++count;
      EXPECT_TRUE(titles.insert(*it).second) << "title twice: '" << *it << "' in " << line;
    }
    EXPECT_GE(count, line.starts_with("shard ") ? 9u : 4u) << line;
  }
  EXPECT_TRUE(row) << r.out;
  EXPECT_TRUE(table_row) << r.out;

  TempDir one;
  SpoolEvents(one.Path("spool"), 1, 1);
  std::filesystem::create_directories(one.Path("spool/rejects"));
  WriteFileOrDie(one.Path("spool/rejects/shard-00-seg-1.rej"), "a reject\n");
  r = Exec({kStat, "--spool", one.Path("spool")}, Clean());
  EXPECT_NE(r.out.find("total: 1 event, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", 0 segments, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; rejects: 1 entry in 1 file\n"), std::string::npos) << r.out;
}

TEST(StatThresholdsTest, MaxEventsExitsOneNamingTheThreshold) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 5);
  RunResult under = Exec({kStat, "--spool", dir.Path("spool"), "--max-events", "5"}, Clean());
  EXPECT_EQ(under.exit_code, 0) << under.err;
  RunResult over = Exec({kStat, "--spool", dir.Path("spool"), "--max-events", "4"}, Clean());
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find("5 events waiting > --max-events 4"), std::string::npos) << over.err;
  EXPECT_NE(over.out.find("total: 5 events"), std::string::npos) << "the report still prints";
}

TEST(StatThresholdsTest, MaxAgeExitsOneNamingTheThreshold) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 4);
  AgeRecords(dir.Path("spool"), 600);
  RunResult young = Exec({kStat, "--spool", dir.Path("spool"), "--max-age", "3600"}, Clean());
  EXPECT_EQ(young.exit_code, 0) << young.err;
  RunResult old = Exec({kStat, "--spool", dir.Path("spool"), "--max-age", "60"}, Clean());
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_NE(old.err.find("> --max-age 60"), std::string::npos) << old.err;
  EXPECT_NE(old.err.find("oldest event waited 6"), std::string::npos)
      << old.err;  // 600 s, or a bit more
}

TEST(StatThresholdsTest, BothThresholdsAreNamed) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 3);
  AgeRecords(dir.Path("spool"), 600);
  RunResult r =
      Exec({kStat, "--spool", dir.Path("spool"), "--json", "--max-age", "60", "--max-events", "1"},
           Clean());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--max-age 60"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--max-events 1"), std::string::npos) << r.err;
}

TEST(StatThresholdsTest, AnEmptySpoolCrossesNothing) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 0);
  RunResult r =
      Exec({kStat, "--spool", dir.Path("spool"), "--max-age", "0", "--max-events", "0"}, Clean());
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(StatTableTest, TheBarShowsASkewedShard) {
  TempDir dir;
  const std::string spool = dir.Path("spool");
  SpoolEvents(spool, 1, /*shards=*/3);
  // One batch lands in one shard; copy its record so that this shard holds
  // 100 records and another holds one.
  std::string full, single;
  for (int shard = 0; shard < 3; ++shard) {
    const std::string active = spool + "/shard-0" + std::to_string(shard) + "/active";
    if (std::filesystem::exists(active) && std::filesystem::file_size(active) > 0) full = active;
  }
  ASSERT_FALSE(full.empty());
  const std::string record = ReadFileOrDie(full);
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += record;
  WriteFileOrDie(full, hundred);
  const int full_shard = full[full.size() - std::string("N/active").size()] - '0';
  const int single_shard = (full_shard + 1) % 3, empty_shard = (full_shard + 2) % 3;
  WriteFileOrDie(spool + "/shard-0" + std::to_string(single_shard) + "/active", record);

  RunResult r = Exec({kStat, "--spool", spool}, Clean());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::map<int, std::string> bars = Bars(r.out);
  ASSERT_EQ(bars.size(), 3u) << r.out;
  EXPECT_EQ(bars.at(full_shard), std::string(20, '#')) << r.out;
  EXPECT_EQ(bars.at(single_shard), '#' + std::string(19, '.')) << "any backlog shows\n" << r.out;
  EXPECT_EQ(bars.at(empty_shard), std::string(20, '.')) << r.out;
  EXPECT_NE(r.out.find("total: 101 events"), std::string::npos) << r.out;
}

TEST(StatWatchTest, RefusesWhenStandardOutputIsNotATerminal) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 2);
  RunResult r = Exec({kStat, "--spool", dir.Path("spool"), "--watch", "1"}, Clean());
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("terminal"), std::string::npos) << r.err;
}

TEST(StatWatchTest, ExcludesMachineFormats) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 2);
  EXPECT_EQ(Exec({kStat, "--spool", dir.Path("spool"), "--watch", "--json"}, Clean()).exit_code,
            64);
  EXPECT_EQ(
      Exec({kStat, "--spool", dir.Path("spool"), "--prometheus", "--watch"}, Clean()).exit_code,
      64);
}

// Runs stat --watch on a pseudo-terminal until it has drawn `screens` screens,
// then sends SIGINT; returns what it drew and sets *status to its exit status.
std::string WatchOnTerminal(const std::string& spool, int screens, int* status) {
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
    ADD_FAILURE() << "openpty failed";
    return "";
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, slave, STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, master);
  std::vector<std::string> args = {kStat, "--spool", spool, "--watch", "0.2"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(slave);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start stat";
    ::close(master);
    return "";
  }
  std::string screen;
  const std::string kClear = "\033[H\033[2J";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto count = [&] {
    int n = 0;
    for (size_t at = screen.find(kClear); at != std::string::npos;
         at = screen.find(kClear, at + 1)) {
      ++n;
    }
    return n;
  };
  char buffer[4096];
  // Wait until the screen after `screens` is being drawn: the earlier ones are whole.
  while (count() <= screens && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) break;
    screen.append(buffer, static_cast<size_t>(n));
  }
  ::kill(pid, SIGINT);
  while (true) {  // drain, so that the child never blocks on a full terminal
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) break;
    screen.append(buffer, static_cast<size_t>(n));
  }
  ::close(master);
  *status = Wait(pid);
  return screen;
}

TEST(StatWatchTest, RedrawsTheTableOnATerminalUntilInterrupted) {
  TempDir dir;
  SpoolEvents(dir.Path("spool"), 6);
  int status = -1;
  const std::string screen = WatchOnTerminal(dir.Path("spool"), 2, &status);
  EXPECT_EQ(status, 0) << "SIGINT ends a watch normally";
  size_t tables = 0;
  for (size_t at = screen.find("total: 6 events"); at != std::string::npos;
       at = screen.find("total: 6 events", at + 1)) {
    ++tables;
  }
  EXPECT_GE(tables, 2u) << screen;
  EXPECT_NE(screen.find("Every 0.2s: logroute-stat"), std::string::npos) << screen;
}

}  // namespace
}  // namespace logroute::testing::ops
