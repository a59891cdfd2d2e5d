// The compliance tests every sink must pass, run against SQLite and the real
// MariaDB of the test run: exactly-once transactions, savepoints, tables and
// their columns, values stored byte for byte.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "libcore/sink/sink.h"
#include "libcore/spool/record.h"
#include "tests/support/mariadb.h"
#include "tests/support/temp_dir.h"

namespace logroute::sink {
namespace {

using testing::MariaDbServer;
using testing::TempDir;
using testing::TestDatabase;

// What a database's SQL can do, where the tests must know it: they ask
// these, never which database they run on.
struct Capabilities {
  std::string auto_id_column;   // DDL of an `id` the database fills (Django's AutoField)
  bool enforces_varchar_width;  // VARCHAR(5) refuses a longer value (SQLite ignores widths)
  std::string columns_query;    // the column names of table '%s', in order
};

// A database behind a sink, and a way to read it back independently.
class Backend {
 public:
  explicit Backend(Capabilities capabilities) : capabilities_(std::move(capabilities)) {}
  virtual ~Backend() = default;
  virtual std::string Dsn() const = 0;
  virtual std::vector<std::vector<std::string>> Query(const std::string& sql) const = 0;
  virtual void Exec(const std::string& sql) const = 0;
  std::string Scalar(const std::string& sql) const {
    auto rows = Query(sql);
    return rows.empty() ? "" : rows[0][0];
  }
  const Capabilities& can() const { return capabilities_; }
  std::vector<std::vector<std::string>> Columns(const std::string& table) const {
    std::string sql = capabilities_.columns_query;
    return Query(sql.replace(sql.find("%s"), 2, table));
  }

 private:
  const Capabilities capabilities_;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend()
      : Backend({.auto_id_column = "id INTEGER PRIMARY KEY AUTOINCREMENT",
                 .enforces_varchar_width = false,
                 .columns_query = "SELECT name FROM pragma_table_info('%s') ORDER BY cid"}) {}
  std::string Dsn() const override { return "sqlite:" + dir_.Path("events.db"); }
  std::vector<std::vector<std::string>> Query(const std::string& sql) const override {
    sqlite3* db = nullptr;
    sqlite3_open(dir_.Path("events.db").c_str(), &db);
    sqlite3_stmt* statement = nullptr;
    std::vector<std::vector<std::string>> rows;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    } else {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(statement); ++i) {
          const auto* text = static_cast<const char*>(sqlite3_column_blob(statement, i));
          row.emplace_back(text == nullptr ? "" : text,
                           static_cast<size_t>(sqlite3_column_bytes(statement, i)));
        }
        rows.push_back(std::move(row));
      }
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return rows;
  }
  void Exec(const std::string& sql) const override {
    sqlite3* db = nullptr;
    sqlite3_open(dir_.Path("events.db").c_str(), &db);
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << error;
      sqlite3_free(error);
    }
    sqlite3_close(db);
  }

 private:
  TempDir dir_;
};

class MariaDbBackend final : public Backend {
 public:
  MariaDbBackend()
      : Backend({.auto_id_column = "id BIGINT AUTO_INCREMENT PRIMARY KEY",
                 .enforces_varchar_width = true,
                 .columns_query = "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s' "
                                  "ORDER BY ORDINAL_POSITION"}),
        server_(testing::TestServer()),
        db_(server_) {
    ::setenv("MYSQL_PWD", server_.password.c_str(), 1);
  }
  std::string Dsn() const override { return db_.SocketDsn(); }
  std::vector<std::vector<std::string>> Query(const std::string& sql) const override {
    return db_.Query(sql);
  }
  void Exec(const std::string& sql) const override {
    const std::string error = db_.TryExec(sql);
    EXPECT_EQ(error, "") << sql;
  }

 private:
  MariaDbServer server_;
  TestDatabase db_;
};

// One database the compliance tests run against.
struct SinkFixture {
  std::string name;
  std::unique_ptr<Backend> (*make)();
};

template <typename T>
std::unique_ptr<Backend> Make() {
  return std::make_unique<T>();
}

class SinkComplianceTest : public ::testing::TestWithParam<SinkFixture> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    sink_ = Open();
  }

  // `logs` is created with the event_id key (flush --dedupe logs); other tables without.
  std::unique_ptr<Sink> Open() {
    SinkOptions options;
    options.dedupe_tables = {"logs"};
    Result<std::unique_ptr<Sink>> sink = CreateSink(backend_->Dsn(), options);
    EXPECT_TRUE(sink.ok()) << sink.status().message();
    if (!sink.ok()) return nullptr;
    Status opened = (*sink)->Open();
    EXPECT_TRUE(opened.ok()) << opened.message();
    return std::move(sink).value();
  }

  // Rows whose names are stored escaped, as in the spool.
  std::vector<Row> MakeRows(const std::vector<std::string>& names) {
    escaped_.clear();
    escaped_.reserve(names.size());
    for (const std::string& name : names) {
      std::string record;
      spool::AppendRecord({1, 2, name}, "t", 0, &record);
      escaped_.push_back(record.substr(record.rfind('\t') + 1));
      escaped_.back().pop_back();  // the LF
    }
    std::vector<Row> rows;
    for (size_t i = 0; i < names.size(); ++i) {
      rows.push_back(
          {static_cast<int64_t>(1684129671 + i), static_cast<int64_t>(100 + i), escaped_[i]});
    }
    return rows;
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Sink> sink_;
  std::vector<std::string> escaped_;
  const SegmentKey key_{"0123456789abcdef0123456789abcdef", 3, 42};
};

TEST_P(SinkComplianceTest, CommitsRowsAndLedgerTogether) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  Result<LedgerClaim> begun = sink_->Begin(key_);
  ASSERT_TRUE(begun.ok() && begun->ours()) << begun.status().message();
  std::vector<Row> rows = MakeRows({"login", "logout", "login"});
  ASSERT_TRUE(sink_->Insert("logs", rows).ok());
  Result<LedgerClaim> committed = sink_->Commit(key_, {.rows = 3, .rejected = 0, .checksum = 7});
  ASSERT_TRUE(committed.ok() && committed->ours()) << committed.status().message();

  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "3");
  EXPECT_EQ(backend_->Scalar("SELECT SUM(user_id) FROM logs"), "303");
  EXPECT_EQ(backend_->Scalar("SELECT row_count FROM logroute_ledger WHERE shard = 3 AND seq = 42"),
            "3");
}

TEST_P(SinkComplianceTest, ASegmentInTheLedgerIsNotBegunAgain) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> rows = MakeRows({"login"});
  ASSERT_TRUE(sink_->Insert("logs", rows).ok());
  ASSERT_TRUE(sink_->Commit(key_, {.rows = 1})->ours());

  std::unique_ptr<Sink> again = Open();  // a later flush process
  Result<LedgerClaim> begun = again->Begin(key_);
  ASSERT_TRUE(begun.ok());
  EXPECT_FALSE(begun->ours());
  EXPECT_EQ(begun->committed, (LedgerEntry{.rows = 1}));  // what flush compares with the segment
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "1");
}

// What a copied spool is found out by: the entry a key holds, and the
// highest sequence number committed per shard.
TEST_P(SinkComplianceTest, TheLedgerTellsWhatAKeyHoldsAndTheHighestSequencePerShard) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  Result<std::optional<LedgerEntry>> none = sink_->LookUp(key_);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());
  const LedgerEntry entry{.rows = 5, .rejected = 2, .checksum = 0xfedcba98};
  for (uint64_t seq : {7, 42, 9}) {
    SegmentKey key = key_;
    key.seq = seq;
    ASSERT_TRUE(sink_->Begin(key)->ours());
    ASSERT_TRUE(sink_->Commit(key, entry)->ours());
  }
  SegmentKey other_shard = key_;
  other_shard.shard = 0;
  ASSERT_TRUE(sink_->Begin(other_shard)->ours());
  ASSERT_TRUE(sink_->Commit(other_shard, entry)->ours());
  SegmentKey other_spool{"ffff", 3, 1000};
  ASSERT_TRUE(sink_->Begin(other_spool)->ours());
  ASSERT_TRUE(sink_->Commit(other_spool, entry)->ours());

  Result<std::optional<LedgerEntry>> found = sink_->LookUp(key_);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, entry);
  Result<std::vector<uint64_t>> highest = sink_->HighestCommitted(key_.spool_id, 4);
  ASSERT_TRUE(highest.ok()) << highest.status().message();
  EXPECT_EQ(*highest, (std::vector<uint64_t>{42, 0, 0, 42}));
}

TEST_P(SinkComplianceTest, ReconnectDropsTheOpenTransactionAndWorksAfterwards) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> rows = MakeRows({"lost"});
  ASSERT_TRUE(sink_->Insert("logs", rows).ok());
  ASSERT_TRUE(sink_->Reconnect().ok());
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "0");
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  ASSERT_TRUE(sink_->Insert("logs", rows).ok());
  ASSERT_TRUE(sink_->Commit(key_, {.rows = 1})->ours());
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "1");
}

TEST_P(SinkComplianceTest, RollbackLeavesNothing) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> rows = MakeRows({"login", "logout"});
  ASSERT_TRUE(sink_->Insert("logs", rows).ok());
  sink_->Rollback();
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "0");
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logroute_ledger"), "0");
  Result<LedgerClaim> begun = sink_->Begin(key_);  // the segment can be flushed later
  EXPECT_TRUE(begun.ok() && begun->ours());
}

TEST_P(SinkComplianceTest, RollbackToSavepointUndoesOnlyTheLastInsert) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> first = MakeRows({"a", "b"});
  ASSERT_TRUE(sink_->Savepoint().ok());
  ASSERT_TRUE(sink_->Insert("logs", first).ok());
  std::vector<Row> second = MakeRows({"c", "d", "e"});
  ASSERT_TRUE(sink_->Savepoint().ok());
  ASSERT_TRUE(sink_->Insert("logs", second).ok());
  ASSERT_TRUE(sink_->RollbackToSavepoint().ok());
  ASSERT_TRUE(sink_->Commit(key_, {.rows = 2})->ours());
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "2");
}

TEST_P(SinkComplianceTest, AConcurrentFlusherOfTheSameSegmentFindsItCommitted) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  std::unique_ptr<Sink> other = Open();  // another flush process
  ASSERT_TRUE(other->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  // The other one begins the same segment meanwhile: it waits for this
  // transaction (SQLite's write lock, InnoDB's lock on the ledger key), then
  // finds the segment committed.
  std::future<Result<LedgerClaim>> other_begun =
      std::async(std::launch::async, [&] { return other->Begin(key_); });
  std::vector<Row> rows = MakeRows({"x"});
  ASSERT_TRUE(sink_->Insert("logs", rows).ok());
  Result<LedgerClaim> committed = sink_->Commit(key_, {.rows = 1});
  ASSERT_TRUE(committed.ok() && committed->ours()) << committed.status().message();
  Result<LedgerClaim> begun = other_begun.get();
  ASSERT_TRUE(begun.ok()) << begun.status().message();
  EXPECT_FALSE(begun->ours());
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "1");
  EXPECT_EQ(backend_->Scalar("SELECT row_count FROM logroute_ledger"), "1");
}

TEST_P(SinkComplianceTest, NamesRoundTripByteForByte) {
  const std::vector<std::string> names = {"it's",
                                          "say \"hi\"",
                                          "back\\slash",
                                          "tab\there",
                                          "new\nline",
                                          "cr\rlf",
                                          "100%_done",
                                          "caf\xC3\xA9",
                                          "\xF0\x9F\x8E\x89 party",
                                          "'); DROP TABLE logs; --",
                                          "\\N",
                                          "a\\tb",
                                          std::string("nul\0byte", 8),
                                          std::string(255, 'z')};
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> rows = MakeRows(names);
  Status inserted = sink_->Insert("logs", rows);
  ASSERT_TRUE(inserted.ok()) << inserted.message();
  ASSERT_TRUE(sink_->Commit(key_, {.rows = names.size()})->ours());
  auto stored = backend_->Query("SELECT event_name FROM logs ORDER BY id");
  ASSERT_EQ(stored.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(stored[i][0], names[i]) << "row " << i;
}

TEST_P(SinkComplianceTest, CreatesTheOriginalLayout) {
  ASSERT_TRUE(sink_->EnsureTable("app_log").ok());
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());  // one of SinkOptions::dedupe_tables
  const auto original = backend_->Columns("app_log");
  ASSERT_EQ(original.size(), 4u);
  EXPECT_EQ(original[0][0], "id");
  EXPECT_EQ(original[1][0], "unix_ts");
  EXPECT_EQ(original[2][0], "user_id");
  EXPECT_EQ(original[3][0], "event_name");
  const auto with_key = backend_->Columns("logs");
  ASSERT_EQ(with_key.size(), 5u);
  EXPECT_EQ(with_key[4][0], "event_id");  // nullable, under a unique key
}

// A row whose event_id the table holds already is skipped and counted, in
// the same Insert, in another, or in another transaction; rows without an
// id never collide.
TEST_P(SinkComplianceTest, DuplicateEventIdsAreSkippedAndCounted) {
  ASSERT_TRUE(sink_->EnsureTable("logs").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> rows = MakeRows({"a", "b", "c", "d", "e", "f"});
  const char* ids[] = {"x", "y", "", "", "x", "X"};
  for (size_t i = 0; i < rows.size(); ++i) rows[i].event_id = ids[i];
  Status inserted = sink_->Insert("logs", rows);
  ASSERT_TRUE(inserted.ok()) << inserted.message();
  EXPECT_EQ(sink_->last_deduplicated(), 1u);
  inserted = sink_->Insert("logs", std::span<const Row>(rows).first(2));
  ASSERT_TRUE(inserted.ok()) << inserted.message();
  EXPECT_EQ(sink_->last_deduplicated(), 2u);
  ASSERT_TRUE(sink_->Commit(key_, {.rows = 8})->ours());
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "5");
  EXPECT_EQ(backend_->Scalar("SELECT event_name FROM logs WHERE event_id = 'x'"), "a");

  SegmentKey next = key_;
  next.seq = key_.seq + 1;
  std::unique_ptr<Sink> later = Open();
  ASSERT_TRUE(later->EnsureTable("logs").ok());
  ASSERT_TRUE(later->Begin(next)->ours());
  inserted = later->Insert("logs", rows);
  ASSERT_TRUE(inserted.ok()) << inserted.message();
  EXPECT_EQ(later->last_deduplicated(), 4u);
  ASSERT_TRUE(later->Commit(next, {.rows = 6})->ours());
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM logs"), "7");
}

TEST_P(SinkComplianceTest, AnExistingTableWithTheColumnsIsUsed) {
  // The original service's table (Django's AutoField), columns in another order, one more column.
  backend_->Exec("CREATE TABLE app_log (" + backend_->can().auto_id_column +
                 ", event_name VARCHAR(255) NOT NULL, user_id BIGINT NOT NULL, "
                 "unix_ts BIGINT NOT NULL, note VARCHAR(10) DEFAULT 'x')");
  ASSERT_TRUE(sink_->EnsureTable("app_log").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> rows = MakeRows({"login", "logout", "login"});
  rows[1].event_id = rows[2].event_id = "same";  // no event_id column: stored without it
  Status inserted = sink_->Insert("app_log", rows);
  ASSERT_TRUE(inserted.ok()) << inserted.message();
  EXPECT_EQ(sink_->last_deduplicated(), 0u);
  ASSERT_TRUE(sink_->Commit(key_, {.rows = 3})->ours());
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM app_log"), "3");
  EXPECT_EQ(backend_->Scalar("SELECT event_name FROM app_log ORDER BY id"), "login");
}

TEST_P(SinkComplianceTest, ATableMissingAColumnIsAClearError) {
  backend_->Exec("CREATE TABLE thin (id INTEGER PRIMARY KEY, unix_ts BIGINT, event_name TEXT)");
  Status status = sink_->EnsureTable("thin");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kUsage);
  EXPECT_NE(status.message().find("thin"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("user_id"), std::string::npos) << status.message();
}

// A column we cannot fill that refuses to be left out: every row would be
// refused, so the table is refused at once, naming the column.
TEST_P(SinkComplianceTest, ATableWithAColumnWeCannotFillIsAClearError) {
  backend_->Exec("CREATE TABLE audit (" + backend_->can().auto_id_column +
                 ", unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL, event_name TEXT NOT NULL,"
                 " created_by VARCHAR(20) NOT NULL)");
  Status status = sink_->EnsureTable("audit");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kUsage);
  EXPECT_NE(status.message().find("table audit has column created_by NOT NULL without a default"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find(sink_->Describe()), 0u) << status.message();
}

TEST_P(SinkComplianceTest, ARefusedRowIsADataErrorNotATruncation) {
  // An id the database fills: without it MariaDB refuses every row (id has no default).
  // Where VARCHAR(5) is no limit, a CHECK constraint refuses the same rows.
  backend_->Exec(
      "CREATE TABLE narrow (" + backend_->can().auto_id_column +
      ", unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL, event_name VARCHAR(5) NOT NULL" +
      (backend_->can().enforces_varchar_width ? ")" : ", CHECK (length(event_name) <= 5))"));
  ASSERT_TRUE(sink_->EnsureTable("narrow").ok());
  ASSERT_TRUE(sink_->Begin(key_)->ours());
  std::vector<Row> rows = MakeRows({"short", "much too long"});
  ASSERT_TRUE(sink_->Savepoint().ok());
  Status status = sink_->Insert("narrow", rows);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), Code::kDataError) << status.message();
  ASSERT_TRUE(sink_->RollbackToSavepoint().ok());
  sink_->Rollback();
  EXPECT_EQ(backend_->Scalar("SELECT COUNT(*) FROM narrow"), "0");
}

INSTANTIATE_TEST_SUITE_P(Sinks, SinkComplianceTest,
                         ::testing::Values(SinkFixture{"sqlite", &Make<SqliteBackend>},
                                           SinkFixture{"mariadb", &Make<MariaDbBackend>}),
                         [](const auto& param_info) { return param_info.param.name; });

// The error lists every sink of the registry, as --help does.
TEST(CreateSinkTest, UnknownSchemeIsAUsageErrorListingTheRegisteredForms) {
  EXPECT_EQ(DsnForms(),
            "sqlite:PATH, mysql://USER@HOST:PORT/DB or mysql://USER@localhost/DB?socket=PATH");
  Result<std::unique_ptr<Sink>> sink = CreateSink("postgres://x/y", {});
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), Code::kUsage);
  EXPECT_EQ(sink.status().message(), "--db 'postgres://x/y': expected " + DsnForms());
}

TEST(CreateSinkTest, UnreachableMysqlIsRetryable) {
  Result<std::unique_ptr<Sink>> sink = CreateSink("mysql://nobody@127.0.0.1:1/db", {});
  ASSERT_TRUE(sink.ok());
  Status opened = (*sink)->Open();
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.code(), Code::kTempFail) << opened.message();
}

TEST(CreateSinkTest, RefusedAuthenticationIsNoPermission) {
  MariaDbServer server = testing::TestServer();
  Result<std::unique_ptr<Sink>> sink =
      CreateSink("mysql://logroute@127.0.0.1:" + std::to_string(server.port) + "/mysql", {});
  ASSERT_TRUE(sink.ok());
  ::setenv("MYSQL_PWD", "wrong-password", 1);
  Status opened = (*sink)->Open();
  ::unsetenv("MYSQL_PWD");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.code(), Code::kNoPermission) << opened.message();
  EXPECT_EQ(opened.message().find("wrong-password"), std::string::npos);
}

}  // namespace
}  // namespace logroute::sink

namespace logroute::sink {
namespace {

// MySQL 8 ships with local_infile=OFF: the sink must fall back to INSERTs in
// the same transaction rather than fail every run.
TEST(MysqlSinkTest, FallsBackToInsertWhenTheServerRefusesLoadDataLocal) {
  MariaDbServer server = testing::TestServer();
  TestDatabase db(server);
  ASSERT_EQ(db.TryExec("SET GLOBAL local_infile = 0"), "");
  ::setenv("MYSQL_PWD", server.password.c_str(), 1);
  Result<std::unique_ptr<Sink>> sink = CreateSink(db.SocketDsn(), {});
  ASSERT_TRUE(sink.ok());
  Status opened = (*sink)->Open();
  Status ensured = (*sink)->EnsureTable("logs");
  Result<LedgerClaim> begun = (*sink)->Begin({"00ff", 0, 1});
  const std::vector<Row> rows = {{1, 10, "login"}, {2, 20, "it's"}, {3, 30, "tab\\there"}};
  Status inserted = (*sink)->Insert("logs", rows);
  Result<LedgerClaim> committed = (*sink)->Commit({"00ff", 0, 1}, {.rows = 3});
  EXPECT_EQ(db.TryExec("SET GLOBAL local_infile = 1"), "");  // before any assertion can return
  ASSERT_TRUE(opened.ok()) << opened.message();
  ASSERT_TRUE(ensured.ok()) << ensured.message();
  ASSERT_TRUE(begun.ok() && begun->ours());
  ASSERT_TRUE(inserted.ok()) << inserted.message();
  ASSERT_TRUE(committed.ok() && committed->ours());
  EXPECT_EQ(db.Scalar("SELECT SUM(user_id) FROM logs"), "60");
  EXPECT_EQ(db.Scalar("SELECT event_name FROM logs WHERE user_id = 30"), "tab\there");
}

}  // namespace
}  // namespace logroute::sink
