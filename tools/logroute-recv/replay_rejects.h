// recv --replay-rejects: the records of rejects/ files, checked again and put
// back into the spool (doc/spool-format.md, "Replaying rejects").
//
// Each record is judged as recv judges a new event: its checksum first (a
// record that fails it, or one of a torn batch, only with `force`; a record
// cut short never), then the event schema, then the handler chain of this
// run, which decides the table again: an operator may fix a route rather
// than a table. RECV_TS becomes the time of the replay. A file with at least
// one record replayed (or dropped by the chain) moves to rejects/replayed/;
// its records not replayed stay in rejects/ under its name; a file with none
// is left as it is. Files are taken in the order given, each once: a replay
// interrupted at any point is finished by the next run (RejectsReplayer).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "libcore/base/env.h"
#include "libcore/base/status.h"
#include "libcore/chain/chain.h"
#include "libcore/metrics/table_counts.h"
#include "libcore/spool/spool.h"

namespace logroute::recv {

struct ReplayOptions {
  std::vector<std::string> files;  // paths of files in SPOOL/rejects/
  bool force = false;              // also records with a bad checksum or of a torn batch
};

struct ReplayStats {
  uint64_t files_replayed = 0;     // moved to rejects/replayed/ by this run
  uint64_t files_interrupted = 0;  // replays of an earlier run finished by this one
  uint64_t files_unchanged = 0;    // nothing in them could be replayed
  uint64_t files_waiting = 0;      // their segment is still in the spool: run flush first
  uint64_t records = 0;            // put back into the spool
  uint64_t dropped = 0;            // taken by the unrouted `drop` policy
  uint64_t kept = 0;               // records (and unreadable entries) left in rejects/
  metrics::TableCounts per_table;

  // "files=2 records=10 dropped=0 kept=1 unchanged=0 waiting=0 tables=logs:10"
  std::string Summary() const;
};

// Replays `options.files`. Usage error, before anything is replayed, when a
// file is not in the spool's rejects/ (nor already replayed). Then OK when
// every record was replayed; TempFail when a file waits for flush (run again
// after a flush pass); DataError when some records stay in rejects/ (each is
// logged with its reason); the error of the spool otherwise.
Status ReplayRejects(const spool::Spool& spool, const chain::Chain& chain,
                     const ReplayOptions& options, ReplayStats* stats, Env* env = Env::Default());

}  // namespace logroute::recv
