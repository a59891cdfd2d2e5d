// Backlog: what waits in a spool, for logroute-stat and for monitoring.
//
// Measuring is read-only and takes no lock: it never delays recv or flush. It
// counts whole records only (a record being written is not counted yet), and
// a segment that flush removes while it is being measured is skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

struct FileCounts {
  uint64_t events = 0;
  uint64_t bytes = 0;
  int64_t oldest_recv_ts = -1;  // receive time of the first record; -1 when empty
};

struct ShardBacklog {
  int shard = 0;
  FileCounts active;
  uint64_t segments = 0;
  FileCounts sealed;  // summed over the segments
  int64_t oldest_recv_ts = -1;
  uint64_t locks_held = 0;  // flocks on the shard lock and its segments, from /proc/locks
};

struct RejectsBacklog {
  uint64_t files = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

struct Backlog {
  std::string spool_dir;
  std::string spool_id;
  int64_t measured_at = 0;  // Unix seconds
  std::vector<ShardBacklog> shards;
  RejectsBacklog rejects;

  uint64_t TotalEvents() const;
  uint64_t TotalBytes() const;
  uint64_t TotalSegments() const;
  int64_t OldestRecvTs() const;  // -1 when the spool is empty
  // Seconds the oldest waiting event has waited; 0 when the spool is empty.
  int64_t OldestAgeSeconds() const;
};

Result<Backlog> MeasureBacklog(const Spool& spool, int64_t now);

}  // namespace logroute::spool
