// Sink: where flush puts rows — one small interface, one file per database,
// one row per sink in the registry (registry.cc).
//
// The exactly-once protocol is flush's (tools/logroute-flush); a sink offers
// the transaction it needs: Begin() tells whether a segment is already in the
// ledger; Insert() adds rows; Commit() adds the ledger row and commits, so the
// rows and the ledger row land together or not at all.
//
// Errors: TempFail when the database is unreachable or the connection broke
// (flush exits 75, the segment stays); NoPermission when authentication is
// refused; DataError when the server refused rows (flush bisects to find
// them); Usage for a bad DSN or a table that lacks a required column.
//
// Thread safety: a Sink is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "libcore/base/result.h"

namespace logroute::sink {

// One row. `escaped_name` is stored as the spool writes it (doc/spool-format.md):
// \\ \t \n \r \0 escaped; a sink unescapes as it needs.
struct Row {
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string_view escaped_name;
};

// The ledger key of a segment, and what the ledger row records about it.
struct SegmentKey {
  std::string spool_id;
  int shard = 0;
  uint64_t seq = 0;
};

struct SegmentSummary {
  uint64_t rows = 0;      // rows inserted
  uint64_t rejected = 0;  // records sent to rejects/
  uint32_t checksum = 0;  // CRC-32C of the segment file
};

inline constexpr const char* kLedgerTable = "logroute_ledger";

class Sink {
 public:
  virtual ~Sink() = default;

  // Connects and creates the ledger table when missing.
  virtual Status Open() = 0;
  // Creates `table` when missing (the original's Django layout: id, unix_ts,
  // user_id, event_name); checks that an existing one has those columns.
  virtual Status EnsureTable(std::string_view table) = 0;

  // Starts the transaction of a segment. Returns false (and no transaction
  // is open) when the ledger already holds `key`: committed before.
  virtual Result<bool> Begin(const SegmentKey& key) = 0;
  // Inserts rows into `table` inside the open transaction.
  virtual Status Insert(std::string_view table, std::span<const Row> rows) = 0;
  // Savepoints let flush undo one failed Insert and bisect it.
  virtual Status Savepoint() = 0;
  virtual Status RollbackToSavepoint() = 0;
  // Adds the ledger row and commits. If the ledger already holds the key (a
  // concurrent flusher won), rolls back and returns false.
  virtual Result<bool> Commit(const SegmentKey& key, const SegmentSummary& summary) = 0;
  // Abandons the open transaction, if any. Never fails: a broken connection rolls back by itself.
  virtual void Rollback() = 0;

  // For logs: "sqlite:/var/lib/logroute/events.db", never a password.
  virtual std::string Describe() const = 0;
};

struct SinkOptions {
  std::string password_file;  // MySQL: read the password from this file
};

// Makes the sink for `dsn` ("sqlite:PATH", "mysql://..."); Usage error for an
// unknown scheme or a malformed DSN. The sink is not connected until Open().
Result<std::unique_ptr<Sink>> MakeSink(std::string_view dsn, const SinkOptions& options);

}  // namespace logroute::sink
