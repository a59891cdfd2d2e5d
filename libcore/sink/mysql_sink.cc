// mysql://… — the production sink, through MariaDB Connector/C (libmysqlclient's API).
//
// Bulk path: LOAD DATA LOCAL INFILE fed from memory by a local-infile handler.
// The spool already stores event names with LOAD DATA's escapes, so a row is
// three fields copied as they are. LOCAL turns data errors into warnings, so
// any warning fails the Insert (DataError) and flush bisects with savepoints:
// a refused value is never stored truncated. `?bulk=insert` selects multi-row
// INSERT instead (bench/ compares the two).
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <set>

#include <spdlog/spdlog.h>

#include "libcore/base/file_util.h"
#include "libcore/sink/dsn.h"
#include "libcore/sink/sink.h"
#include "libcore/spool/record.h"

namespace logroute::sink {
namespace {

constexpr unsigned kConnectTimeoutSeconds = 10;
constexpr unsigned kReadWriteTimeoutSeconds = 300;

Code ClassifyError(unsigned error) {
  switch (error) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
      return Code::kNoPermission;
    case ER_BAD_DB_ERROR:
      return Code::kUnavailable;
    case ER_DATA_TOO_LONG:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_BAD_NULL_ERROR:
    case ER_DUP_ENTRY:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED_2:
    case WARN_DATA_TRUNCATED:
    case ER_CONSTRAINT_FAILED:
      return Code::kDataError;
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR:
      return Code::kUsage;
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
    case ER_CON_COUNT_ERROR:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_OPTION_PREVENTS_STATEMENT:  // read-only during a failover
      return Code::kTempFail;
    default:
      // Client-side errors (2000-2999): host down, connection lost, timeouts.
      if (error >= 2000 && error < 3000) return Code::kTempFail;
      return Code::kIoError;
  }
}

// Feeds LOAD DATA LOCAL INFILE from a buffer (mysql_set_local_infile_handler).
struct InfileSource {
  std::string_view data;
  size_t offset = 0;
};

int InfileInit(void** state, const char*, void* source) {
  static_cast<InfileSource*>(source)->offset = 0;
  *state = source;
  return 0;
}

int InfileRead(void* state, char* buffer, unsigned int length) {
  auto* source = static_cast<InfileSource*>(state);
  const size_t n = std::min<size_t>(length, source->data.size() - source->offset);
  std::memcpy(buffer, source->data.data() + source->offset, n);
  source->offset += n;
  return static_cast<int>(n);
}

void InfileEnd(void*) {}

int InfileError(void*, char* message, unsigned int length) {
  std::snprintf(message, length, "logroute infile source failed");
  return CR_UNKNOWN_ERROR;
}

void AppendInt(int64_t value, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out->append(digits, end);
}

class MysqlSink final : public Sink {
 public:
  MysqlSink(MysqlDsn dsn, SinkOptions options)
      : dsn_(std::move(dsn)), options_(std::move(options)) {}
  ~MysqlSink() override {
    if (mysql_ != nullptr) mysql_close(mysql_);
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
      Result<std::string> read = ReadFile(options_.password_file);
      if (!read.ok()) return read.status().Wrap("--password-file");
      password = std::move(read).value();
      while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
        password.pop_back();
      }
    }
    const std::string socket = dsn_.Param("socket");
    if (mysql_real_connect(mysql_, dsn_.host.empty() ? nullptr : dsn_.host.c_str(),
                           dsn_.user.empty() ? nullptr : dsn_.user.c_str(),
                           options_.password_file.empty() ? nullptr : password.c_str(),
                           dsn_.database.c_str(), dsn_.port,
                           socket.empty() ? nullptr : socket.c_str(), 0) == nullptr) {
      return Error("cannot connect");
    }
    InstallInfileHandler();
    // Strict mode on our session whatever the server's default: a value that
    // does not fit is refused (and rejected with the reason), never truncated.
    LOGROUTE_RETURN_IF_ERROR(
        Query("SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')"));
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
    LOGROUTE_RETURN_IF_ERROR(Query("CREATE TABLE IF NOT EXISTS `" + name +
                                   "` (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                                   " unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL,"
                                   " event_name VARCHAR(255) NOT NULL)"
                                   " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
    LOGROUTE_RETURN_IF_ERROR(
        Query("SELECT COLUMN_NAME, IS_NULLABLE = 'NO' AND COLUMN_DEFAULT IS NULL AND EXTRA NOT"
              " LIKE '%auto_increment%' AND EXTRA NOT LIKE '%GENERATED%'"
              " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
              " AND TABLE_NAME = '" +
              name + "'"));
    std::set<std::string> columns;
    std::string unfillable;  // a column we do not fill that refuses to be left out
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read the columns of " + name);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      columns.insert(row[0]);
      const std::string_view column = row[0];
      if (row[1] != nullptr && row[1][0] == '1' && column != "unix_ts" && column != "user_id" &&
          column != "event_name") {
        unfillable = column;
      }
    }
    mysql_free_result(result);
    for (const char* required : {"unix_ts", "user_id", "event_name"}) {
      if (columns.count(required) == 0) {
        return Status::Usage(dsn_.text + ": table " + name + " has no column " + required +
                             " (needs unix_ts, user_id, event_name)");
      }
    }
    if (!unfillable.empty()) {
      // Every row would be refused and, one by one, rejected: a setup error instead.
      return Status::Usage(dsn_.text + ": table " + name + " has column " + unfillable +
                           " NOT NULL without a default; no row could be inserted");
    }
    ensured_.insert(name);
    return Status::Ok();
  }

  Result<bool> Begin(const SegmentKey& key) override {
    LOGROUTE_RETURN_IF_ERROR(Query("SELECT 1 FROM " + std::string(kLedgerTable) + KeyWhere(key)));
    MYSQL_RES* result = mysql_store_result(mysql_);
    if (result == nullptr) return Error("cannot read the ledger");
    const bool committed = mysql_num_rows(result) > 0;
    mysql_free_result(result);
    if (committed) return false;
    LOGROUTE_RETURN_IF_ERROR(Query("START TRANSACTION"));
    in_transaction_ = true;
    return true;
  }

  Status Insert(std::string_view table, std::span<const Row> rows) override {
    if (rows.empty()) return Status::Ok();
    if (!use_load_data_) return InsertValues(table, rows);
    Status loaded = LoadData(table, rows);
    const unsigned error = mysql_errno(mysql_);
    if (!loaded.ok() &&
        (error == ER_NOT_ALLOWED_COMMAND || error == ER_LOAD_INFILE_CAPABILITY_DISABLED)) {
      // MySQL 8 ships with local_infile=OFF: the same rows go in as INSERTs,
      // slower but the same transaction, so nothing else changes.
      spdlog::warn("The server refuses LOAD DATA LOCAL INFILE ({}); using multi-row INSERT",
                   mysql_error(mysql_));
      use_load_data_ = false;
      return InsertValues(table, rows);
    }
    return loaded;
  }

  Status Savepoint() override { return Query("SAVEPOINT logroute_batch"); }
  Status RollbackToSavepoint() override { return Query("ROLLBACK TO SAVEPOINT logroute_batch"); }

  Result<bool> Commit(const SegmentKey& key, const SegmentSummary& summary) override {
    std::string sql = "INSERT INTO " + std::string(kLedgerTable) +
                      " (spool_id, shard, seq, row_count, rejected_count, checksum) VALUES ('" +
                      key.spool_id + "'," + std::to_string(key.shard) + "," +
                      std::to_string(key.seq) + "," + std::to_string(summary.rows) + "," +
                      std::to_string(summary.rejected) + "," + std::to_string(summary.checksum) +
                      ")";
    if (mysql_query(mysql_, sql.c_str()) != 0) {
      if (mysql_errno(mysql_) == ER_DUP_ENTRY) {  // a concurrent flusher committed it first
        Rollback();
        return false;
      }
      return Error("cannot write the ledger");
    }
    if (mysql_commit(mysql_) != 0) return Error("cannot commit");
    in_transaction_ = false;
    return true;
  }

  void Rollback() override {
    if (!in_transaction_) return;
    mysql_rollback(mysql_);  // if the connection broke, the server rolled back already
    in_transaction_ = false;
  }

  std::string Describe() const override { return dsn_.text; }

 private:
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

  void InstallInfileHandler() {
    mysql_set_local_infile_handler(mysql_, &InfileInit, &InfileRead, &InfileEnd, &InfileError,
                                   &infile_);
  }

  Status LoadData(std::string_view table, std::span<const Row> rows) {
    buffer_.clear();
    for (const Row& row : rows) {
      AppendInt(row.unix_ts, &buffer_);
      buffer_.push_back('\t');
      AppendInt(row.user_id, &buffer_);
      buffer_.push_back('\t');
      buffer_.append(row.escaped_name);  // the spool's escapes are LOAD DATA's
      buffer_.push_back('\n');
    }
    infile_.data = buffer_;
    LOGROUTE_RETURN_IF_ERROR(
        Query("LOAD DATA LOCAL INFILE 'logroute-segment' INTO TABLE `" + std::string(table) +
              "` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\'"
              " LINES TERMINATED BY '\\n' (unix_ts, user_id, event_name)"));
    if (mysql_affected_rows(mysql_) != rows.size() || mysql_warning_count(mysql_) > 0) {
      return Status::DataError(dsn_.text + ": the server refused rows of " + std::string(table) +
                               ": " + FirstWarning());
    }
    return Status::Ok();
  }

  Status InsertValues(std::string_view table, std::span<const Row> rows) {
    buffer_ = "INSERT INTO `" + std::string(table) + "` (unix_ts, user_id, event_name) VALUES ";
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i > 0) buffer_.push_back(',');
      buffer_.push_back('(');
      AppendInt(rows[i].unix_ts, &buffer_);
      buffer_.push_back(',');
      AppendInt(rows[i].user_id, &buffer_);
      buffer_.append(",'");
      spool::UnescapeName(rows[i].escaped_name, &name_);
      const size_t at = buffer_.size();
      buffer_.resize(at + 2 * name_.size() + 1);
      const unsigned long n =
          mysql_real_escape_string(mysql_, buffer_.data() + at, name_.data(), name_.size());
      buffer_.resize(at + n);
      buffer_.append("')");
    }
    return Query(buffer_);
  }

  std::string FirstWarning() {
    if (mysql_query(mysql_, "SHOW WARNINGS LIMIT 1") != 0) return "(warnings unreadable)";
    MYSQL_RES* result = mysql_store_result(mysql_);
    std::string text = "row count differs from what was sent";
    if (result != nullptr) {
      if (MYSQL_ROW row = mysql_fetch_row(result)) {
        text = std::string(row[2] != nullptr ? row[2] : "") + " (" +
               (row[1] != nullptr ? row[1] : "?") + ")";
      }
      mysql_free_result(result);
    }
    return text;
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
    const unsigned error = mysql_errno(mysql_);
    return {ClassifyError(error), dsn_.text + ": " + what + ": " + mysql_error(mysql_) +
                                      " (error " + std::to_string(error) + ")"};
  }

  MysqlDsn dsn_;
  SinkOptions options_;
  MYSQL* mysql_ = nullptr;
  InfileSource infile_;
  std::string buffer_;
  std::string name_;
  std::set<std::string, std::less<>> ensured_;
  bool in_transaction_ = false;
  bool use_load_data_ = dsn_.Param("bulk") != "insert";
};

}  // namespace

Result<std::unique_ptr<Sink>> NewMysqlSink(std::string_view dsn, const SinkOptions& options) {
  LOGROUTE_ASSIGN_OR_RETURN(MysqlDsn parsed, ParseMysqlDsn(dsn));
  const std::string bulk = parsed.Param("bulk");
  if (!bulk.empty() && bulk != "load" && bulk != "insert") {
    return Status::Usage("--db: bulk must be load or insert, not '" + bulk + "'");
  }
  return std::unique_ptr<Sink>(new MysqlSink(std::move(parsed), options));
}

}  // namespace logroute::sink
