// SpoolWriter: appends records to a spool's shards, round robin.
//
// Each Append() is one write(2) of whole records to one shard's `active`,
// under the shard's flock (between processes) and mutex (between threads).
// A shard whose lock another thread or process holds is skipped, and so is a
// shard whose file cannot be appended to (another user's, broken): the batch
// goes to the next shard, so no appender waits for a lock while a shard is
// free (see WriterOptions::wait_for_busy_shards for when all are busy).
// Before writing, a torn tail left by a writer that died mid-write is moved
// to rejects/, so records are never glued together. If the write fails
// (disk full), the file is truncated back: an Append() either lands whole or
// not at all. When `active` reaches WriterOptions::segment_bytes it is sealed;
// it is sealed too after a write or a sync failed in a way that leaves its
// state unknown, so that no later append (a client's retry) lands in it.
//
// Durability: Append() returns once the records are in the page cache. With
// WriterOptions::fsync, WaitDurable() returns once they are on stable storage;
// concurrent callers share one fdatasync (group commit).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

inline constexpr uint64_t kDefaultSegmentBytes = 16 << 20;

struct WriterOptions {
  bool fsync = false;                             // --fsync always
  uint64_t segment_bytes = kDefaultSegmentBytes;  // seal `active` past this size
  // When every shard is locked by others: wait for one (stdin), or fail at
  // once with Busy (the HTTP server's I/O threads must never block).
  bool wait_for_busy_shards = true;
};

struct ActiveFile;  // writer.cc

// Names one Append() for WaitDurable().
struct AppendTicket {
  std::shared_ptr<ActiveFile> file;
  uint64_t sequence = 0;
};

class SpoolWriter {
 public:
  // Its files are reached through the spool's Env.
  static Result<std::unique_ptr<SpoolWriter>> Open(const Spool& spool,
                                                   const WriterOptions& options);
  ~SpoolWriter();

  // Appends `records` (whole records, each ending in LF) to the next shard.
  // `ticket`, if given, is set for WaitDurable(). On error nothing of
  // `records` stays in the spool; ENOSPC and the like are retryable (NoSpace, Busy).
  Status Append(std::string_view records, AppendTicket* ticket = nullptr);

  // Blocks until the Append() of `ticket` is on stable storage.
  Status WaitDurable(const AppendTicket& ticket);

  const Spool& spool() const { return spool_; }
  const WriterOptions& options() const { return options_; }
  uint64_t seals() const { return seals_.load(std::memory_order_relaxed); }
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }

 private:
  struct Shard;
  SpoolWriter(const Spool& spool, const WriterOptions& options);
  // Appends to shard `index` when its locks can be had, at once or (with
  // `wait`) after waiting; false when another thread or process holds them.
  Result<bool> AppendToShard(int index, bool wait, std::string_view records, AppendTicket* ticket);
  // Appends under locks the caller holds; sets *sealed when `active` was sealed.
  Status AppendLocked(Shard& shard, int index, std::string_view records, AppendTicket* ticket,
                      bool* sealed);
  // After a failed sync of `file`: seals it, if it is still the shard's `active`.
  void Retire(const ActiveFile& file);
  void SealedOne(int index);

  Spool spool_;
  WriterOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> next_shard_;
  std::atomic<uint64_t> seals_{0};
  std::atomic<uint64_t> syncs_{0};
};

}  // namespace logroute::spool
