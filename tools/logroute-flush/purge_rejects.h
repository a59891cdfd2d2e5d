// logroute-flush --purge-rejects AGE: deletes the rejects files that are
// older than AGE, by their modification time (when flush or recv wrote them),
// in SPOOL/rejects/ and SPOOL/rejects/replayed/, with the temporary files a
// crash left behind. Files being replayed (rejects/replaying/) are never
// touched: the next replay finishes them.
#pragma once

#include <cstdint>
#include <string_view>

#include "libcore/base/result.h"
#include "libcore/spool/spool.h"

namespace logroute::flush {

// Seconds of an age written as a number and a unit: s, m, h, d or w ("30d",
// "12h"). Usage error, naming the text, for anything else.
Result<int64_t> ParseAge(std::string_view text);

struct PurgeStats {
  uint64_t files = 0;  // deleted
  uint64_t bytes = 0;  // their size
  uint64_t kept = 0;   // younger than the age
};

// Deletes the files older than `max_age_seconds` at `now` (Unix seconds). A
// file gone meanwhile (replayed, purged by another run) is skipped.
Status PurgeRejects(const spool::Spool& spool, int64_t max_age_seconds, int64_t now,
                    PurgeStats* stats);

}  // namespace logroute::flush
