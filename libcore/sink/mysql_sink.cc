// mysql://… — the production sink, through MariaDB Connector/C (libmysqlclient's API).
//
// This file holds the connection, the ledger, the tables and the transaction;
// the rows go in through MysqlBulkWriter (mysql_bulk.h), which picks the
// fastest bulk path the server supports. The session sets its own sql_mode,
// strict, whatever the server's: a value that does not fit is refused (and
// rejected with the reason by flush), never stored truncated, and our
// statements mean the same on a server run with NO_BACKSLASH_ESCAPES or
// ANSI_QUOTES.
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "libcore/base/file_util.h"
#include "libcore/sink/dsn.h"
#include "libcore/sink/mysql_bulk.h"
#include "libcore/sink/mysql_error.h"
#include "libcore/sink/sink.h"
#include "libcore/sink/table_columns.h"

namespace logroute::sink {
namespace {

constexpr unsigned kConnectTimeoutSeconds = 10;
constexpr unsigned kReadWriteTimeoutSeconds = 300;

// Our session's sql_mode, whole: strict, and no mode that changes what our
// statements' quotes and backslashes mean (NO_BACKSLASH_ESCAPES breaks LOAD
// DATA's ESCAPED BY '\\', ANSI_QUOTES would read "..." as a name).
constexpr const char* kSessionSqlMode = "STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION";

// Every warning of a statement must be listed for the bulk writer to tell
// duplicates of an event_id from refused values: a chunk of more rows than
// this with warnings is refused, and bisected down to it.
constexpr unsigned kMaxErrorCount = 65535;

class MysqlSink final : public Sink {
 public:
  MysqlSink(MysqlDsn dsn, SinkOptions options, BulkPath first_path, size_t max_packet)
      : dsn_(std::move(dsn)),
        options_(std::move(options)),
        first_path_(first_path),
        statement_limit_(max_packet) {}
  ~MysqlSink() override { Close(); }

  Status Reconnect() override {
    Close();
    return Open();
  }

  Status Open() override {
    mysql_ = mysql_init(nullptr);
    if (mysql_ == nullptr) return Status::Internal("mysql_init failed (out of memory)");
    // [client] and [logroute] groups of the usual option files (~/.my.cnf, /etc/mysql/...).
    mysql_options(mysql_, MYSQL_READ_DEFAULT_GROUP, "logroute");
    mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const unsigned connect_timeout = kConnectTimeoutSeconds, io_timeout = kReadWriteTimeoutSeconds;
    mysql_options(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(mysql_, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    const unsigned local_infile = 1;
    mysql_options(mysql_, MYSQL_OPT_LOCAL_INFILE, &local_infile);
    LOGROUTE_RETURN_IF_ERROR(SetTlsOptions());

    std::string password;
    if (!options_.password_file.empty()) {
      Result<std::string> read = ReadFile(*Env::Default(), options_.password_file);
      if (!read.ok()) return read.status().Wrap("--password-file");
      password = std::move(read).value();
      while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
        password.pop_back();
      }
    }
    const std::string socket = dsn_.Param("socket");
    if (mysql_real_connect(
            mysql_, dsn_.host.empty() ? nullptr : dsn_.host.c_str(),
            dsn_.user.empty() ? nullptr : dsn_.user.c_str(),
            options_.password_file.empty() ? nullptr : password.c_str(), dsn_.database.c_str(),
            dsn_.port, socket.empty() ? nullptr : socket.c_str(), CLIENT_FOUND_ROWS) == nullptr) {
      return Error("cannot connect");
    }
    LOGROUTE_RETURN_IF_ERROR(Query(std::string("SET SESSION sql_mode = '") + kSessionSqlMode +
                                   "', max_error_count = " + std::to_string(kMaxErrorCount)));
    LOGROUTE_RETURN_IF_ERROR(ReadStatementLimit());
    // Should the server end a transaction without telling (a Galera brute-force
    // abort has been seen to), the statements after it must not autocommit on
    // their own: with autocommit off they open a new transaction, which
    // Commit() detects (the ledger row is gone) and rolls back.
    LOGROUTE_RETURN_IF_ERROR(Query("SET SESSION autocommit = 0"));
    // DDL only when needed: on a Galera cluster even a no-op CREATE TABLE
    // replicates, and aborts the other flushers' transactions in flight.
    LOGROUTE_ASSIGN_OR_RETURN(bool have_ledger, TableExists(kLedgerTable));
    if (have_ledger) return Status::Ok();
    return Query(std::string("CREATE TABLE IF NOT EXISTS ") + kLedgerTable +
                 " (spool_id VARCHAR(64) CHARACTER SET ascii NOT NULL, shard INT NOT NULL,"
                 " seq BIGINT UNSIGNED NOT NULL, row_count BIGINT UNSIGNED NOT NULL,"
                 " rejected_count BIGINT UNSIGNED NOT NULL, checksum INT UNSIGNED NOT NULL,"
                 " committed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                 " PRIMARY KEY (spool_id, shard, seq)) ENGINE=InnoDB");
  }

  Status EnsureTable(std::string_view table) override {
    const std::string name(table);
    if (ensured_.count(name) > 0) return Status::Ok();
    LOGROUTE_ASSIGN_OR_RETURN(bool exists, TableExists(name));
    if (!exists) {
      // Binary collation: "a" and "A" are two ids.
      const std::string key = options_.dedupe_tables.contains(name)
                                  ? ", event_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin"
                                    " NULL, UNIQUE KEY event_id (event_id)"
                                  : "";
      LOGROUTE_RETURN_IF_ERROR(Query("CREATE TABLE IF NOT EXISTS `" + name +
                                     "` (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                                     " unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL,"
                                     " event_name VARCHAR(255) NOT NULL" +
                                     key + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
    }
    LOGROUTE_RETURN_IF_ERROR(
        Query("SELECT COLUMN_NAME, IS_NULLABLE = 'NO' AND COLUMN_DEFAULT IS NULL AND EXTRA NOT"
              " LIKE '%auto_increment%' AND EXTRA NOT LIKE '%GENERATED%'"
              " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
              " AND TABLE_NAME = '" +
              name + "'"));
    std::vector<TableColumn> columns;
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read the columns of " + name);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      columns.push_back({row[0], row[1] != nullptr && row[1][0] == '1'});
    }
    mysql_free_result(result);
    LOGROUTE_RETURN_IF_ERROR(CheckTableColumns(dsn_.text, name, columns));
    LOGROUTE_ASSIGN_OR_RETURN(TableKeys keys, KeysOf(name));
    WarnIfNotDeduplicated(dsn_.text, name, options_.dedupe_tables.contains(name),
                          !keys.event_id.empty());
    ensured_.emplace(name, std::move(keys));
    return Status::Ok();
  }

  Result<LedgerClaim> Begin(const SegmentKey& key) override {
    LOGROUTE_ASSIGN_OR_RETURN(std::optional<LedgerEntry> committed, LookUp(key));
    if (committed) return LedgerClaim{LedgerClaim::State::kAlreadyCommitted, *committed};
    LOGROUTE_RETURN_IF_ERROR(Query("START TRANSACTION"));
    in_transaction_ = true;
    // The ledger row goes in first: it holds the key against a concurrent
    // flusher (who waits, then finds it), and Commit() finds it again only if
    // this very transaction survived.
    const std::string sql = "INSERT INTO " + std::string(kLedgerTable) +
                            " (spool_id, shard, seq, row_count, rejected_count, checksum)"
                            " VALUES ('" +
                            key.spool_id + "'," + std::to_string(key.shard) + "," +
                            std::to_string(key.seq) + ",0,0,0)";
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
      const bool committed_by_other = mysql_errno(mysql_) == ER_DUP_ENTRY;
      Status status = Error("cannot write the ledger");
      Rollback();
      if (!committed_by_other) return status;
      LOGROUTE_ASSIGN_OR_RETURN(committed, LookUp(key));
      return LedgerClaim{LedgerClaim::State::kAlreadyCommitted, committed.value_or(LedgerEntry{})};
    }
    return LedgerClaim{};
  }

  Status Insert(std::string_view table, std::span<const Row> rows) override {
    auto ensured = ensured_.find(table);
    if (ensured == ensured_.end()) {
      return Status::Internal("table " + std::string(table) + " not ensured");
    }
    Status status = bulk_->Insert(table, rows, ensured->second);
    if (!status.ok() && IsPacketError(mysql_errno(mysql_))) {
      // The server dropped a statement as too big (or went away while we
      // sent it): the next connection sends smaller ones, down to the
      // server's own limit at once when ours was set above it (?max-packet=).
      statement_limit_ = std::min(bulk_->statement_limit() / 2, server_packet_);
      return Status::TempFail(status.message() +
                              "; retrying on a new connection with statements of at most " +
                              std::to_string(statement_limit_) + " bytes");
    }
    return status;
  }

  uint64_t last_deduplicated() const override { return bulk_->last_deduplicated(); }

  Status Savepoint() override { return Query("SAVEPOINT logroute_batch"); }
  Status RollbackToSavepoint() override {
    Status status = Query("ROLLBACK TO SAVEPOINT logroute_batch");
    if (status.ok() || mysql_errno(mysql_) != ER_SP_DOES_NOT_EXIST) return status;
    // The server rolled the whole transaction back under the statement (a
    // deadlock or a Galera brute-force abort it reported as something else):
    // nothing of the segment is left, so it is retried, never blamed on rows.
    return Status::TempFail(status.message() + ": the server ended the transaction; retrying");
  }

  Result<LedgerClaim> Commit(const SegmentKey& key, const LedgerEntry& entry) override {
    LOGROUTE_RETURN_IF_ERROR(Query(
        "UPDATE " + std::string(kLedgerTable) + " SET row_count = " + std::to_string(entry.rows) +
        ", rejected_count = " + std::to_string(entry.rejected) +
        ", checksum = " + std::to_string(entry.checksum) + KeyWhere(key)));
    if (mysql_affected_rows(mysql_) != 1) {
      // The row Begin() inserted is gone: the server ended the transaction
      // without an error. Nothing of it may be committed; the segment stays.
      Rollback();
      return Status::TempFail(dsn_.text +
                              ": the server ended the transaction without an error (its ledger "
                              "row is gone); nothing was committed, the next pass retries");
    }
    if (mysql_commit(mysql_) != 0) return Error("cannot commit");
    in_transaction_ = false;
    return LedgerClaim{};
  }

  void Rollback() override {
    if (!in_transaction_) return;
    mysql_rollback(mysql_);  // if the connection broke, the server rolled back already
    in_transaction_ = false;
  }

  Result<std::optional<LedgerEntry>> LookUp(const SegmentKey& key) override {
    LOGROUTE_RETURN_IF_ERROR(Query("SELECT row_count, rejected_count, checksum FROM " +
                                   std::string(kLedgerTable) + KeyWhere(key)));
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read the ledger");
    std::optional<LedgerEntry> entry;
    if (MYSQL_ROW row = mysql_fetch_row(result)) {
      entry = LedgerEntry{std::stoull(row[0]), std::stoull(row[1]),
                          static_cast<uint32_t>(std::stoul(row[2]))};
    }
    mysql_free_result(result);
    EndReadOnlyTransaction();
    return entry;
  }

  Result<std::vector<uint64_t>> HighestCommitted(std::string_view spool_id, int shards) override {
    LOGROUTE_RETURN_IF_ERROR(Query("SELECT shard, MAX(seq) FROM " + std::string(kLedgerTable) +
                                   " WHERE spool_id = '" + std::string(spool_id) +
                                   "' GROUP BY shard"));
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read the ledger");
    std::vector<uint64_t> highest(static_cast<size_t>(shards), 0);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      const int shard = std::atoi(row[0]);
      if (shard >= 0 && shard < shards) highest[static_cast<size_t>(shard)] = std::stoull(row[1]);
    }
    mysql_free_result(result);
    EndReadOnlyTransaction();
    return highest;
  }

  std::string Describe() const override { return dsn_.text; }

 private:
  void Close() {
    bulk_.reset();  // its statements belong to the connection
    if (mysql_ != nullptr) mysql_close(mysql_);
    mysql_ = nullptr;
    ensured_.clear();
    in_transaction_ = false;
  }

  // With autocommit off, a SELECT outside our transactions opens one of its
  // own, whose snapshot would hide later commits from the next read: end it.
  void EndReadOnlyTransaction() {
    if (!in_transaction_) mysql_commit(mysql_);
  }

  // The server's max_allowed_packet bounds every statement; ?max-packet=
  // (for a proxy in between that allows less) replaces it until a packet
  // error says otherwise.
  Status ReadStatementLimit() {
    LOGROUTE_RETURN_IF_ERROR(Query("SELECT @@max_allowed_packet"));
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read max_allowed_packet");
    MYSQL_ROW row = mysql_fetch_row(result);
    server_packet_ = row != nullptr && row[0] != nullptr ? std::stoull(row[0]) : server_packet_;
    mysql_free_result(result);
    if (statement_limit_ == 0) statement_limit_ = server_packet_;
    bulk_ = std::make_unique<MysqlBulkWriter>(mysql_, dsn_.text, first_path_);
    bulk_->set_statement_limit(statement_limit_);
    return Status::Ok();
  }

  Status SetTlsOptions() {
    const std::string mode = dsn_.Param("ssl-mode");
    const std::string ca = dsn_.Param("ssl-ca"), cert = dsn_.Param("ssl-cert"),
                      key = dsn_.Param("ssl-key");
    if (!mode.empty() && mode != "DISABLED" && mode != "PREFERRED" && mode != "REQUIRED" &&
        mode != "VERIFY_CA" && mode != "VERIFY_IDENTITY") {
      return Status::Usage(dsn_.text + ": unknown ssl-mode '" + mode + "'");
    }
    const my_bool enforce = mode == "REQUIRED" || mode == "VERIFY_CA" || mode == "VERIFY_IDENTITY";
    const my_bool verify = mode == "VERIFY_CA" || mode == "VERIFY_IDENTITY";
    if (enforce) mysql_options(mysql_, MYSQL_OPT_SSL_ENFORCE, &enforce);
    if (verify) mysql_options(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    if (!ca.empty()) mysql_options(mysql_, MYSQL_OPT_SSL_CA, ca.c_str());
    if (!cert.empty()) mysql_options(mysql_, MYSQL_OPT_SSL_CERT, cert.c_str());
    if (!key.empty()) mysql_options(mysql_, MYSQL_OPT_SSL_KEY, key.c_str());
    return Status::Ok();
  }

  // The unique keys of `table` flush must know of (see TableKeys).
  Result<TableKeys> KeysOf(const std::string& table) {
    LOGROUTE_RETURN_IF_ERROR(
        Query("SELECT s.INDEX_NAME, COUNT(*) = 1 AND MAX(s.COLUMN_NAME) = 'event_id' AND"
              " MAX(s.SUB_PART) IS NULL, SUM(c.EXTRA NOT LIKE '%auto_increment%') = 0"
              " FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c"
              " ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME"
              " AND c.COLUMN_NAME = s.COLUMN_NAME WHERE s.TABLE_SCHEMA = DATABASE()"
              " AND s.TABLE_NAME = '" +
              table + "' AND s.NON_UNIQUE = 0 GROUP BY s.INDEX_NAME ORDER BY s.INDEX_NAME"));
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read the keys of " + table);
    TableKeys keys;
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      if (row[0] == nullptr) continue;
      if (row[1] != nullptr && row[1][0] == '1' && keys.event_id.empty()) keys.event_id = row[0];
      if (row[2] != nullptr && row[2][0] == '1') keys.generated.emplace_back(row[0]);
    }
    mysql_free_result(result);
    EndReadOnlyTransaction();
    return keys;
  }

  Result<bool> TableExists(std::string_view table) {
    LOGROUTE_RETURN_IF_ERROR(
        Query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = '" +
              std::string(table) + "'"));
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read information_schema.TABLES");
    const bool exists = mysql_num_rows(result) > 0;
    mysql_free_result(result);
    return exists;
  }

  static std::string KeyWhere(const SegmentKey& key) {
    return " WHERE spool_id = '" + key.spool_id + "' AND shard = " + std::to_string(key.shard) +
           " AND seq = " + std::to_string(key.seq);
  }

  Status Query(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()) == 0) return Status::Ok();
    return Error(sql.substr(0, std::min<size_t>(sql.find(' ', 20), 60)));
  }

  Status Error(const std::string& what) const {
    return MysqlStatus(dsn_.text, what, mysql_errno(mysql_), mysql_error(mysql_));
  }

  MysqlDsn dsn_;
  SinkOptions options_;
  MYSQL* mysql_ = nullptr;
  BulkPath first_path_ = BulkPath::kArray;
  size_t statement_limit_ = 0;               // 0: the server's
  size_t server_packet_ = size_t{16} << 20;  // its max_allowed_packet, read at connect
  std::unique_ptr<MysqlBulkWriter> bulk_;
  // Ensured tables, each with its keys (no event_id key: ids are not stored).
  std::map<std::string, TableKeys, std::less<>> ensured_;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<Sink>> CreateMysqlSink(std::string_view dsn, const SinkOptions& options) {
  LOGROUTE_ASSIGN_OR_RETURN(MysqlDsn parsed, ParseMysqlDsn(dsn));
  const std::string bulk = parsed.Param("bulk");
  BulkPath first = BulkPath::kArray;  // the fastest; it falls back by itself
  if (bulk == "load") {
    first = BulkPath::kLoad;
  } else if (bulk == "insert") {
    first = BulkPath::kInsert;
  } else if (!bulk.empty() && bulk != "array") {
    return Status::Usage("--db: bulk must be array, load or insert, not '" + bulk + "'");
  }
  size_t max_packet = 0;
  if (const std::string text = parsed.Param("max-packet"); !text.empty()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), max_packet);
    if (ec != std::errc() || end != text.data() + text.size() || max_packet < 1024) {
      return Status::Usage("--db: max-packet must be a number of bytes, at least 1024, not '" +
                           text + "'");
    }
  }
  return std::unique_ptr<Sink>(new MysqlSink(std::move(parsed), options, first, max_packet));
}

}  // namespace logroute::sink
