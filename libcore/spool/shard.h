// Operations on one shard that must run under its lock (SPOOL/shard-NN/lock):
// repairing a torn tail and sealing `active` into the next segment. Shared by
// the writer (recv) and by flush, so that both follow one protocol.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "libcore/base/file_lock.h"
#include "libcore/base/file_util.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

// The shard's lock file, opened; Lock() takes the exclusive flock.
class ShardLockFile {
 public:
  static Result<ShardLockFile> Open(const Spool& spool, int shard);
  Result<FileLock> Lock() const { return FileLock::Acquire(fd_.get()); }

 private:
  explicit ShardLockFile(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// Caller holds the shard lock. If the file open as `fd` (of `size` bytes) does
// not end in LF, a writer died mid-write: the bytes after the last LF go to
// rejects/ with the reason, and the file is truncated to its last whole record.
// Returns the file's size afterwards.
Result<off_t> RepairTornTail(const Spool& spool, int shard, int fd, off_t size);

// Caller holds the shard lock. Renames a non-empty `active` to the next segment
// and returns its sequence number; nullopt when there is nothing to seal. The
// sequence counter is made durable before the rename, so a number is never
// used twice, even across a crash.
Result<std::optional<uint64_t>> SealActiveLocked(const Spool& spool, int shard);

// Takes the shard lock, seals, releases it, and makes the rename durable.
Result<std::optional<uint64_t>> SealActive(const Spool& spool, int shard);

}  // namespace logroute::spool
