// One flush pass: seal every shard, then move each sealed segment into the
// sink exactly once (doc/guarantees.md):
//
//   per shard, under its lock: refuse it if the ledger has seen its next
//                    sequence number (a copied or restored spool), else seal
//   per segment:
//     flock(segment, LOCK_NB) ─ skip it if another flusher holds it
//     Begin(key) ─ already in the ledger? the same segment (row count and
//                  checksum match): unlink; another one: keep it, refuse
//     stream records ─ corrupt ones to rejects/; rows in bounded chunks, each
//                      under a savepoint; a chunk the server refuses is bisected
//                      until only the refused rows go to rejects/; rows for a
//                      table that cannot take them go to rejects/
//     Commit(key) ─ rows + ledger row in one transaction
//     unlink(segment)
//
// One bad shard, table or segment never stops the rest of the pass: each
// failure is logged, counted, and the pass goes on. It stops only when the
// database itself is gone (and a new connection fails too). A segment that
// fails for a reason a retry may cure is retried on a new connection, a few
// times at most.
//
// Memory stays bounded whatever the backlog: segments are streamed and rows
// are sent in chunks of FlushOptions::chunk_rows.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libcore/metrics/table_counts.h"
#include "libcore/sink/sink.h"
#include "libcore/spool/spool.h"

namespace logroute::flush {

struct FlushStats {
  uint64_t segments = 0;             // committed by this pass
  uint64_t already_committed = 0;    // found in the ledger (a crash after commit), unlinked
  uint64_t skipped_locked = 0;       // held by another flusher
  uint64_t rows = 0;                 // rows inserted
  uint64_t deduplicated = 0;         // rows left out: their event_id was in the table already
  uint64_t rejected = 0;             // records sent to rejects/
  metrics::TableCounts per_table;    // rows inserted, by table
  uint64_t failed_shards = 0;        // not sealed, or refused as a copy: their `active` waits
  uint64_t failed_segments = 0;      // kept on disk after an error
  bool permanent_failure = false;    // one of the failures is not cured by a retry
  std::optional<Code> failure_code;  // the failures' code, while they all have one
  bool mixed_failures = false;
  // Tables that could not take rows this pass, and why: their rows were rejected.
  std::map<std::string, std::string, std::less<>> refused_tables;
  double seconds = 0;
  bool stopped_early = false;  // --max-seconds or a stop request cut the pass short

  // "segments=3 rows=120000 rejected=0 ... deduplicated=0 tables=logs:120000 seconds=0.41
  // rows_per_second=292682"
  std::string Summary() const;
  // True when the pass did nothing and nothing went wrong (logged at debug only).
  bool Idle() const;
  // Logs a failure of `what` ("shard-03", "shard-03/seg-…") and counts it.
  void FailShard(const std::string& what, const Status& status);
  void FailSegment(const std::string& what, const Status& status);

 private:
  void Count(const Status& status);
};

struct FlushOptions {
  std::string table_override;  // --table: every row goes there
  double max_seconds = 0;      // 0: no bound; else no new segment is started past it
  size_t chunk_rows = 20000;   // rows per Insert()
  // Called after each committed segment (progress display); may be empty.
  std::function<void(const FlushStats&, uint64_t backlog_bytes_left)> on_progress;
  // Set from a signal handler: finish the current segment, then stop.
  const std::atomic<bool>* stop = nullptr;
};

// Runs one pass. Returns OK when everything went; the error that stopped it
// when the database went away (TempFail) or cannot be used at all (--table
// refused: Usage). When shards or segments failed: if nothing could be moved
// and every failure had one cause (a read-only spool, a permission), that
// cause's code; otherwise TempFail if a retry may cure each of them, else
// Partial (refusals, of a copied spool or of a table, are always Partial).
// `stats` hold what was done.
Status RunFlushPass(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options,
                    FlushStats* stats);

}  // namespace logroute::flush
