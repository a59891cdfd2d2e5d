// One flush pass: seal every shard, then move each sealed segment into the
// sink exactly once (doc/guarantees.md):
//
//   flock(segment, LOCK_NB) ─ skip it if another flusher holds it
//   Begin(key) ─ already in the ledger? unlink, done
//   stream records ─ corrupt ones to rejects/; rows in bounded chunks, each
//                    under a savepoint; a chunk the server refuses is bisected
//                    until only the refused rows go to rejects/
//   Commit(key) ─ rows + ledger row in one transaction
//   unlink(segment)
//
// Memory stays bounded whatever the backlog: segments are streamed and rows
// are sent in chunks of FlushOptions::chunk_rows.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "libcore/sink/sink.h"
#include "libcore/spool/spool.h"

namespace logroute::flush {

struct FlushStats {
  uint64_t segments = 0;           // committed by this pass
  uint64_t already_committed = 0;  // found in the ledger (a crash after commit), unlinked
  uint64_t skipped_locked = 0;     // held by another flusher
  uint64_t rows = 0;
  uint64_t rejected = 0;  // records sent to rejects/
  std::vector<std::pair<std::string, uint64_t>> per_table;
  double seconds = 0;
  bool stopped_early = false;  // --max-seconds or a stop request cut the pass short

  // "segments=3 rows=120000 rejected=0 ... tables=logs:120000 seconds=0.41 rows_per_second=292682"
  std::string Summary() const;
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

// Runs one pass. Returns the first error that stopped it (the segment being
// flushed stays on disk); stats hold what was done before.
Status RunFlushPass(const spool::Spool& spool, sink::Sink& sink, const FlushOptions& options,
                    FlushStats* stats);

}  // namespace logroute::flush
