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
// A table with a unique key on event_id alone (EnsureTable names it) gets its
// rows with their ids, under IGNORE: a duplicate id is skipped with warning
// 1062 naming that key. A duplicate on a key of values the server generates
// (AUTO_INCREMENT, which flush never sends) is no row's fault: Galera hands
// out colliding ids for a while after a node rejoins. It fails the Insert with
// TempFail, so the segment is retried, never a row rejected; so does a
// warning whose code is the server's state (a deadlock under IGNORE). IGNORE would also turn
// refused values into warnings and store them truncated, so a statement whose warnings are anything
// but one such 1062 per row left out fails with DataError, as without IGNORE: the caller rolls it
// back to its savepoint and bisects, as ever.
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
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/sink/sink.h"

namespace logroute::sink {

enum class BulkPath { kArray, kLoad, kInsert };

// What an Insert() must know of the table's unique keys (EnsureTable reads them).
struct TableKeys {
  std::string event_id;  // the unique key on event_id alone, or "" (ids are not stored)
  std::vector<std::string> generated;  // unique keys of AUTO_INCREMENT columns only
};

class MysqlBulkWriter {
 public:
  // `context` prefixes error messages (the DSN); `first` is the path to try first.
  MysqlBulkWriter(MYSQL* mysql, std::string context, BulkPath first);
  ~MysqlBulkWriter();
  MysqlBulkWriter(const MysqlBulkWriter&) = delete;
  MysqlBulkWriter& operator=(const MysqlBulkWriter&) = delete;

  Status Insert(std::string_view table, std::span<const Row> rows, const TableKeys& keys);
  // Rows of the last successful Insert() skipped as duplicates of an event_id.
  uint64_t last_deduplicated() const { return deduplicated_; }
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
  // "INSERT [IGNORE] INTO `t` (columns)": the statement's head for this Insert().
  std::string InsertHead(std::string_view table) const;
  // After a statement that sent `sent` rows and stored `stored`: OK when
  // every row went in, or, under IGNORE, when every warning is a duplicate
  // of the event_id key, one per row left out (counted); else the first
  // other warning's Status (see StatementError).
  Status CheckStored(std::string_view table, uint64_t sent, uint64_t stored);
  Status Query(const std::string& sql, std::string_view what);
  // A statement's error (or warning) as a Status: a duplicate on a generated
  // key, TempFail; else as MysqlStatus classifies it.
  Status StatementError(std::string_view what, unsigned error, const char* message) const;
  // The first warning of the last statement that is not a duplicate of the
  // key `duplicates_of` (any, when empty): its code (0: none given) and
  // message; nullopt when every one of the `raised` warnings is such a duplicate.
  struct Warning {
    unsigned code = 0;
    std::string message;
  };
  std::optional<Warning> FirstWarning(std::string_view duplicates_of, unsigned raised);

  MYSQL* mysql_;
  std::string context_;
  BulkPath path_;
  size_t statement_limit_ = size_t{16} << 20;  // MariaDB's default max_allowed_packet
  std::map<std::string, MYSQL_STMT*, std::less<>> statements_;  // by InsertHead()
  const TableKeys* keys_ = nullptr;                             // of the current Insert()
  uint64_t deduplicated_ = 0;
  InfileSource infile_;
  std::string buffer_;  // TSV or SQL text, or the unescaped names of an array
  std::string name_;
  std::vector<int64_t> unix_ts_, user_id_;
  std::vector<char*> name_pointers_, id_pointers_;
  std::vector<unsigned long> name_lengths_, id_lengths_;
  std::vector<char> id_indicators_;
};

}  // namespace logroute::sink
