// recv --stdin: NDJSON from a file descriptor into the spool.
//
// Lines of up to IngestOptions::max_line_bytes, CRLF tolerated, blank lines
// skipped. A bad line is reported (line number and reason) and skipped, or,
// with `strict`, ends the run. Accepted events are appended in batches: at
// most `batch_bytes`, and what one read(2) brought. Every good line read
// before a stop is spooled, and IngestStats::last_line says where to resume.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/base/env.h"
#include "libcore/chain/chain.h"
#include "libcore/metrics/table_counts.h"
#include "libcore/spool/writer.h"

namespace logroute::recv {

struct IngestOptions {
  bool strict = false;
  size_t max_line_bytes = 1 << 20;
  size_t batch_bytes = 1 << 20;
  uint64_t max_reported_errors = 1000;  // on stderr; past this, bad lines are only counted
  // When set, every bad line is appended to this file (created if missing),
  // however many: one rejects entry each (doc/spool-format.md), SOURCE
  // "stdin", POSITION "line N", DATA the line (its first 4 KiB when longer
  // than max_line_bytes).
  std::string rejects_file;
  // When readable, the run stops before its next read: the lines read so far
  // are dealt with, and IngestStats::interrupted is set (recv's SIGINT and
  // SIGTERM handlers write to a pipe whose read end this is). -1: none.
  int stop_fd = -1;
};

struct IngestStats {
  uint64_t lines = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;  // invalid, or refused by the chain
  uint64_t dropped = 0;   // taken by the unrouted `drop` policy
  metrics::TableCounts per_table;
  // Lines 1 to last_line are dealt with: spooled (synced, with fsync on), or
  // reported bad, blank or dropped; none after it is in the spool. The
  // resume point of a run that stopped early (tail -n +$((last_line + 1))).
  uint64_t last_line = 0;
  bool interrupted = false;  // stopped by IngestOptions::stop_fd

  // "accepted=3 rejected=1 dropped=0 lines=4 tables=logs:3 last_line=4"
  std::string Summary() const;
};

// Reads `fd` to its end, or until `options.stop_fd` is readable. Returns OK
// when every line read is dealt with (bad lines counted in `stats`); DataError
// (exit 65) on a bad line in strict mode; the spool's (or the rejects file's)
// error when writing fails.
Status IngestStream(int fd, const chain::Chain& chain, spool::SpoolWriter& writer,
                    const IngestOptions& options, IngestStats* stats, Env* env = Env::Default());

}  // namespace logroute::recv
