// Importing a file of records into a shard as one new sealed segment, in one
// rename: the file is in the spool whole, or not at all, whenever a crash
// comes. So a caller can tell afterwards whether an import happened by
// whether the file is still where it was (a replay of rejects/ relies on it).
#pragma once

#include <cstdint>
#include <string>

#include "libcore/base/result.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

// Moves the file at `path` (whole spool records, each ending in LF; on the
// spool's file system) into shard `shard` as its next segment, and returns the
// segment's sequence number. Under the shard's lock, as the spool's protocol
// wants (doc/spool-format.md): a non-empty `active` is sealed first, `pending`
// is made to name the file as written whole (so that no stale record of it
// takes the file for a torn append), the file is renamed to `active` and
// sealed. The rename is the commit point; the directories are synced after.
// On error the file may still be at `path` (not imported) or not (imported).
Result<uint64_t> ImportSegment(const Spool& spool, int shard, const std::string& path);

}  // namespace logroute::spool
