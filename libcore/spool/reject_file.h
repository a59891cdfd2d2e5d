// Reading a rejects/ file back (doc/spool-format.md, "Rejects"): its entries,
// the records each entry's DATA holds, and whether a record may be replayed.
//
// A `line N` entry holds one line of a segment. A `byte N` entry holds a torn
// region of `active`: possibly several whole records of a batch that did not
// land whole, then maybe a record cut short. The verdicts:
//   kReplayable  a whole record whose checksum matches;
//   kNeedsForce  a record whose checksum does not match (its fields still
//                parse), or a whole record of a torn batch: its client was
//                told the batch failed and may have sent it again, so
//                replaying it may store an event twice;
//   kNever       not a record at all, or the cut last line of a torn region.
// Only the spool's checks are made here; the event's schema and its route
// are the replaying tool's to judge.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/env.h"
#include "libcore/base/result.h"
#include "libcore/spool/rejects.h"

namespace logroute::spool {

enum class Replayability { kReplayable, kNeedsForce, kNever };

// One record (or what should have been one) of an entry's DATA.
struct RejectedRecord {
  std::string line;  // as the entry holds it, without LF
  Replayability verdict = Replayability::kNever;
  std::string why;  // why it is not kReplayable; empty when it is
  // Its fields, unless kNever (for a bad checksum, as the line holds them).
  int64_t recv_ts = 0;
  std::string table;
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string event_name;  // unescaped
  std::string event_id;    // empty when none
};

struct RejectFileEntry {
  uint64_t line_number = 0;  // in the rejects file, from 1
  std::string text;          // the entry's line as the file holds it, with its LF
  Status decoded;            // DataError: why the line is not an entry
  RejectEntry entry;
  bool torn_region = false;  // POSITION is `byte N`
  std::vector<RejectedRecord> records;
};

// Splits an entry's DATA into records and judges each.
std::vector<RejectedRecord> RecordsOf(const RejectEntry& entry);

// The entries of `content`, a rejects file's bytes. A last line without LF
// is an entry too (a hand-edited file).
std::vector<RejectFileEntry> ParseRejectFile(std::string_view content);

// ParseRejectFile of the file at `path`.
Result<std::vector<RejectFileEntry>> ReadRejectFile(Env& env, const std::string& path);

// The names in `dir` that end in `suffix` (".rej"), sorted; empty when `dir`
// does not exist.
Result<std::vector<std::string>> ListNamesEndingIn(Env& env, const std::string& dir,
                                                   std::string_view suffix);

}  // namespace logroute::spool
