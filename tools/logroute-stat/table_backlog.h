// The backlog by destination table: what each table is yet to receive from
// the spool's active files and sealed segments.
//
// Like spool::MeasureBacklog, it is read-only, takes no lock and counts whole
// records; it reads the files once more on its own, so while recv or flush
// run its sums may differ a little from the shards'. A record whose table
// cannot be read (a corrupt one: flush rejects it) is left out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/metrics/table_counts.h"
#include "libcore/spool/spool.h"

namespace logroute::stat {

struct TableBacklog {
  uint64_t events = 0;
  uint64_t bytes = 0;
  int64_t oldest_recv_ts = -1;  // -1: no record has a readable receive time
};

using TableBacklogs = metrics::PerTable<TableBacklog>;

// One entry per table with waiting records, by table name.
Result<TableBacklogs> MeasureTables(const spool::Spool& spool);

}  // namespace logroute::stat
