// SpoolWriter: appends records to a spool's shards, round robin.
//
// Each Append() is one write(2) of whole records to one shard's `active`,
// under the shard's flock (between processes) and mutex (between threads).
// Before writing, a torn tail left by a writer that died mid-write is moved
// to rejects/, so records are never glued together. If the write fails
// (disk full), the file is truncated back: an Append() either lands whole or
// not at all. When `active` reaches WriterOptions::segment_bytes it is sealed.
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

#include "libcore/base/env.h"
#include "libcore/base/result.h"
#include "libcore/spool/spool.h"

namespace logroute::spool {

inline constexpr uint64_t kDefaultSegmentBytes = 16 << 20;

struct WriterOptions {
  bool fsync = false;                             // --fsync always
  uint64_t segment_bytes = kDefaultSegmentBytes;  // seal `active` past this size
};

struct ActiveFile;  // writer.cc

// Names one Append() for WaitDurable().
struct AppendTicket {
  std::shared_ptr<ActiveFile> file;
  uint64_t sequence = 0;
};

class SpoolWriter {
 public:
  static Result<std::unique_ptr<SpoolWriter>> Open(const Spool& spool, const WriterOptions& options,
                                                   Env* env = Env::Default());
  ~SpoolWriter();

  // Appends `records` (whole records, each ending in LF) to the next shard.
  // `ticket`, if given, is set for WaitDurable(). On error nothing of
  // `records` stays in the spool; ENOSPC and the like are retryable (TempFail).
  Status Append(std::string_view records, AppendTicket* ticket = nullptr);

  // Blocks until the Append() of `ticket` is on stable storage.
  Status WaitDurable(const AppendTicket& ticket);

  const Spool& spool() const { return spool_; }
  const WriterOptions& options() const { return options_; }
  uint64_t seals() const { return seals_.load(std::memory_order_relaxed); }
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }

 private:
  struct Shard;
  SpoolWriter(const Spool& spool, const WriterOptions& options, Env* env);
  Status AppendToShard(Shard& shard, int index, std::string_view records, AppendTicket* ticket);

  Spool spool_;
  WriterOptions options_;
  Env* env_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> next_shard_;
  std::atomic<uint64_t> seals_{0};
  std::atomic<uint64_t> syncs_{0};
};

}  // namespace logroute::spool
