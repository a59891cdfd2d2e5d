#include "libcore/sink/mysql_bulk.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include <spdlog/spdlog.h>

#include "libcore/sink/mysql_error.h"
#include "libcore/spool/record.h"

namespace logroute::sink {
namespace {

using Source = MysqlBulkWriter::InfileSource;

int InfileInit(void** state, const char*, void* source) {
  static_cast<Source*>(source)->offset = 0;
  *state = source;
  return 0;
}

int InfileRead(void* state, char* buffer, unsigned int length) {
  auto* source = static_cast<Source*>(state);
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

// MariaDB 10.2+ executes one prepared statement for an array of rows; MySQL does not.
bool ServerHasBulkProtocol(MYSQL* mysql) {
  unsigned long capabilities = 0, extended = 0;
  mariadb_get_infov(mysql, MARIADB_CONNECTION_SERVER_CAPABILITIES, &capabilities);
  mariadb_get_infov(mysql, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &extended);
  return (capabilities & CLIENT_MYSQL) == 0 &&
         (extended & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) != 0;
}

// What one row adds to a statement, at most, on each path: the bulk protocol
// sends a flag byte, 8 bytes and a length per value; an INSERT writes the
// digits, the name escaped (each byte at most twice) and the punctuation.
size_t ArrayRowBytes(const Row& row) { return 48 + row.escaped_name.size() + row.event_id.size(); }
size_t ValuesRowBytes(const Row& row) {
  return 56 + 2 * row.escaped_name.size() + row.event_id.size();
}
size_t LoadRowBytes(const Row& row) { return 48 + row.escaped_name.size() + row.event_id.size(); }
// The statement around the rows (its text, the packet's headers).
constexpr size_t kStatementOverhead = 512;

void AppendInt(int64_t value, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out->append(digits, end);
}

}  // namespace

MysqlBulkWriter::MysqlBulkWriter(MYSQL* mysql, std::string context, BulkPath first)
    : mysql_(mysql), context_(std::move(context)), path_(first) {
  mysql_set_local_infile_handler(mysql_, &InfileInit, &InfileRead, &InfileEnd, &InfileError,
                                 &infile_);
}

MysqlBulkWriter::~MysqlBulkWriter() {
  for (auto& [table, statement] : statements_) mysql_stmt_close(statement);
}

Status MysqlBulkWriter::Insert(std::string_view table, std::span<const Row> rows,
                               const TableKeys& keys) {
  deduplicated_ = 0;
  if (rows.empty()) return Status::Ok();
  keys_ = &keys;
  if (path_ == BulkPath::kArray) {
    if (ServerHasBulkProtocol(mysql_)) {
      return InRuns(table, rows, &ArrayRowBytes,
                    [this](auto t, auto run) { return InsertArray(t, run); });
    }
    spdlog::info("The server has no bulk protocol (not MariaDB); using LOAD DATA LOCAL INFILE");
    path_ = BulkPath::kLoad;
  }
  if (path_ == BulkPath::kLoad) {
    Status loaded =
        InRuns(table, rows, &LoadRowBytes, [this](auto t, auto run) { return LoadData(t, run); });
    const unsigned error = mysql_errno(mysql_);
    if (loaded.ok() ||
        (error != ER_NOT_ALLOWED_COMMAND && error != ER_LOAD_INFILE_CAPABILITY_DISABLED)) {
      return loaded;
    }
    // MySQL 8 ships with local_infile=OFF: the same rows go in as INSERTs,
    // slower but in the same transaction, so nothing else changes.
    spdlog::warn("The server refuses LOAD DATA LOCAL INFILE ({}); using multi-row INSERT",
                 mysql_error(mysql_));
    path_ = BulkPath::kInsert;
  }
  return InRuns(table, rows, &ValuesRowBytes,
                [this](auto t, auto run) { return InsertValues(t, run); });
}

template <typename RowBytes, typename InsertRun>
Status MysqlBulkWriter::InRuns(std::string_view table, std::span<const Row> rows,
                               RowBytes row_bytes, InsertRun insert) {
  const size_t budget =
      statement_limit_ > kStatementOverhead ? statement_limit_ - kStatementOverhead : 0;
  if (path_ != BulkPath::kLoad) {
    for (const Row& row : rows) {
      if (row_bytes(row) > budget) {
        return Status::DataError(context_ + ": a row of about " + std::to_string(row_bytes(row)) +
                                 " bytes does not fit in a statement the server takes (" +
                                 std::to_string(statement_limit_) +
                                 " bytes: its max_allowed_packet)");
      }
    }
  }
  size_t begin = 0;
  while (begin < rows.size()) {
    size_t end = begin, bytes = 0;
    while (end < rows.size() && (end == begin || bytes + row_bytes(rows[end]) <= budget)) {
      bytes += row_bytes(rows[end++]);
    }
    LOGROUTE_RETURN_IF_ERROR(insert(table, rows.subspan(begin, end - begin)));
    begin = end;
  }
  return Status::Ok();
}

std::string MysqlBulkWriter::InsertHead(std::string_view table) const {
  return keys_->event_id.empty()
             ? "INSERT INTO `" + std::string(table) + "` (unix_ts, user_id, event_name)"
             : "INSERT IGNORE INTO `" + std::string(table) +
                   "` (unix_ts, user_id, event_name, event_id)";
}

Result<MYSQL_STMT*> MysqlBulkWriter::StatementFor(std::string_view table) {
  const std::string head = InsertHead(table);
  if (auto it = statements_.find(head); it != statements_.end()) return it->second;
  MYSQL_STMT* statement = mysql_stmt_init(mysql_);
  if (statement == nullptr) return Status::Internal("mysql_stmt_init failed (out of memory)");
  const std::string sql =
      head + (keys_->event_id.empty() ? " VALUES (?, ?, ?)" : " VALUES (?, ?, ?, ?)");
  if (mysql_stmt_prepare(statement, sql.data(), sql.size()) != 0) {
    Status status = MysqlStatus(context_, "cannot prepare the insert into " + std::string(table),
                                mysql_stmt_errno(statement), mysql_stmt_error(statement));
    mysql_stmt_close(statement);
    return status;
  }
  statements_.emplace(head, statement);
  return statement;
}

Status MysqlBulkWriter::InsertArray(std::string_view table, std::span<const Row> rows) {
  LOGROUTE_ASSIGN_OR_RETURN(MYSQL_STMT * statement, StatementFor(table));
  // Column-wise binding: an array per column; strings as an array of pointers
  // into one buffer of unescaped names, filled before any pointer is taken.
  unix_ts_.clear();
  user_id_.clear();
  name_lengths_.clear();
  buffer_.clear();
  for (const Row& row : rows) {
    unix_ts_.push_back(row.unix_ts);
    user_id_.push_back(row.user_id);
    const size_t before = buffer_.size();
    spool::AppendUnescapedName(row.escaped_name, &buffer_);
    name_lengths_.push_back(static_cast<unsigned long>(buffer_.size() - before));
  }
  name_pointers_.clear();
  char* next = buffer_.data();
  for (unsigned long length : name_lengths_) {
    name_pointers_.push_back(next);
    next += length;
  }

  const bool with_ids = !keys_->event_id.empty();
  if (with_ids) {
    // Ids need no unescaping: pointers straight into the rows' records.
    id_pointers_.clear();
    id_lengths_.clear();
    id_indicators_.clear();
    for (const Row& row : rows) {
      id_pointers_.push_back(const_cast<char*>(row.event_id.data()));
      id_lengths_.push_back(static_cast<unsigned long>(row.event_id.size()));
      id_indicators_.push_back(row.event_id.empty() ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE);
    }
  }

  MYSQL_BIND bind[4];
  std::memset(bind, 0, sizeof bind);
  bind[0].buffer_type = MYSQL_TYPE_LONGLONG;
  bind[0].buffer = unix_ts_.data();
  bind[1].buffer_type = MYSQL_TYPE_LONGLONG;
  bind[1].buffer = user_id_.data();
  bind[2].buffer_type = MYSQL_TYPE_STRING;
  bind[2].buffer = name_pointers_.data();
  bind[2].length = name_lengths_.data();
  bind[3].buffer_type = MYSQL_TYPE_STRING;
  bind[3].buffer = id_pointers_.data();
  bind[3].length = id_lengths_.data();
  bind[3].u.indicator = id_indicators_.data();
  auto count = static_cast<unsigned int>(rows.size());
  if (mysql_stmt_attr_set(statement, STMT_ATTR_ARRAY_SIZE, &count) != 0 ||
      mysql_stmt_bind_param(statement, bind) != 0 || mysql_stmt_execute(statement) != 0) {
    return StatementError("cannot insert into " + std::string(table), mysql_stmt_errno(statement),
                          mysql_stmt_error(statement));
  }
  return CheckStored(table, rows.size(), mysql_stmt_affected_rows(statement));
}

Status MysqlBulkWriter::LoadData(std::string_view table, std::span<const Row> rows) {
  buffer_.clear();
  for (const Row& row : rows) {
    AppendInt(row.unix_ts, &buffer_);
    buffer_.push_back('\t');
    AppendInt(row.user_id, &buffer_);
    buffer_.push_back('\t');
    buffer_.append(row.escaped_name);  // the spool's escapes are LOAD DATA's
    if (!keys_->event_id.empty()) {
      buffer_.push_back('\t');
      buffer_.append(row.event_id.empty() ? std::string_view("\\N") : row.event_id);
    }
    buffer_.push_back('\n');
  }
  infile_.data = buffer_;
  const bool with_ids = !keys_->event_id.empty();
  LOGROUTE_RETURN_IF_ERROR(
      Query("LOAD DATA LOCAL INFILE 'logroute-segment' " + std::string(with_ids ? "IGNORE " : "") +
                "INTO TABLE `" + std::string(table) +
                "` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\'"
                " LINES TERMINATED BY '\\n' (unix_ts, user_id, event_name" +
                (with_ids ? ", event_id)" : ")"),
            "cannot load into " + std::string(table)));
  return CheckStored(table, rows.size(), mysql_affected_rows(mysql_));
}

Status MysqlBulkWriter::InsertValues(std::string_view table, std::span<const Row> rows) {
  const bool with_ids = !keys_->event_id.empty();
  buffer_ = InsertHead(table) + " VALUES ";
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
    buffer_.push_back('\'');
    if (with_ids) {  // an id's alphabet needs no quoting
      buffer_.push_back(',');
      if (rows[i].event_id.empty()) {
        buffer_.append("NULL");
      } else {
        buffer_.push_back('\'');
        buffer_.append(rows[i].event_id);
        buffer_.push_back('\'');
      }
    }
    buffer_.push_back(')');
  }
  LOGROUTE_RETURN_IF_ERROR(Query(buffer_, "cannot insert into " + std::string(table)));
  return CheckStored(table, rows.size(), mysql_affected_rows(mysql_));
}

Status MysqlBulkWriter::CheckStored(std::string_view table, uint64_t sent, uint64_t stored) {
  const unsigned warnings = mysql_warning_count(mysql_);
  if (keys_->event_id.empty() && path_ != BulkPath::kLoad) {
    // Strict mode without IGNORE: a refused value fails the statement itself.
    if (stored == sent) return Status::Ok();
    return Status::DataError(context_ + ": the server stored " + std::to_string(stored) + " of " +
                             std::to_string(sent) + " rows of " + std::string(table));
  }
  if (stored == sent && warnings == 0) return Status::Ok();
  const bool only_duplicates_possible =
      !keys_->event_id.empty() && stored < sent && warnings == sent - stored;
  const std::string_view duplicates_of =
      only_duplicates_possible ? std::string_view(keys_->event_id) : std::string_view();
  const std::optional<Warning> refusal = FirstWarning(duplicates_of, warnings);
  if (!refusal) {
    deduplicated_ += sent - stored;
    return Status::Ok();
  }
  const Warning& warning = *refusal;
  Status status = StatementError("the server refused rows of " + std::string(table), warning.code,
                                 warning.message.c_str());
  if (status.code() != Code::kDataError) return status;
  const std::string code = warning.code != 0 ? " (" + std::to_string(warning.code) + ")" : "";
  return Status::DataError(context_ + ": the server refused rows of " + std::string(table) + ": " +
                           warning.message + code);
}

Status MysqlBulkWriter::Query(const std::string& sql, std::string_view what) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) == 0) return Status::Ok();
  return StatementError(what, mysql_errno(mysql_), mysql_error(mysql_));
}

Status MysqlBulkWriter::StatementError(std::string_view what, unsigned error,
                                       const char* message) const {
  Status status = MysqlStatus(context_, what, error, message);
  if (error != ER_DUP_ENTRY || message == nullptr || keys_ == nullptr) return status;
  for (const std::string& key : keys_->generated) {
    if (IsDuplicateOfKey(message, key)) {
      return Status::TempFail(status.message() +
                              "; the server generated a value it already holds (AUTO_INCREMENT"
                              " after a cluster change?): retrying");
    }
  }
  return status;
}

std::optional<MysqlBulkWriter::Warning> MysqlBulkWriter::FirstWarning(
    std::string_view duplicates_of, unsigned raised) {
  if (mysql_query(mysql_, "SHOW WARNINGS") != 0) return Warning{0, "(warnings unreadable)"};
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result == nullptr) return Warning{0, "(warnings unreadable)"};
  std::optional<Warning> first;
  uint64_t listed = 0;
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    ++listed;
    const std::string_view message = row[2] != nullptr ? row[2] : "";
    const unsigned code =
        row[1] != nullptr ? static_cast<unsigned>(std::strtoul(row[1], nullptr, 10)) : 0;
    if (!duplicates_of.empty() && code == ER_DUP_ENTRY &&
        IsDuplicateOfKey(message, duplicates_of)) {
      continue;
    }
    first = Warning{code, std::string(message)};
    break;
  }
  mysql_free_result(result);
  if (!first && (duplicates_of.empty() || listed < raised)) {
    // No warning says why, or more were raised than listed (max_error_count).
    first = Warning{0, "the row count differs from what was sent"};
  }
  return first;
}

}  // namespace logroute::sink
