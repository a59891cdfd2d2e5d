// sqlite:PATH — the embedded default: no server, the same exactly-once
// protocol. WAL journal with synchronous=FULL, because flush unlinks a segment
// right after Commit(): a commit that a power cut could undo would lose it.
#include <sqlite3.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libcore/sink/sink.h"
#include "libcore/sink/table_columns.h"
#include "libcore/spool/record.h"

namespace logroute::sink {
namespace {

constexpr int kBusyTimeoutMs = 30000;  // concurrent flushers wait for each other's commits

class SqliteSink final : public Sink {
 public:
  SqliteSink(std::string path, SinkOptions options)
      : path_(std::move(path)), options_(std::move(options)) {}
  ~SqliteSink() override { Close(); }

  Status Reconnect() override {
    Close();
    return Open();
  }

  Status Open() override {
    if (sqlite3_open_v2(path_.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      return Error("cannot open the database", Code::kUnavailable);
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    LOGROUTE_RETURN_IF_ERROR(UseWal());
    LOGROUTE_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
    LOGROUTE_RETURN_IF_ERROR(Exec(std::string("CREATE TABLE IF NOT EXISTS ") + kLedgerTable +
                                  " (spool_id TEXT NOT NULL, shard INTEGER NOT NULL,"
                                  " seq INTEGER NOT NULL, row_count INTEGER NOT NULL,"
                                  " rejected_count INTEGER NOT NULL, checksum INTEGER NOT NULL,"
                                  " committed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
                                  " PRIMARY KEY (spool_id, shard, seq))"));
    LOGROUTE_RETURN_IF_ERROR(
        Prepare(std::string("SELECT row_count, rejected_count, checksum FROM ") + kLedgerTable +
                    " WHERE spool_id=? AND shard=? AND seq=?",
                &ledger_check_));
    LOGROUTE_RETURN_IF_ERROR(Prepare(std::string("SELECT shard, MAX(seq) FROM ") + kLedgerTable +
                                         " WHERE spool_id=? GROUP BY shard",
                                     &ledger_highest_));
    return Prepare(
        std::string("INSERT INTO ") + kLedgerTable +
            " (spool_id, shard, seq, row_count, rejected_count, checksum) VALUES (?,?,?,?,?,?)",
        &ledger_insert_);
  }

  Status EnsureTable(std::string_view table) override {
    const std::string name(table);
    if (inserts_.count(name) > 0) return Status::Ok();
    const bool with_key = options_.dedupe_tables.contains(name);
    LOGROUTE_RETURN_IF_ERROR(Exec("CREATE TABLE IF NOT EXISTS \"" + name +
                                  "\" (id INTEGER PRIMARY KEY,"
                                  " unix_ts INTEGER NOT NULL, user_id INTEGER NOT NULL,"
                                  " event_name TEXT NOT NULL" +
                                  (with_key ? ", event_id VARCHAR(64) NULL UNIQUE)" : ")")));
    LOGROUTE_RETURN_IF_ERROR(CheckColumns(name));
    LOGROUTE_ASSIGN_OR_RETURN(const bool dedupe, HasUniqueEventId(name));
    WarnIfNotDeduplicated(Describe(), name, with_key, dedupe);
    // ON CONFLICT names the one constraint a duplicate may break: unlike OR
    // IGNORE, every other refusal (NOT NULL, CHECK, another unique key) stays
    // an error, and so a reject.
    const std::string sql =
        dedupe ? "INSERT INTO \"" + name +
                     "\" (unix_ts, user_id, event_name, event_id) VALUES (?,?,?,?)"
                     " ON CONFLICT (event_id) DO NOTHING"
               : "INSERT INTO \"" + name + "\" (unix_ts, user_id, event_name) VALUES (?,?,?)";
    sqlite3_stmt* insert = nullptr;
    LOGROUTE_RETURN_IF_ERROR(Prepare(sql, &insert));
    inserts_.emplace(name, Table{insert, dedupe});
    return Status::Ok();
  }

  Result<LedgerClaim> Begin(const SegmentKey& key) override {
    LOGROUTE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    in_transaction_ = true;
    Result<std::optional<LedgerEntry>> committed = LookUp(key);
    if (!committed.ok() || committed->has_value()) Rollback();
    if (!committed.ok()) return committed.status();
    if (committed->has_value()) {
      return LedgerClaim{LedgerClaim::State::kAlreadyCommitted, **committed};
    }
    return LedgerClaim{};
  }

  Status Insert(std::string_view table, std::span<const Row> rows) override {
    auto it = inserts_.find(std::string(table));
    if (it == inserts_.end())
      return Status::Internal("table " + std::string(table) + " not ensured");
    sqlite3_stmt* insert = it->second.insert;
    const bool dedupe = it->second.dedupe;
    uint64_t deduplicated = 0;
    for (const Row& row : rows) {
      spool::UnescapeName(row.escaped_name, &name_);
      sqlite3_bind_int64(insert, 1, row.unix_ts);
      sqlite3_bind_int64(insert, 2, row.user_id);
      sqlite3_bind_text(insert, 3, name_.data(), static_cast<int>(name_.size()), SQLITE_STATIC);
      if (dedupe) {
        if (row.event_id.empty()) {
          sqlite3_bind_null(insert, 4);
        } else {
          sqlite3_bind_text(insert, 4, row.event_id.data(), static_cast<int>(row.event_id.size()),
                            SQLITE_STATIC);
        }
      }
      const int rc = sqlite3_step(insert);
      sqlite3_reset(insert);
      if (rc != SQLITE_DONE) return InsertError(table);
      if (dedupe && sqlite3_changes(db_) == 0) ++deduplicated;
    }
    last_deduplicated_ = deduplicated;
    return Status::Ok();
  }

  uint64_t last_deduplicated() const override { return last_deduplicated_; }

  Status Savepoint() override { return Exec("SAVEPOINT logroute_batch"); }
  Status RollbackToSavepoint() override { return Exec("ROLLBACK TO logroute_batch"); }

  Result<LedgerClaim> Commit(const SegmentKey& key, const LedgerEntry& entry) override {
    BindKey(ledger_insert_, key);
    sqlite3_bind_int64(ledger_insert_, 4, static_cast<sqlite3_int64>(entry.rows));
    sqlite3_bind_int64(ledger_insert_, 5, static_cast<sqlite3_int64>(entry.rejected));
    sqlite3_bind_int64(ledger_insert_, 6, entry.checksum);
    const int rc = sqlite3_step(ledger_insert_);
    sqlite3_reset(ledger_insert_);
    if (rc == SQLITE_CONSTRAINT) {  // not under BEGIN IMMEDIATE; kept for a hand-made ledger row
      Rollback();
      LOGROUTE_ASSIGN_OR_RETURN(std::optional<LedgerEntry> committed, LookUp(key));
      return LedgerClaim{LedgerClaim::State::kAlreadyCommitted, committed.value_or(LedgerEntry{})};
    }
    if (rc != SQLITE_DONE) return Error("cannot write the ledger", Code::kIoError);
    LOGROUTE_RETURN_IF_ERROR(Exec("COMMIT"));
    in_transaction_ = false;
    return LedgerClaim{};
  }

  void Rollback() override {
    if (!in_transaction_) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    in_transaction_ = false;
  }

  Result<std::optional<LedgerEntry>> LookUp(const SegmentKey& key) override {
    BindKey(ledger_check_, key);
    const int rc = sqlite3_step(ledger_check_);
    std::optional<LedgerEntry> entry;
    if (rc == SQLITE_ROW) {
      entry = LedgerEntry{static_cast<uint64_t>(sqlite3_column_int64(ledger_check_, 0)),
                          static_cast<uint64_t>(sqlite3_column_int64(ledger_check_, 1)),
                          static_cast<uint32_t>(sqlite3_column_int64(ledger_check_, 2))};
    }
    sqlite3_reset(ledger_check_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return Error("cannot read the ledger", Code::kIoError);
    return entry;
  }

  Result<std::vector<uint64_t>> HighestCommitted(std::string_view spool_id, int shards) override {
    std::vector<uint64_t> highest(static_cast<size_t>(shards), 0);
    sqlite3_bind_text(ledger_highest_, 1, spool_id.data(), static_cast<int>(spool_id.size()),
                      SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(ledger_highest_)) == SQLITE_ROW) {
      const int64_t shard = sqlite3_column_int64(ledger_highest_, 0);
      if (shard >= 0 && shard < shards) {
        highest[static_cast<size_t>(shard)] =
            static_cast<uint64_t>(sqlite3_column_int64(ledger_highest_, 1));
      }
    }
    sqlite3_reset(ledger_highest_);
    if (rc != SQLITE_DONE) return Error("cannot read the ledger", Code::kIoError);
    return highest;
  }

  std::string Describe() const override { return "sqlite:" + path_; }

 private:
  void Close() {
    for (auto& [name, table] : inserts_) sqlite3_finalize(table.insert);
    inserts_.clear();
    for (sqlite3_stmt** statement : {&ledger_check_, &ledger_insert_, &ledger_highest_}) {
      sqlite3_finalize(*statement);
      *statement = nullptr;
    }
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
    in_transaction_ = false;
  }

  // A refused row is whatever is not the database's state: a constraint, a
  // trigger's RAISE, a type or size it will not take. Flush bisects those.
  Status InsertError(std::string_view table) const {
    const int rc = sqlite3_errcode(db_);
    const bool refused = rc == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH || rc == SQLITE_TOOBIG ||
                         rc == SQLITE_RANGE || rc == SQLITE_ERROR;
    return Error("cannot insert into " + std::string(table),
                 refused ? Code::kDataError : Code::kIoError);
  }

  Status Error(const std::string& what, Code code) const {
    const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    const int rc = db_ != nullptr ? sqlite3_errcode(db_) : SQLITE_NOMEM;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) code = Code::kBusy;
    if (rc == SQLITE_FULL) code = Code::kNoSpace;
    return {code, "sqlite:" + path_ + ": " + what + ": " + detail};
  }

  Status Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK)
      return Status::Ok();
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    Status status = Error(text, Code::kIoError);  // for the code: busy and full are retryable
    return {status.code(), "sqlite:" + path_ + ": " + text + " (in: " + sql.substr(0, 60) + ")"};
  }

  // Switching a new database to WAL takes an exclusive lock, and SQLite
  // answers SQLITE_BUSY at once, without its busy handler, when another
  // flusher opening the same new file holds it: retry within the busy timeout.
  Status UseWal() {
    Status status;
    for (int waited_ms = 0; waited_ms < kBusyTimeoutMs; waited_ms += 10) {
      status = Exec("PRAGMA journal_mode=WAL");
      if (status.ok() || sqlite3_errcode(db_) != SQLITE_BUSY) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status;
  }

  Status Prepare(const std::string& sql, sqlite3_stmt** statement) {
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, statement, nullptr) !=
        SQLITE_OK) {
      return Error("cannot prepare '" + sql + "'", Code::kUsage);
    }
    return Status::Ok();
  }

  Status CheckColumns(const std::string& table) {
    sqlite3_stmt* info = nullptr;
    LOGROUTE_RETURN_IF_ERROR(Prepare("PRAGMA table_info(\"" + table + "\")", &info));
    std::vector<TableColumn> columns;
    while (sqlite3_step(info) == SQLITE_ROW) {
      const bool not_null = sqlite3_column_int(info, 3) != 0;
      const bool no_default = sqlite3_column_type(info, 4) == SQLITE_NULL;
      const bool rowid =
          sqlite3_column_int(info, 5) != 0 &&
          sqlite3_stricmp(reinterpret_cast<const char*>(sqlite3_column_text(info, 2)), "INTEGER") ==
              0;
      columns.push_back({reinterpret_cast<const char*>(sqlite3_column_text(info, 1)),
                         not_null && no_default && !rowid});
    }
    sqlite3_finalize(info);
    return CheckTableColumns(Describe(), table, columns);
  }

  // True when `table` has an event_id column that a unique index of its own
  // covers: the one place a duplicate id can be told apart from other refusals.
  Result<bool> HasUniqueEventId(const std::string& table) {
    sqlite3_stmt* indexes = nullptr;
    LOGROUTE_RETURN_IF_ERROR(Prepare("PRAGMA index_list(\"" + table + "\")", &indexes));
    std::vector<std::string> unique;
    while (sqlite3_step(indexes) == SQLITE_ROW) {
      if (sqlite3_column_int(indexes, 2) != 0 && sqlite3_column_int(indexes, 4) == 0) {
        unique.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(indexes, 1)));
      }
    }
    sqlite3_finalize(indexes);
    for (const std::string& index : unique) {
      sqlite3_stmt* info = nullptr;
      LOGROUTE_RETURN_IF_ERROR(Prepare("PRAGMA index_info(\"" + index + "\")", &info));
      int columns = 0;
      bool event_id = false;
      while (sqlite3_step(info) == SQLITE_ROW) {
        ++columns;
        const auto* column = reinterpret_cast<const char*>(sqlite3_column_text(info, 2));
        event_id = column != nullptr && sqlite3_stricmp(column, "event_id") == 0;
      }
      sqlite3_finalize(info);
      if (columns == 1 && event_id) return true;
    }
    return false;
  }

  void BindKey(sqlite3_stmt* statement, const SegmentKey& key) {
    sqlite3_bind_text(statement, 1, key.spool_id.data(), static_cast<int>(key.spool_id.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int(statement, 2, key.shard);
    sqlite3_bind_int64(statement, 3, static_cast<sqlite3_int64>(key.seq));
  }

  std::string path_;
  SinkOptions options_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* ledger_check_ = nullptr;
  sqlite3_stmt* ledger_insert_ = nullptr;
  sqlite3_stmt* ledger_highest_ = nullptr;
  struct Table {
    sqlite3_stmt* insert = nullptr;
    bool dedupe = false;  // has event_id under a unique key: ids are deduplicated
  };
  std::map<std::string, Table, std::less<>> inserts_;
  uint64_t last_deduplicated_ = 0;
  std::string name_;  // unescape buffer, reused
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<Sink>> CreateSqliteSink(std::string_view dsn, const SinkOptions& options) {
  std::string_view path = dsn.substr(std::string_view("sqlite:").size());
  if (path.starts_with("//")) path.remove_prefix(2);  // sqlite://PATH, as some tools write it
  if (path.empty()) return Status::Usage("--db sqlite:PATH needs a path");
  return std::unique_ptr<Sink>(new SqliteSink(std::string(path), options));
}

}  // namespace logroute::sink
