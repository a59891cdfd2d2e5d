// Bulk inserts into MySQL/MariaDB: the three paths Connector/C offers, the
// fastest the server supports first (figures: bench/flush_bench.sh):
//
//   array  prepared INSERT executed once for a whole chunk (STMT_ATTR_ARRAY_SIZE;
//          MariaDB's bulk protocol): fastest, no text to parse
//   load   LOAD DATA LOCAL INFILE fed from memory: for servers without the
//          bulk protocol (MySQL); the spool's escapes are LOAD DATA's
//   insert multi-row INSERT: when the server also refuses LOCAL (MySQL 8's default)
//
// Each falls back to the next by itself, inside the caller's transaction.
// Whatever the path, a value the server will not take in strict mode fails the
// Insert with DataError and stores nothing (LOAD DATA LOCAL turns such errors
// into warnings, so any warning fails it), which is what lets flush bisect.
//
// Statements are cut to fit the server's max_allowed_packet (the statement
// limit): a chunk goes in as several executes when its rows need it. A row no
// statement of that size can carry fails the Insert with DataError before
// anything is sent, so flush rejects it with the reason. LOAD DATA streams its
// rows in packets of its own, so its chunks are cut only to bound memory.
//
// Not thread-safe; lives as long as its connection.
#pragma once

#include <mysql.h>

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/sink/sink.h"

namespace logroute::sink {

enum class BulkPath { kArray, kLoad, kInsert };

class MysqlBulkWriter {
 public:
  // `context` prefixes error messages (the DSN); `first` is the path to try first.
  MysqlBulkWriter(MYSQL* mysql, std::string context, BulkPath first);
  ~MysqlBulkWriter();
  MysqlBulkWriter(const MysqlBulkWriter&) = delete;
  MysqlBulkWriter& operator=(const MysqlBulkWriter&) = delete;

  Status Insert(std::string_view table, std::span<const Row> rows);
  BulkPath path() const { return path_; }
  // The largest statement (packet) to send, in bytes.
  void set_statement_limit(size_t bytes) { statement_limit_ = bytes; }
  size_t statement_limit() const { return statement_limit_; }

  // What LOAD DATA LOCAL reads from (the local-infile callbacks' state).
  struct InfileSource {
    std::string_view data;
    size_t offset = 0;
  };

 private:
  // Runs `insert` on consecutive runs of `rows` whose statements stay within
  // the limit (`row_bytes`: a row's share of one), so many as needed.
  template <typename RowBytes, typename InsertRun>
  Status InRuns(std::string_view table, std::span<const Row> rows, RowBytes row_bytes,
                InsertRun insert);
  Status InsertArray(std::string_view table, std::span<const Row> rows);
  Status LoadData(std::string_view table, std::span<const Row> rows);
  Status InsertValues(std::string_view table, std::span<const Row> rows);
  Result<MYSQL_STMT*> StatementFor(std::string_view table);
  Status Query(const std::string& sql, std::string_view what);
  std::string FirstWarning();

  MYSQL* mysql_;
  std::string context_;
  BulkPath path_;
  size_t statement_limit_ = size_t{16} << 20;  // MariaDB's default max_allowed_packet
  std::map<std::string, MYSQL_STMT*, std::less<>> statements_;
  InfileSource infile_;
  std::string buffer_;  // TSV or SQL text, or the unescaped names of an array
  std::string name_;
  std::vector<int64_t> unix_ts_, user_id_;
  std::vector<char*> name_pointers_;
  std::vector<unsigned long> name_lengths_;
};

}  // namespace logroute::sink
