// logroute-stat --rejects: the files of SPOOL/rejects/, what each holds and
// why, so that an operator can decide what to replay (logroute-recv
// --replay-rejects) and what to purge (logroute-flush --purge-rejects). A
// table for people, JSON for scripts (doc/stat-json.md documents its shape).
// Read-only; takes no lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/spool/spool.h"

namespace logroute::stat {

struct RejectReasonCount {
  std::string reason;
  uint64_t entries = 0;
};

struct RejectFileReport {
  std::string name;  // in rejects/
  uint64_t bytes = 0;
  int64_t modified_at = 0;  // Unix seconds
  uint64_t entries = 0;
  uint64_t unreadable = 0;  // lines that are not entries (a damaged or hand-edited file)
  uint64_t records = 0;     // in the entries' data (a torn region may hold several)
  // By what spool::RecordsOf says of them: the checksum matches; a bad
  // checksum or a torn batch (--force); never replayable (not a record, cut).
  // recv's handler chain still judges the replayable ones when replaying.
  uint64_t replayable = 0;
  uint64_t needs_force = 0;
  uint64_t never = 0;
  std::vector<RejectReasonCount> reasons;  // in order of first appearance
};

struct RejectsReport {
  std::string rejects_dir;
  int64_t measured_at = 0;
  std::vector<RejectFileReport> files;  // by name
  std::vector<std::string> replaying;   // replays interrupted; the next replay finishes them
  uint64_t replayed_files = 0;          // in rejects/replayed/
  uint64_t replayed_bytes = 0;
};

// Reads every rejects file of `spool`. A file removed meanwhile is skipped.
Result<RejectsReport> MeasureRejects(const spool::Spool& spool, int64_t now);

std::string FormatRejectsTable(const RejectsReport& report);
std::string FormatRejectsJson(const RejectsReport& report);

}  // namespace logroute::stat
