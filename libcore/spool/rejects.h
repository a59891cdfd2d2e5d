// rejects/: what could not be spooled or flushed, kept for an operator with the
// reason (doc/spool-format.md). One file per incident, one entry per line:
//
//   SOURCE TAB POSITION TAB REASON TAB DATA LF
//
// e.g. "shard-03/seg-00000000000000000012 TAB line 17 TAB checksum mismatch TAB <bytes>".
// DATA is escaped with AppendEscapedBytes. Files are written atomically, so a
// reader sees a whole incident or none, and writing the same stem again replaces it.
#pragma once

#include <string>
#include <string_view>

#include "libcore/base/status.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

void AppendRejectEntry(std::string_view source, std::string_view position, std::string_view reason,
                       std::string_view data, std::string* out);

// One entry, its fields unescaped.
struct RejectEntry {
  std::string source;
  std::string position;
  std::string reason;
  std::string data;
};

// Reads one entry line (without its LF) as AppendRejectEntry wrote it into
// *entry. DataError saying why the line is not an entry.
Status DecodeRejectEntry(std::string_view line, RejectEntry* entry);

// Writes `entries` as rejects/<stem>.rej, durably.
Status WriteRejects(const Spool& spool, std::string_view stem, std::string_view entries);

}  // namespace logroute::spool
