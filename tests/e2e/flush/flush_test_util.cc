#include "tests/e2e/flush/flush_test_util.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>

#include "libcore/event/event.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/record.h"
#include "libcore/spool/shard.h"
#include "libcore/spool/spool.h"
#include "libcore/spool/writer.h"

namespace logroute::testing::flush {

Ev NthEvent(size_t i, int64_t first_user_id, const std::vector<std::string>& names) {
  return {1684129671 + static_cast<int64_t>(i % 100000), first_user_id + static_cast<int64_t>(i),
          names[i % names.size()]};
}

std::vector<Ev> MakeEvents(size_t n, int64_t first_user_id, const std::vector<std::string>& names) {
  std::vector<Ev> events;
  events.reserve(n);
  for (size_t i = 0; i < n; ++i) events.push_back(NthEvent(i, first_user_id, names));
  return events;
}

std::string Ndjson(const std::vector<Ev>& events) {
  std::string out;
  for (const Ev& e : events) {
    out += "{\"unix_ts\":" + std::to_string(e.unix_ts) +
           ",\"user_id\":" + std::to_string(e.user_id) + ",\"event_name\":";
    event::AppendJsonString(e.name, &out);
    out += "}\n";
  }
  return out;
}

void Contents::Add(const Ev& event) {
  ++count;
  ++distinct_user_ids;
  sum_user_id += event.user_id;
  ++per_name[event.name];
}

void Contents::Add(const std::vector<Ev>& events) {
  for (const Ev& e : events) Add(e);
}

std::ostream& operator<<(std::ostream& out, const Contents& c) {
  out << "{count=" << c.count << " distinct_user_ids=" << c.distinct_user_ids
      << " sum_user_id=" << c.sum_user_id << " names=";
  for (const auto& [name, n] : c.per_name) out << name << ":" << n << ",";
  return out << "}";
}

RunOptions WithEnv(const std::vector<std::string>& env) {
  RunOptions options;
  options.env = env;
  return options;
}

RunOptions WithInput(const std::string& input) {
  RunOptions options;
  options.input = input;
  return options;
}

int64_t AcceptedFrom(const std::string& recv_stderr) {
  const size_t at = recv_stderr.rfind("accepted=");
  if (at == std::string::npos) return -1;
  return std::stoll(recv_stderr.substr(at + 9));
}

uint64_t Recv(const std::string& spool, const std::vector<Ev>& events,
              const std::vector<std::string>& extra_args) {
  return RecvNdjson(spool, Ndjson(events), extra_args);
}

uint64_t RecvNdjson(const std::string& spool, const std::string& ndjson,
                    const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {LOGROUTE_RECV_BIN, "--spool", spool, "--stdin"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  RunResult r = Run(argv, WithInput(ndjson));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const int64_t accepted = AcceptedFrom(r.err);
  EXPECT_GE(accepted, 0) << r.err;
  return accepted < 0 ? 0 : static_cast<uint64_t>(accepted);
}

std::vector<std::string> FlushArgv(const std::string& spool, const std::string& dsn,
                                   const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv = {LOGROUTE_FLUSH_BIN, "--spool", spool, "--db", dsn,
                                   "--progress",       "never"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return argv;
}

RunResult Flush(const std::string& spool, const std::string& dsn,
                const std::vector<std::string>& extra_args, const std::vector<std::string>& env) {
  return Run(FlushArgv(spool, dsn, extra_args), WithEnv(env));
}

std::ostream& operator<<(std::ostream& out, const SpoolTotals& t) {
  return out << "{events=" << t.events << " bytes=" << t.bytes << " segments=" << t.segments
             << " reject_entries=" << t.reject_entries << "}";
}

SpoolTotals StatTotals(const std::string& spool) {
  RunResult r = Run({LOGROUTE_STAT_BIN, "--spool", spool, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  SpoolTotals totals;
  try {
    const nlohmann::json json = nlohmann::json::parse(r.out);
    totals.events = json.at("totals").at("events").get<uint64_t>();
    totals.bytes = json.at("totals").at("bytes").get<uint64_t>();
    totals.segments = json.at("totals").at("segments").get<uint64_t>();
    totals.reject_entries = json.at("rejects").at("entries").get<uint64_t>();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "logroute-stat --json: " << e.what() << "\n" << r.out;
  }
  return totals;
}

void SealAll(const std::string& dir) {
  Result<spool::Spool> opened = spool::Spool::Open(dir, {});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  for (int shard = 0; shard < opened->shards(); ++shard) {
    auto sealed = spool::SealActive(*opened, shard);
    ASSERT_TRUE(sealed.ok()) << sealed.status().message();
  }
}

std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> paths;
  Result<spool::Spool> opened = spool::Spool::Open(dir, {});
  if (!opened.ok()) {
    ADD_FAILURE() << opened.status().message();
    return paths;
  }
  for (int shard = 0; shard < opened->shards(); ++shard) {
    auto segments = spool::ListSegments(*opened, shard);
    if (!segments.ok()) continue;
    for (uint64_t seq : *segments) paths.push_back(opened->SegmentPath(shard, seq));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

namespace {

// Appends events [0, n) of `event_at` to the spool; see WriteBacklog.
void AppendEvents(const std::string& dir, size_t n, const std::function<Ev(size_t)>& event_at,
                  const std::string& table, uint64_t segment_bytes, int shards) {
  Result<spool::Spool> opened = spool::Spool::Open(dir, {.shards = shards, .create = true});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto writer = spool::SpoolWriter::Open(*opened, {.fsync = false, .segment_bytes = segment_bytes});
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  std::string batch;
  event::Event event;
  for (size_t i = 0; i < n; ++i) {
    Ev e = event_at(i);
    event.unix_ts = e.unix_ts;
    event.user_id = e.user_id;
    event.event_name = std::move(e.name);
    spool::AppendRecord(event, table, 1700000000, &batch);
    if (batch.size() >= std::min<uint64_t>(segment_bytes, 1 << 20) || i + 1 == n) {
      Status appended = (*writer)->Append(batch);
      ASSERT_TRUE(appended.ok()) << appended.message();
      batch.clear();
    }
  }
}

}  // namespace

void WriteBacklog(const std::string& dir, const std::vector<Ev>& events, const std::string& table,
                  uint64_t segment_bytes, int shards) {
  AppendEvents(
      dir, events.size(), [&](size_t i) { return events[i]; }, table, segment_bytes, shards);
}

Contents WriteGeneratedBacklog(const std::string& dir, size_t n, int64_t first_user_id,
                               const std::vector<std::string>& names, const std::string& table,
                               uint64_t segment_bytes, int shards) {
  Contents contents;
  AppendEvents(
      dir, n,
      [&](size_t i) {
        Ev e = NthEvent(i, first_user_id, names);
        contents.Add(e);
        return e;
      },
      table, segment_bytes, shards);
  return contents;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string TargetDb::Scalar(const std::string& sql) const {
  auto rows = Query(sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

bool TargetDb::HasTable(const std::string& table) const {
  const std::string sql =
      is_mariadb()
          ? "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
            "DATABASE() AND TABLE_NAME = '" +
                table + "'"
          : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'";
  return Scalar(sql) == "1";
}

Contents TargetDb::Read(const std::vector<std::string>& tables) const {
  Contents contents;
  std::string all_ids;
  for (const std::string& table : tables) {
    if (!HasTable(table)) continue;
    for (const auto& row : Query("SELECT event_name, COUNT(*), SUM(user_id) FROM " + table +
                                 " GROUP BY event_name")) {
      const uint64_t n = std::stoull(row[1]);
      contents.per_name[row[0]] += n;
      contents.count += n;
      contents.sum_user_id += std::stoll(row[2]);
    }
    all_ids += (all_ids.empty() ? "" : " UNION ALL ") + std::string("SELECT user_id FROM ") + table;
  }
  if (!all_ids.empty()) {
    contents.distinct_user_ids =
        std::stoull(Scalar("SELECT COUNT(DISTINCT user_id) FROM (" + all_ids + ") AS ids"));
  }
  return contents;
}

uint64_t TargetDb::LedgerRows() const {
  if (!HasTable("logroute_ledger")) return 0;
  return std::stoull(Scalar("SELECT COUNT(*) FROM logroute_ledger"));
}

uint64_t TargetDb::LedgerRowCountSum() const {
  if (!HasTable("logroute_ledger")) return 0;
  return std::stoull(Scalar("SELECT COALESCE(SUM(row_count), 0) FROM logroute_ledger"));
}

namespace {

class SqliteDb final : public TargetDb {
 public:
  explicit SqliteDb(std::string path) : path_(std::move(path)) {}
  std::string Dsn() const override { return "sqlite:" + path_; }
  std::vector<std::string> Env() const override { return {}; }
  bool is_mariadb() const override { return false; }

  std::vector<std::vector<std::string>> Query(const std::string& sql) const override {
    std::vector<std::vector<std::string>> rows;
    std::string error = Exec(sql, &rows);
    if (!error.empty()) ADD_FAILURE() << "sqlite query failed: " << sql << ": " << error;
    return rows;
  }
  std::string TryExec(const std::string& sql) const override { return Exec(sql, nullptr); }

 private:
  std::string Exec(const std::string& sql, std::vector<std::vector<std::string>>* rows) const {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      std::string error = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      return error;
    }
    sqlite3_busy_timeout(db, 30000);
    std::string error;
    const char* tail = sql.c_str();
    while (error.empty() && *tail != '\0') {
      sqlite3_stmt* statement = nullptr;
      if (sqlite3_prepare_v2(db, tail, -1, &statement, &tail) != SQLITE_OK) {
        error = sqlite3_errmsg(db);
        break;
      }
      if (statement == nullptr) break;  // trailing whitespace
      int rc;
      while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        if (rows == nullptr) continue;
        std::vector<std::string> values;
        for (int i = 0; i < sqlite3_column_count(statement); ++i) {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
          values.push_back(
              text == nullptr
                  ? "NULL"
                  : std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement, i))));
        }
        rows->push_back(std::move(values));
      }
      if (rc != SQLITE_DONE) error = sqlite3_errmsg(db);
      sqlite3_finalize(statement);
    }
    sqlite3_close(db);
    return error;
  }

  std::string path_;
};

class MariaDb final : public TargetDb {
 public:
  MariaDb(const MariaDbServer& server, std::string dsn_suffix, bool tcp = false)
      : owned_(std::make_unique<TestDatabase>(server)),
        db_(*owned_),
        dsn_suffix_(std::move(dsn_suffix)),
        tcp_(tcp) {}
  explicit MariaDb(const TestDatabase& db) : db_(db) {}
  std::string Dsn() const override {
    return tcp_ ? db_.TcpDsn() + (dsn_suffix_.empty() ? "" : "?" + dsn_suffix_.substr(1))
                : db_.SocketDsn() + dsn_suffix_;
  }
  std::vector<std::string> Env() const override { return {db_.PasswordEnv()}; }
  bool is_mariadb() const override { return true; }
  std::vector<std::vector<std::string>> Query(const std::string& sql) const override {
    return db_.Query(sql);
  }
  std::string TryExec(const std::string& sql) const override { return db_.TryExec(sql); }

 private:
  std::unique_ptr<TestDatabase> owned_;
  const TestDatabase& db_;
  std::string dsn_suffix_;
  bool tcp_ = false;
};

}  // namespace

std::unique_ptr<TargetDb> CreateSqliteDb(const std::string& path) {
  return std::make_unique<SqliteDb>(path);
}

std::unique_ptr<TargetDb> CreateMariaDb(const MariaDbServer& server) {
  return std::make_unique<MariaDb>(server, "");
}

std::unique_ptr<TargetDb> CreateMariaDb(const MariaDbServer& server,
                                        const std::string& dsn_suffix) {
  return std::make_unique<MariaDb>(server, dsn_suffix);
}

std::string ScalarReadUncommitted(const MariaDbServer& server, const std::string& database,
                                  const std::string& sql) {
  MYSQL* mysql = mysql_init(nullptr);
  std::string value;
  if (mysql_real_connect(mysql, "localhost", server.user.c_str(), server.password.c_str(),
                         database.c_str(), 0, server.socket.c_str(), 0) != nullptr &&
      mysql_query(mysql, "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED") == 0 &&
      mysql_query(mysql, sql.c_str()) == 0) {
    if (MYSQL_RES* result = mysql_store_result(mysql)) {
      if (MYSQL_ROW row = mysql_fetch_row(result); row != nullptr && row[0] != nullptr) {
        value = row[0];
      }
      mysql_free_result(result);
    }
  }
  mysql_close(mysql);
  return value;
}

std::unique_ptr<TargetDb> ViewOf(const TestDatabase& db) { return std::make_unique<MariaDb>(db); }

std::unique_ptr<TargetDb> CreateTargetDb(const std::string& kind, const std::string& dir) {
  if (kind == "mariadb") return CreateMariaDb(TestServer());
  // The other bulk paths than the default array binding (libcore/sink/mysql_bulk.h).
  if (kind == "mariadb_load") return CreateMariaDb(TestServer(), "&bulk=load");
  if (kind == "mariadb_insert") return CreateMariaDb(TestServer(), "&bulk=insert");
  // Over TCP: for a flush run as another user, who cannot reach the server's socket.
  if (kind == "mariadb_tcp") return std::make_unique<MariaDb>(TestServer(), "", /*tcp=*/true);
  return CreateSqliteDb(dir + "/events.db");
}

}  // namespace logroute::testing::flush
