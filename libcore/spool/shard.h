// Operations on one shard that must run under its lock (SPOOL/shard-NN/lock):
// repairing a torn tail and sealing `active` into the next segment. Shared by
// the writer (recv) and by flush, so that both follow one protocol. Every file
// is reached through the spool's Env.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "libcore/base/env.h"
#include "libcore/base/file_lock.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

// The shard's lock file, opened; Lock() takes the exclusive flock.
class ShardLockFile {
 public:
  static Result<ShardLockFile> Open(const Spool& spool, int shard);
  Result<FileLock> Lock() const { return FileLock::Acquire(*file_); }
  // The lock if it is free now; an unheld FileLock when another holds it.
  Result<FileLock> TryLock() const { return FileLock::TryAcquire(*file_); }

 private:
  explicit ShardLockFile(std::unique_ptr<File> file) : file_(std::move(file)) {}
  std::unique_ptr<File> file_;
};

// The shard's `pending` file: before each append, under the shard lock, a
// writer records there which bytes of `active` it is about to write. A kill
// can cut a write(2) at any page boundary, also right after a line end: then
// only this record tells that the whole records before the cut belong to a
// batch that did not land whole. Opened (created) on first use.
class PendingFile {
 public:
  static Result<PendingFile> Open(const Spool& spool, int shard);
  // Caller holds the shard lock: `length` bytes are about to be appended at
  // `offset` of the `active` file whose inode is `inode`.
  Status Record(uint64_t inode, uint64_t offset, uint64_t length) const;
  // Makes the last Record() durable (fdatasync).
  Status Sync() const;

 private:
  explicit PendingFile(std::unique_ptr<File> file) : file_(std::move(file)) {}
  std::unique_ptr<File> file_;
};

// Caller holds the shard lock. Repairs what a writer that died mid-write left
// at the end of `active` (open, of `size` bytes): if `pending` says the last
// append to this file stopped short, all of its bytes; otherwise, if the file
// does not end in LF, the bytes after the last LF. They go to rejects/ with
// the reason ("torn tail: ..."), and the file is truncated before them; the
// cut is always at a line start. Returns the file's size afterwards.
Result<uint64_t> RepairTornTail(const Spool& spool, int shard, File& active, uint64_t size);

// Caller holds the shard lock. Renames a non-empty `active` to the next segment
// and returns its sequence number; nullopt when there is nothing to seal. The
// sequence counter is made durable before the rename, so a number is never
// used twice, even across a crash.
Result<std::optional<uint64_t>> SealActiveLocked(const Spool& spool, int shard);

// Takes the shard lock, seals, releases it, and makes the rename durable.
// `used`: the sequence numbers up to it are known to be taken already (flush
// passes the ledger's highest for the shard). A shard whose counter is not
// beyond it is not sealed: DataError, as its next segment would reuse a
// number (the spool was copied or restored). A counter that is missing (a
// lost `seq` file; a copy has one) goes on after `used`.
Result<std::optional<uint64_t>> SealActive(const Spool& spool, int shard, uint64_t used = 0);

}  // namespace logroute::spool
