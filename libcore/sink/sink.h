// Sink: where flush puts rows — one small interface, one file per database,
// one row per sink in the registry (registry.cc).
//
// The protocol, per segment (flush drives it: flush/segment_flusher.cc,
// doc/guarantees.md):
//
//   EnsureTable(t)...   before the transaction: DDL commits implicitly in MySQL
//   Begin(key)          opens a transaction that holds the segment's ledger key,
//                       or answers that the ledger already holds it (and what
//                       for), with no transaction open
//   { Savepoint() Insert(t, rows) [RollbackToSavepoint()] }...
//   Commit(key, entry)  writes what the segment held to the ledger and commits:
//                       the rows and the ledger row land together or not at all
//   Rollback()          instead of Commit(), or after any error in between
//
// Begin() does not only read the ledger; how it holds the key is the sink's:
// - MySQL looks the key up outside any transaction (committed: answered at
//   once), then starts a transaction and INSERTs the ledger row with zero
//   counts. A concurrent flusher of the same key waits on that row's lock;
//   once we commit, its INSERT fails as a duplicate and its Begin() answers
//   kAlreadyCommitted. Commit() UPDATEs the row with the real counts: were
//   the row gone, the server ended our transaction without a word (a Galera
//   abort), and Commit() rolls back and fails with TempFail.
// - SQLite takes the database's write lock (BEGIN IMMEDIATE), so a concurrent
//   flusher waits in its own Begin(), then looks the key up; Commit() INSERTs
//   the ledger row (kAlreadyCommitted, rolled back, should the key be there).
// Begin() that fails leaves no transaction open. Insert(), Savepoint(),
// RollbackToSavepoint() and Commit() that fail may leave it open (MySQL: a
// failed statement rolls back only itself): the caller then calls Rollback()
// before anything else, or Reconnect().
//
// Errors: retryable() ones (flush keeps the segment and may retry on a new
// connection): TempFail when the database is unreachable, the connection
// broke or the server is not in a state to take writes, Busy when it is
// locked (SQLite), NoSpace when its disk is full (SQLite); NoPermission when authentication or a
// table's privileges are refused; NoHost for a host name that does not
// resolve; Usage for a bad DSN, or from EnsureTable()/Insert() for a table
// that cannot take our rows (no such column, a column we cannot fill: the
// one check of sink/table_columns.h); and
// DataError, from Insert(), for any other refusal of the statement: flush
// bisects the rows to find the ones refused.
//
// Thread safety: a Sink is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/result.h"

namespace logroute::sink {

// One row. `escaped_name` is stored as the spool writes it (doc/spool-format.md):
// \\ \t \n \r \0 escaped; a sink unescapes as it needs. `event_id` is empty
// when the event has none; it needs no escaping (event::IsValidEventId).
struct Row {
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string_view escaped_name;
  std::string_view event_id = {};  // "= {}" lets initializers omit it
};

// The ledger key of a segment.
struct SegmentKey {
  std::string spool_id;
  int shard = 0;
  uint64_t seq = 0;
};

// What the ledger records of a committed segment: enough to tell the same
// segment (after a crash between commit and unlink) from another one under
// the same key (a copied or restored spool).
struct LedgerEntry {
  uint64_t rows = 0;      // rows inserted, or found there already by their event_id
  uint64_t rejected = 0;  // records sent to rejects/
  uint32_t checksum = 0;  // CRC-32C of the segment's lines (see flush's SegmentDigest)
  bool operator==(const LedgerEntry&) const = default;
};

// Who holds a segment's key, as Begin() and Commit() find it.
struct LedgerClaim {
  enum class State {
    kOurs,              // Begin(): our transaction holds it; Commit(): committed by us
    kAlreadyCommitted,  // the ledger holds it (see `committed`); no transaction is open
  };
  State state = State::kOurs;
  LedgerEntry committed;  // when kAlreadyCommitted

  bool ours() const { return state == State::kOurs; }
};

inline constexpr const char* kLedgerTable = "logroute_ledger";

class Sink {
 public:
  virtual ~Sink() = default;

  // Connects and creates the ledger table when missing.
  virtual Status Open() = 0;
  // Drops the connection, if any, and opens a new one (after an error that
  // broke it). Any open transaction is lost, as the server rolls it back.
  virtual Status Reconnect() = 0;
  // Creates `table` when missing (the original's Django layout: id, unix_ts,
  // user_id, event_name; plus a nullable event_id under a unique key for the
  // tables of SinkOptions::dedupe_tables); checks
  // that an existing one can take our rows (Usage, naming what is wrong, when
  // it cannot). An existing table is used as it is: with an event_id column
  // under a unique key of its own, ids are deduplicated there; without one,
  // rows are stored without their id (doc/operations.md).
  virtual Status EnsureTable(std::string_view table) = 0;

  // Holds `key` in a new transaction (kOurs), or finds it committed
  // (kAlreadyCommitted with its entry, no transaction open). See above.
  virtual Result<LedgerClaim> Begin(const SegmentKey& key) = 0;
  // Inserts rows into `table` inside the open transaction. A row whose
  // event_id the table's unique key already holds is not inserted, and is no
  // error: it is counted in last_deduplicated(). Any other refusal fails the
  // Insert as before, with nothing of it stored.
  virtual Status Insert(std::string_view table, std::span<const Row> rows) = 0;
  // The rows of the last successful Insert() left out as duplicates of an event_id.
  virtual uint64_t last_deduplicated() const { return 0; }
  // Savepoints let flush undo one failed Insert and bisect it.
  virtual Status Savepoint() = 0;
  virtual Status RollbackToSavepoint() = 0;
  // Records `entry` under `key` and commits (kOurs). kAlreadyCommitted when
  // the ledger holds the key already (SQLite: a row made by hand): ours is
  // rolled back.
  virtual Result<LedgerClaim> Commit(const SegmentKey& key, const LedgerEntry& entry) = 0;
  // Abandons the open transaction, if any. Never fails: a broken connection rolls back by itself.
  virtual void Rollback() = 0;

  // The ledger's entry for `key`, outside any transaction; nullopt when none.
  virtual Result<std::optional<LedgerEntry>> LookUp(const SegmentKey& key) = 0;
  // For each shard in [0, shards), the highest sequence number the ledger
  // holds for `spool_id` (0: none). A spool whose own counter is not beyond
  // it was copied or restored.
  virtual Result<std::vector<uint64_t>> HighestCommitted(std::string_view spool_id, int shards) = 0;

  // For logs: "sqlite:/var/lib/logroute/events.db", never a password.
  virtual std::string Describe() const = 0;
};

struct SinkOptions {
  std::string password_file;  // MySQL: read the password from this file
  // Tables that EnsureTable() creates with the event_id column and its
  // unique key; others are created in the original layout (flush --dedupe).
  std::set<std::string, std::less<>> dedupe_tables = {};
};

// Makes the sink for `dsn` ("sqlite:PATH", "mysql://..."); Usage error for an
// unknown scheme (listing DsnForms()) or a malformed DSN. The sink is not
// connected until Open().
Result<std::unique_ptr<Sink>> CreateSink(std::string_view dsn, const SinkOptions& options);

// The DSN forms of every registered sink, for help texts: "sqlite:PATH,
// mysql://USER@HOST:PORT/DB or mysql://USER@localhost/DB?socket=PATH".
std::string DsnForms();

}  // namespace logroute::sink
