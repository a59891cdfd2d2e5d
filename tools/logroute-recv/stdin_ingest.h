// recv --stdin: NDJSON from a file descriptor into the spool.
//
// Lines of up to IngestOptions::max_line_bytes, CRLF tolerated, blank lines
// skipped. A bad line is reported (line number and reason) and skipped, or,
// with `strict`, ends the run. Accepted events are appended in batches of
// about `batch_bytes`; every good line read before a stop is spooled.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libcore/base/env.h"
#include "libcore/chain/chain.h"
#include "libcore/spool/writer.h"

namespace logroute::recv {

struct IngestOptions {
  bool strict = false;
  size_t max_line_bytes = 1 << 20;
  size_t batch_bytes = 1 << 20;
  uint64_t max_reported_errors = 1000;  // past this, bad lines are only counted
};

struct IngestStats {
  uint64_t lines = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;                                    // invalid, or refused by the chain
  uint64_t dropped = 0;                                     // taken by the unrouted `drop` policy
  std::vector<std::pair<std::string, uint64_t>> per_table;  // in order of first use

  // "accepted=3 rejected=1 dropped=0 lines=4 tables=logs:3"
  std::string Summary() const;
};

// Reads `fd` to its end. Returns OK when the input was read and every accepted
// event is in the spool (synced, with fsync on); DataError (exit 65) on a bad
// line in strict mode; the spool's error when appending fails.
Status IngestStream(int fd, const chain::Chain& chain, spool::SpoolWriter& writer,
                    const IngestOptions& options, IngestStats* stats, Env* env = Env::Default());

}  // namespace logroute::recv
