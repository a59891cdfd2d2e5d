// logroute-recv --stdin and logroute-stat, as built, on temporary spools:
// what lands in the spool, what is reported, the exit statuses, the options
// from flags, LOGROUTE_* variables and a config file, and several recv
// processes sharing one spool.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "libcore/spool/spool.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/spool/spool_test_util.h"

namespace logroute {
namespace {

using testing::Run;
using testing::RunOptions;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFileOrDie;

struct Row {
  std::string table;
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string event_name;
  int64_t recv_ts = 0;
};

std::string Event(int64_t user_id, const std::string& name = "login", int64_t ts = 1684129671) {
  return R"({"unix_ts":)" + std::to_string(ts) + R"(,"user_id":)" + std::to_string(user_id) +
         R"(,"event_name":")" + name + R"("})";
}

// Every record of the spool at `dir`, shard by shard, segments before active.
// Fails the test on a line that is not a valid record.
std::vector<Row> SpoolRows(const std::string& dir) {
  std::vector<Row> rows;
  Result<spool::Spool> spool = spool::Spool::Open(dir, {});
  EXPECT_TRUE(spool.ok()) << spool.status().message();
  if (!spool.ok()) return rows;
  for (int shard = 0; shard < spool->shards(); ++shard) {
    for (const std::string& file : spool::testing::ShardFiles(*spool, shard)) {
      bool torn = false;
      for (const std::string& line : spool::testing::ReadLines(file, &torn)) {
        const Result<spool::Record> record = spool::DecodeRecord(line);
        EXPECT_TRUE(record.ok()) << file << ": " << line << ": " << record.status().message();
        if (!record.ok()) continue;
        Row row{std::string(record->table), record->unix_ts, record->user_id, "", record->recv_ts};
        spool::UnescapeName(record->escaped_name, &row.event_name);
        rows.push_back(std::move(row));
      }
      EXPECT_FALSE(torn) << file;
    }
  }
  return rows;
}

std::map<int64_t, Row> ByUser(const std::vector<Row>& rows) {
  std::map<int64_t, Row> by_user;
  for (const Row& row : rows) EXPECT_TRUE(by_user.emplace(row.user_id, row).second) << row.user_id;
  return by_user;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class RecvTest : public ::testing::Test {
 protected:
  std::string Spool() const { return tmp_.Path("spool"); }

  // recv --stdin on the test's spool; the environment is cleaned of LOGROUTE_*.
  RunResult Recv(std::vector<std::string> args, const std::string& input,
                 std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {LOGROUTE_RECV_BIN, "--stdin", "--spool", Spool()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, Options(input, std::move(env)));
  }

  RunResult RecvRaw(const std::vector<std::string>& args, std::vector<std::string> env = {},
                    const std::string& input = "") {
    std::vector<std::string> argv = {LOGROUTE_RECV_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, Options(input, std::move(env)));
  }

  RunResult Stat(std::vector<std::string> args, const std::string& spool_dir = "") {
    std::vector<std::string> argv = {LOGROUTE_STAT_BIN, "--spool",
                                     spool_dir.empty() ? Spool() : spool_dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, Options("", {}));
  }

  static RunOptions Options(const std::string& input, std::vector<std::string> env) {
    RunOptions options;
    options.input = input;
    options.env = std::move(env);
    options.unset_env = {"LOGROUTE_SPOOL",  "LOGROUTE_SHARDS",   "LOGROUTE_UNROUTED",
                         "LOGROUTE_ROUTE",  "LOGROUTE_CONFIG",   "LOGROUTE_FSYNC",
                         "LOGROUTE_STRICT", "LOGROUTE_LOG_LEVEL"};
    return options;
  }

  TempDir tmp_;
};

TEST_F(RecvTest, GoodLinesAreSpooledBadLinesReportedAndCounted) {
  const std::string input =
      Event(1) + "\n" + R"({"unix_ts":1,"user_id":"two","event_name":"login"})" + "\n" +
      Event(3, "logout") + "\n" + Event(4, "signup") + "\n" + "not json\n" + Event(6) + "\n";
  RunResult r = Recv({}, input);
  EXPECT_EQ(r.exit_code, 65) << "some line was rejected: not a clean run\n" << r.err;
  EXPECT_TRUE(Contains(r.err, "3 of 6 lines were rejected")) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 2: user_id: expected an integer, got the string \"two\""))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "line 4: event_name: no route for")) << r.err;
  EXPECT_TRUE(Contains(r.err, "signup")) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 5: invalid JSON")) << r.err;
  EXPECT_TRUE(Contains(r.err, "accepted=3 rejected=3 dropped=0 lines=6 tables=logs:3 last_line=6"))
      << r.err;
  const std::map<int64_t, Row> rows = ByUser(SpoolRows(Spool()));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at(1).event_name, "login");
  EXPECT_EQ(rows.at(3).event_name, "logout");
  EXPECT_EQ(rows.at(6).table, "logs");
  EXPECT_EQ(rows.at(6).unix_ts, 1684129671);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  EXPECT_LE(rows.at(6).recv_ts, now);
  EXPECT_GT(rows.at(6).recv_ts, now - 600);
}

TEST_F(RecvTest, NamesWithEscapesSurviveTheSpool) {
  RunResult r = Recv({"--unrouted", "store"},
                     R"({"unix_ts":1,"user_id":1,"event_name":"a\tb\nc\\d\u0000e\u00e9"})"
                     "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<Row> rows = SpoolRows(Spool());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].event_name, std::string("a\tb\nc\\d\0e\xC3\xA9", 11));
  EXPECT_EQ(rows[0].table, "unrouted_events");
}

TEST_F(RecvTest, StrictStopsAtTheFirstBadLineKeepingTheGoodOnesBefore) {
  const std::string input = Event(1) + "\n" + Event(2) + "\n" +
                            R"({"unix_ts":1.5,"user_id":3,"event_name":"login"})" + "\n" +
                            Event(4) + "\n";
  RunResult r = Recv({"--strict"}, input);
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 3: unix_ts: expected an integer")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--strict")) << r.err;
  EXPECT_TRUE(Contains(r.err, "accepted=2 rejected=1 dropped=0 lines=3 tables=logs:2 last_line=2"))
      << "the resume point is the line to fix\n"
      << r.err;
  const std::map<int64_t, Row> rows = ByUser(SpoolRows(Spool()));
  EXPECT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.count(1) + rows.count(2), 2u);
}

TEST_F(RecvTest, CrlfBlankLinesAndALastLineWithoutLf) {
  const std::string input = Event(1) + "\r\n\r\n   \n\t\n" + Event(2) + "\r\n" +
                            R"({"unix_ts":1,"event_name":"login"})" + "\r\n" + Event(3);
  RunResult r = Recv({}, input);
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 6: user_id: this field is required")) << r.err;
  EXPECT_TRUE(Contains(r.err, "accepted=3 rejected=1")) << r.err;
  const std::map<int64_t, Row> rows = ByUser(SpoolRows(Spool()));
  EXPECT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.count(3), 1u);  // the last line, without LF
}

TEST_F(RecvTest, EmptyInputCreatesTheSpoolAndStoresNothing) {
  RunResult r = Recv({"--shards", "2"}, "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "accepted=0 rejected=0 dropped=0 lines=0")) << r.err;
  EXPECT_TRUE(SpoolRows(Spool()).empty());
}

TEST_F(RecvTest, OverlongLineIsRejectedAndTheNextOneAccepted) {
  const std::string padded =
      R"({"unix_ts":1,"user_id":2,"event_name":"login","pad":")" + std::string(200, 'p') + "\"}";
  const std::string huge = R"({"unix_ts":1,"user_id":5,"event_name":"login","pad":")" +
                           std::string(3 << 20, 'h') + "\"}";  // past any read buffer
  const std::string input =
      Event(1) + "\n" + padded + "\n" + Event(3) + "\n" + huge + "\n" + Event(4) + "\n" + "bad\n";
  RunResult r = Recv({"--max-line-bytes", "100"}, input);
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 2: longer than 100 bytes (--max-line-bytes)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 4: longer than 100 bytes (--max-line-bytes)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 6: invalid JSON")) << r.err;
  EXPECT_TRUE(Contains(r.err, "accepted=3 rejected=3 dropped=0 lines=6")) << r.err;
  const std::map<int64_t, Row> rows = ByUser(SpoolRows(Spool()));
  EXPECT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.count(1) + rows.count(3) + rows.count(4), 3u);
}

TEST_F(RecvTest, OverlongLastLineWithoutLfIsRejected) {
  RunResult r = Recv({"--max-line-bytes", "64"},
                     Event(1) + "\n" + R"({"unix_ts":1,"user_id":2,"event_name":"login","p":")" +
                         std::string(100, 'x') + "\"}");
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_TRUE(Contains(r.err, "line 2: longer than 64 bytes")) << r.err;
  EXPECT_EQ(SpoolRows(Spool()).size(), 1u);
}

// Every bad line, past the 1,000 that stderr shows, with its number, its
// reason and the line itself, in the format of rejects/ files.
TEST_F(RecvTest, RejectsFileKeepsEveryBadLineWithoutACap) {
  std::string input;
  for (int i = 1; i <= 1500; ++i) input += "bad " + std::to_string(i) + "\n" + Event(i) + "\n";
  const std::string long_line = R"({"p":")" + std::string(10000, 'p') + "\"}";
  input += long_line + "\n";
  const std::string path = tmp_.Path("bad-lines.txt");
  WriteFileOrDie(path, "kept from before\n");
  RunResult r = Recv({"--rejects-file", path, "--max-line-bytes", "8192"}, input);
  EXPECT_EQ(r.exit_code, 65) << r.err;
  EXPECT_TRUE(Contains(r.err, "accepted=1500 rejected=1501 dropped=0 lines=3001")) << r.err;
  EXPECT_TRUE(Contains(
      r.err, "Further bad lines are counted but not reported here (all are in " + path + ")"))
      << r.err;
  EXPECT_FALSE(Contains(r.err, "line 2999:")) << "stderr stops at 1,000";
  const std::string written = testing::ReadFileOrDie(path);
  std::vector<std::string> lines;
  for (size_t begin = 0, end; (end = written.find('\n', begin)) != std::string::npos;
       begin = end + 1) {
    lines.push_back(written.substr(begin, end - begin));
  }
  ASSERT_EQ(lines.size(), 1502u) << "appended to what the file held";
  EXPECT_EQ(lines[0], "kept from before");
  EXPECT_TRUE(lines[1].starts_with("stdin\tline 1\tinvalid JSON: ")) << lines[1];
  EXPECT_TRUE(lines[1].ends_with("\tbad 1")) << lines[1];
  EXPECT_TRUE(lines[1500].starts_with("stdin\tline 2999\tinvalid JSON")) << lines[1500];
  EXPECT_TRUE(lines[1500].ends_with("\tbad 1500")) << lines[1500];
  EXPECT_TRUE(lines[1501].starts_with("stdin\tline 3001\tlonger than 8192 bytes")) << lines[1501];
  EXPECT_EQ(lines[1501].size(),
            std::string("stdin\tline 3001\t").size() +
                std::string("longer than 8192 bytes (--max-line-bytes)\t").size() + 4096)
      << "the first 4 KiB of a line too long";
  EXPECT_EQ(SpoolRows(Spool()).size(), 1500u);

  // A clean run exits 0 and writes nothing there.
  RunResult clean = Recv({"--rejects-file", path}, Event(5000) + "\n");
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(testing::ReadFileOrDie(path), written);
  // A rejects file that cannot be created stops the run before it reads.
  RunResult unwritable = Recv({"--rejects-file", tmp_.Path("no/such/dir.txt")}, Event(6000) + "\n");
  EXPECT_NE(unwritable.exit_code, 0);
  EXPECT_TRUE(Contains(unwritable.err, tmp_.Path("no/such/dir.txt"))) << unwritable.err;
  EXPECT_EQ(SpoolRows(Spool()).size(), 1501u);
}

TEST_F(RecvTest, FsyncAlwaysWorks) {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += Event(i) + "\n";
  RunResult r = Recv({"--fsync", "always", "--shards", "3"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ByUser(SpoolRows(Spool())).size(), 1000u);
  EXPECT_EQ(Recv({"--fsync", "sometimes"}, "").exit_code, 64);
}

// recv(1): an existing spool keeps its shard count; another --shards is
// ignored with a warning (not refused: it may sit in the shared config file).
TEST_F(RecvTest, ShardMismatchOnAnExistingSpoolIsIgnoredWithAWarning) {
  ASSERT_EQ(Recv({"--shards", "3"}, Event(1) + "\n").exit_code, 0);
  RunResult r = Recv({"--shards", "4"}, Event(2) + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "has 3 shards; --shards 4 is ignored")) << r.err;
  EXPECT_EQ(SpoolRows(Spool()).size(), 2u);
  Result<spool::Spool> spool = spool::Spool::Open(Spool(), {});
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ(spool->shards(), 3);
  RunResult same = Recv({"--shards", "3"}, Event(3) + "\n");
  EXPECT_EQ(same.exit_code, 0);
  EXPECT_FALSE(Contains(same.err, "is ignored")) << same.err;
  EXPECT_EQ(Recv({}, Event(4) + "\n").exit_code, 0);
  EXPECT_EQ(SpoolRows(Spool()).size(), 4u);
}

TEST_F(RecvTest, UnroutedStoreAndDrop) {
  const std::string input = Event(1) + "\n" + Event(2, "signup") + "\n";
  RunResult store = Recv({"--unrouted", "store"}, input);
  EXPECT_EQ(store.exit_code, 0) << store.err;
  EXPECT_TRUE(Contains(store.err, "accepted=2 rejected=0 dropped=0")) << store.err;
  std::map<int64_t, Row> rows = ByUser(SpoolRows(Spool()));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at(2).table, "unrouted_events");

  RunResult drop = Recv({"--unrouted", "drop"}, Event(3) + "\n" + Event(4, "signup") + "\n");
  EXPECT_EQ(drop.exit_code, 0) << drop.err;
  EXPECT_TRUE(Contains(drop.err, "accepted=1 rejected=0 dropped=1")) << drop.err;
  rows = ByUser(SpoolRows(Spool()));
  EXPECT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.count(4), 0u);

  RunResult other = Recv({"--unrouted", "store", "--unrouted-table", "misc"}, Event(5, "x") + "\n");
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(ByUser(SpoolRows(Spool())).at(5).table, "misc");
  EXPECT_EQ(Recv({"--unrouted", "keep"}, "").exit_code, 64);
}

TEST_F(RecvTest, RoutesFromTheCommandLine) {
  RunResult r = Recv({"--route", "signup=accounts", "--route", "login=audit"},
                     Event(1) + "\n" + Event(2, "signup") + "\n" + Event(3, "logout") + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "tables=audit:1,accounts:1,logs:1")) << r.err;
  const std::map<int64_t, Row> rows = ByUser(SpoolRows(Spool()));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at(1).table, "audit");
  EXPECT_EQ(rows.at(2).table, "accounts");
  EXPECT_EQ(rows.at(3).table, "logs");

  RunResult bad = Recv({"--route", "signup=bad-table"}, Event(4) + "\n");
  EXPECT_EQ(bad.exit_code, 64);
  EXPECT_TRUE(Contains(bad.err, "bad-table")) << bad.err;
  EXPECT_EQ(SpoolRows(Spool()).size(), 3u);
}

TEST_F(RecvTest, PrintChain) {
  RunResult r = RecvRaw({"--spool", Spool(), "--print-chain", "--route", "a=t1", "--unrouted",
                         "store", "--no-default-routes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "route a -> t1\nunrouted store -> unrouted_events\n");
  r = RecvRaw({"--spool", Spool(), "--print-chain"});
  EXPECT_EQ(r.out, "route login -> logs\nroute logout -> logs\nunrouted reject\n");
}

// Without --stdin, recv serves HTTP (tests/e2e/http: HttpListenTest).
TEST_F(RecvTest, SpoolIsRequired) {
  RunResult r = RecvRaw({"--stdin"});
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_TRUE(Contains(r.err, "--spool is required")) << r.err;
}

// Precedence: flag > LOGROUTE_* environment > config file > default.
TEST_F(RecvTest, OptionsFromEnvironmentAndConfigFile) {
  const std::string config = tmp_.Path("logroute.conf");
  WriteFileOrDie(config, "unrouted = \"drop\"\nroute = [\"signup=accounts\"]\nshards = 2\n");
  auto last_line = [](const std::string& out) {
    const size_t end = out.find_last_not_of('\n');
    return out.substr(out.rfind('\n', end) + 1, end - out.rfind('\n', end));
  };
  const std::vector<std::string> print = {"--spool", Spool(), "--print-chain"};
  std::vector<std::string> with_config = print;
  with_config.insert(with_config.end(), {"--config", config});

  EXPECT_EQ(last_line(RecvRaw(print).out), "unrouted reject");
  RunResult file = RecvRaw(with_config);
  EXPECT_EQ(file.out,
            "route signup -> accounts\nroute login -> logs\nroute logout -> logs\n"
            "unrouted drop\n");
  EXPECT_EQ(last_line(RecvRaw(with_config, {"LOGROUTE_UNROUTED=store"}).out),
            "unrouted store -> unrouted_events");
  std::vector<std::string> with_flag = with_config;
  with_flag.insert(with_flag.end(), {"--unrouted", "reject"});
  EXPECT_EQ(last_line(RecvRaw(with_flag, {"LOGROUTE_UNROUTED=store"}).out), "unrouted reject");
  // The config file itself from the environment.
  EXPECT_EQ(last_line(RecvRaw(print, {"LOGROUTE_CONFIG=" + config}).out), "unrouted drop");
  EXPECT_EQ(RecvRaw(print, {"LOGROUTE_CONFIG=" + tmp_.Path("missing.conf")}).exit_code, 64);

  // A whole run configured without flags: spool, stdin mode, shards, policy.
  RunResult run =
      RecvRaw({}, {"LOGROUTE_SPOOL=" + Spool(), "LOGROUTE_STDIN=1", "LOGROUTE_CONFIG=" + config},
              Event(1) + "\n" + Event(2, "signup") + "\n" + Event(3, "other") + "\n");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(Contains(run.err, "accepted=2 rejected=0 dropped=1")) << run.err;
  Result<spool::Spool> spool = spool::Spool::Open(Spool(), {});
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ(spool->shards(), 2);  // from the file
  EXPECT_EQ(ByUser(SpoolRows(Spool())).at(2).table, "accounts");
  // The environment's shard count beats the file's; an existing spool keeps
  // its own count, and a warning names both.
  RunResult env_shards = RecvRaw({"--stdin", "--spool", Spool(), "--config", config},
                                 {"LOGROUTE_SHARDS=5"}, Event(4) + "\n");
  EXPECT_EQ(env_shards.exit_code, 0) << env_shards.err;
  EXPECT_TRUE(Contains(env_shards.err, "has 2 shards; --shards 5 is ignored")) << env_shards.err;
  // ...and the flag beats the environment.
  RunResult flag_shards = RecvRaw({"--stdin", "--spool", Spool(), "--shards", "2"},
                                  {"LOGROUTE_SHARDS=5"}, Event(5) + "\n");
  EXPECT_EQ(flag_shards.exit_code, 0) << flag_shards.err;
  EXPECT_FALSE(Contains(flag_shards.err, "is ignored")) << flag_shards.err;
}

TEST_F(RecvTest, StatJsonAfterARun) {
  std::string input;
  for (int i = 0; i < 250; ++i) input += Event(i) + "\n";
  input += "bad line\n";
  ASSERT_EQ(Recv({"--shards", "4"}, input).exit_code, 65) << "a bad line";
  RunResult r = Stat({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(r.out)) << r.out;
  Result<spool::Spool> spool = spool::Spool::Open(Spool(), {});
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ(doc["format"], 1);
  EXPECT_EQ(doc["spool"], Spool());
  EXPECT_EQ(doc["spool_id"], spool->id());
  EXPECT_TRUE(doc["measured_at"].is_number_integer());
  ASSERT_TRUE(doc["shards"].is_array());
  ASSERT_EQ(doc["shards"].size(), 4u);
  uint64_t events = 0, bytes = 0;
  for (size_t i = 0; i < 4; ++i) {
    const nlohmann::json& shard = doc["shards"][i];
    EXPECT_EQ(shard["shard"], i);
    const uint64_t active_events = shard["active"]["events"];
    EXPECT_EQ(shard["events"], active_events + shard["sealed"]["events"].get<uint64_t>());
    EXPECT_EQ(shard["sealed"]["segments"], 0);
    EXPECT_EQ(
        shard["active"]["bytes"],
        std::max<int64_t>(0, spool::testing::FileSize(spool->ActivePath(static_cast<int>(i)))));
    EXPECT_TRUE(shard["oldest_age_seconds"].is_number_integer());
    EXPECT_TRUE(shard["locks_held"].is_number_integer());
    events += shard["events"].get<uint64_t>();
    bytes += shard["active"]["bytes"].get<uint64_t>() + shard["sealed"]["bytes"].get<uint64_t>();
  }
  EXPECT_EQ(events, 250u);
  EXPECT_EQ(doc["totals"]["events"], 250);
  EXPECT_EQ(doc["totals"]["bytes"], bytes);
  EXPECT_EQ(doc["totals"]["segments"], 0);
  EXPECT_GE(doc["totals"]["oldest_age_seconds"].get<int64_t>(), 0);
  EXPECT_EQ(doc["rejects"]["files"], 0);
  EXPECT_EQ(doc["rejects"]["entries"], 0);

  RunResult table = Stat({});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_TRUE(Contains(table.out, "total: 250 events")) << table.out;
  RunResult prometheus = Stat({"--prometheus"});
  EXPECT_EQ(prometheus.exit_code, 0);
  EXPECT_TRUE(Contains(prometheus.out, "logroute_spool_events{spool=\"" + spool->id() +
                                           "\",shard=\"0\",state=\"active\"}"))
      << prometheus.out;
  EXPECT_EQ(Stat({"--json", "--prometheus"}).exit_code, 64);
}

TEST_F(RecvTest, StatOnAMissingSpoolFailsClearly) {
  RunResult r = Stat({"--json"}, tmp_.Path("nowhere"));
  EXPECT_EQ(r.exit_code, 69) << r.err;
  EXPECT_TRUE(Contains(r.err, "no spool at " + tmp_.Path("nowhere"))) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(tmp_.Path("nowhere")));
}

TEST_F(RecvTest, StatThresholdsExitOne) {
  std::string input;
  for (int i = 0; i < 5; ++i) input += Event(i) + "\n";
  ASSERT_EQ(Recv({"--shards", "1"}, input).exit_code, 0);
  EXPECT_EQ(Stat({"--max-events", "5"}).exit_code, 0);
  RunResult over = Stat({"--max-events", "4"});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_TRUE(Contains(over.err, "5 events waiting > --max-events 4")) << over.err;

  // An event received long ago: older than --max-age.
  Result<spool::Spool> spool = spool::Spool::Open(Spool(), {});
  ASSERT_TRUE(spool.ok());
  const int64_t long_ago = static_cast<int64_t>(std::time(nullptr)) - 100000;
  WriteFileOrDie(spool->SegmentPath(0, 1),
                 spool::testing::MakeRecord(99, "login", "logs", long_ago));
  EXPECT_EQ(Stat({"--max-age", "1000000"}).exit_code, 0);
  RunResult old = Stat({"--max-age", "3600", "--json"});
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_TRUE(Contains(old.err, "> --max-age 3600")) << old.err;
  EXPECT_GE(nlohmann::json::parse(old.out)["totals"]["oldest_age_seconds"].get<int64_t>(), 100000);
  EXPECT_EQ(Stat({"--max-age", "-5"}).exit_code, 64);
}

// Four recv processes at once on one spool, sealing under each other.
TEST_F(RecvTest, FourProcessesAtOnceLoseAndDuplicateNothing) {
  constexpr int kProcesses = 4, kEvents = 20000;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcesses; ++p) {
    std::string input;
    for (int i = 0; i < kEvents; ++i)
      input += Event(p * 1000000 + i, i % 2 ? "login" : "logout", i) + "\n";
    const std::string file = tmp_.Path("in." + std::to_string(p));
    WriteFileOrDie(file, input);
    const std::string command = std::string("exec ") + LOGROUTE_RECV_BIN + " --stdin --spool '" +
                                Spool() + "' --shards 4 --segment-bytes 65536 < '" + file + "'";
    pids.push_back(testing::Spawn({"/bin/sh", "-c", command}, tmp_.Path("out." + std::to_string(p)),
                                  tmp_.Path("err." + std::to_string(p)), Options("", {})));
  }
  for (int p = 0; p < kProcesses; ++p) {
    EXPECT_EQ(testing::Wait(pids[static_cast<size_t>(p)]), 0)
        << testing::ReadFileOrDie(tmp_.Path("err." + std::to_string(p)));
    EXPECT_TRUE(Contains(testing::ReadFileOrDie(tmp_.Path("err." + std::to_string(p))),
                         "accepted=20000 rejected=0"));
  }
  RunResult stat = Stat({"--json"});
  ASSERT_EQ(stat.exit_code, 0) << stat.err;
  const nlohmann::json doc = nlohmann::json::parse(stat.out);
  EXPECT_EQ(doc["totals"]["events"], kProcesses * kEvents);
  EXPECT_GT(doc["totals"]["segments"].get<int>(), 0);

  const std::map<int64_t, Row> rows = ByUser(SpoolRows(Spool()));
  EXPECT_EQ(rows.size(), static_cast<size_t>(kProcesses * kEvents));
  for (int p = 0; p < kProcesses; ++p) {
    for (int i = 0; i < kEvents; ++i) {
      const auto it = rows.find(p * 1000000 + i);
      if (it == rows.end()) {
        ADD_FAILURE() << "missing " << p << "/" << i;
        return;
      }
      EXPECT_EQ(it->second.unix_ts, i);
      EXPECT_EQ(it->second.event_name, i % 2 ? "login" : "logout");
    }
  }
}

}  // namespace
}  // namespace logroute
