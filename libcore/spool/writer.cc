#include "libcore/spool/writer.h"

#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>

#include <spdlog/spdlog.h>

#include "libcore/base/file_util.h"
#include "libcore/spool/shard.h"

namespace logroute::spool {

// One opened `active` inode. It outlives its sealing while tickets still need
// to sync it: the data is the same whatever the file is called now.
struct ActiveFile {
  std::unique_ptr<File> file;
  uint64_t device = 0;
  uint64_t inode = 0;
  int shard = 0;

  std::mutex mu;
  std::condition_variable synced;
  uint64_t appended = 0;  // Append()s written to this file
  uint64_t durable = 0;   // Append()s known to be on stable storage
  bool syncing = false;
  bool pending_synced = false;  // under the shard's mutex
  Status sync_error;            // sticky: after a failed fdatasync the page cache cannot be trusted
};

struct SpoolWriter::Shard {
  explicit Shard(ShardLockFile lock) : lock_file(std::move(lock)) {}
  std::mutex mu;  // flock is per open file, so threads of one process need this too
  ShardLockFile lock_file;
  std::optional<PendingFile> pending;  // opened on the first append
  std::shared_ptr<ActiveFile> active;
};

namespace {

// A failed write leaves the file as it was only when it was cut back after a
// failure that passes (a full disk); after anything else its state is unknown.
bool LeavesFileKnown(const Status& written, bool truncated) {
  return truncated && written.retryable();
}

}  // namespace

// Processes sharing a spool start their round robin at different shards (by
// process id); a test's Env makes the start, and so every run, repeatable.
SpoolWriter::SpoolWriter(const Spool& spool, const WriterOptions& options)
    : spool_(spool),
      options_(options),
      next_shard_(static_cast<uint64_t>(spool.env().ProcessId())) {}

SpoolWriter::~SpoolWriter() = default;

Result<std::unique_ptr<SpoolWriter>> SpoolWriter::Open(const Spool& spool,
                                                       const WriterOptions& options) {
  std::unique_ptr<SpoolWriter> writer(new SpoolWriter(spool, options));
  for (int i = 0; i < spool.shards(); ++i) {
    LOGROUTE_ASSIGN_OR_RETURN(ShardLockFile lock, ShardLockFile::Open(spool, i));
    writer->shards_.push_back(std::make_unique<Shard>(std::move(lock)));
  }
  return writer;
}

Status SpoolWriter::Append(std::string_view records, AppendTicket* ticket) {
  if (records.empty()) return Status::Ok();
  const size_t count = shards_.size();
  const uint64_t first = next_shard_.fetch_add(1, std::memory_order_relaxed);
  Status failure;
  size_t busy = 0;
  // Round robin from `first`; a busy shard is skipped, a failing one too:
  // nothing of the batch stays in it (cut back, or marked torn by `pending`).
  for (size_t i = 0; i < count; ++i) {
    Result<bool> appended =
        AppendToShard(static_cast<int>((first + i) % count), /*wait=*/false, records, ticket);
    if (!appended.ok()) {
      if (failure.ok()) failure = appended.status();
    } else if (*appended) {
      return Status::Ok();
    } else {
      ++busy;
    }
  }
  if (!failure.ok() || busy == 0) return failure;
  if (!options_.wait_for_busy_shards) {
    return Status::Busy("every shard of " + spool_.dir() + " is locked by another process");
  }
  return AppendToShard(static_cast<int>(first % count), /*wait=*/true, records, ticket).status();
}

Result<bool> SpoolWriter::AppendToShard(int index, bool wait, std::string_view records,
                                        AppendTicket* ticket) {
  Shard& shard = *shards_[static_cast<size_t>(index)];
  bool sealed = false;
  Status status;
  {
    std::unique_lock<std::mutex> guard(shard.mu, std::defer_lock);
    if (wait) {
      guard.lock();
    } else if (!guard.try_lock()) {
      return false;
    }
    LOGROUTE_ASSIGN_OR_RETURN(FileLock lock,
                              wait ? shard.lock_file.Lock() : shard.lock_file.TryLock());
    if (!lock.held()) return false;
    status = AppendLocked(shard, index, records, ticket, &sealed);
  }
  if (sealed) SealedOne(index);
  if (!status.ok()) return status;
  return true;
}

Status SpoolWriter::AppendLocked(Shard& shard, int index, std::string_view records,
                                 AppendTicket* ticket, bool* sealed) {
  Env& env = spool_.env();
  const std::string path = spool_.ActivePath(index);
  // Another process may have sealed `active` since we opened it.
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<FileInfo> now, env.Stat(path));
  if (shard.active &&
      (!now || now->inode != shard.active->inode || now->device != shard.active->device)) {
    shard.active.reset();
  }
  uint64_t size;
  if (!shard.active) {
    auto active = std::make_shared<ActiveFile>();
    LOGROUTE_ASSIGN_OR_RETURN(
        active->file, env.Open(path, {.access = OpenMode::Access::kAppend, .create = true}));
    LOGROUTE_ASSIGN_OR_RETURN(FileInfo info, active->file->Stat());
    active->device = info.device;
    active->inode = info.inode;
    active->shard = index;
    size = info.size;
    if (!now && options_.fsync) LOGROUTE_RETURN_IF_ERROR(env.SyncDir(spool_.ShardDir(index)));
    shard.active = std::move(active);
  } else {
    LOGROUTE_ASSIGN_OR_RETURN(FileInfo info, shard.active->file->Stat());
    size = info.size;
  }

  ActiveFile& active = *shard.active;
  LOGROUTE_ASSIGN_OR_RETURN(size, RepairTornTail(spool_, index, *active.file, size));
  if (!shard.pending) {
    LOGROUTE_ASSIGN_OR_RETURN(PendingFile pending, PendingFile::Open(spool_, index));
    shard.pending.emplace(std::move(pending));
  }
  LOGROUTE_RETURN_IF_ERROR(shard.pending->Record(active.inode, size, records.size()));
  if (options_.fsync && !active.pending_synced) {
    // After a machine crash, `pending` must not name an earlier file whose
    // inode this one reuses (its stale extent could cut synced records):
    // once per file, the first record naming it is made durable first.
    LOGROUTE_RETURN_IF_ERROR(shard.pending->Sync());
    active.pending_synced = true;
  }
  Status written = WriteAll(*active.file, records);
  if (!written.ok()) {
    // All or nothing: cut what part of the batch landed. Should this fail
    // too, the next writer's torn-tail check moves the partial batch aside.
    const bool truncated = active.file->Truncate(size).ok();
    if (!LeavesFileKnown(written, truncated)) {
      // No later append may land in a file in an unknown state.
      Result<std::optional<uint64_t>> seq = SealActiveLocked(spool_, index);
      *sealed = seq.ok() && seq->has_value();
      if (!seq.ok()) spdlog::warn("Cannot seal after a failed write: {}", seq.status().message());
    }
    shard.active.reset();
    return written;
  }
  if (ticket != nullptr) {
    std::lock_guard<std::mutex> sync_guard(active.mu);
    ticket->file = shard.active;
    ticket->sequence = ++active.appended;
  }
  if (size + records.size() >= options_.segment_bytes) {
    // The records are written: a failed seal must not fail this Append(),
    // whose caller would retry and store them twice. The next append past
    // the bound (or flush) seals again.
    Result<std::optional<uint64_t>> seq = SealActiveLocked(spool_, index);
    if (seq.ok()) {
      *sealed = seq->has_value();
    } else {
      spdlog::warn("Cannot seal, records stay in active: shard={} error={}", index,
                   seq.status().message());
    }
    shard.active.reset();
  }
  return Status::Ok();
}

void SpoolWriter::SealedOne(int index) {
  seals_.fetch_add(1, std::memory_order_relaxed);
  // Only the segment's name is at stake: its data is in the file whatever it is called.
  Status synced = spool_.env().SyncDir(spool_.ShardDir(index));
  if (!synced.ok()) spdlog::warn("Cannot sync a sealed segment's name: {}", synced.message());
}

void SpoolWriter::Retire(const ActiveFile& file) {
  Shard& shard = *shards_[static_cast<size_t>(file.shard)];
  bool sealed = false;
  {
    std::lock_guard<std::mutex> guard(shard.mu);
    Result<FileLock> lock = shard.lock_file.Lock();
    if (!lock.ok()) return;
    Result<std::optional<FileInfo>> now = spool_.env().Stat(spool_.ActivePath(file.shard));
    if (now.ok() && *now && (*now)->inode == file.inode && (*now)->device == file.device) {
      Result<std::optional<uint64_t>> seq = SealActiveLocked(spool_, file.shard);
      sealed = seq.ok() && seq->has_value();
      if (!seq.ok()) spdlog::warn("Cannot seal after a failed sync: {}", seq.status().message());
    }
    if (shard.active.get() == &file) shard.active.reset();
  }
  if (sealed) SealedOne(file.shard);
}

Status SpoolWriter::WaitDurable(const AppendTicket& ticket) {
  if (!ticket.file) return Status::Ok();
  ActiveFile& file = *ticket.file;
  std::unique_lock<std::mutex> lock(file.mu);
  while (file.durable < ticket.sequence) {
    if (!file.sync_error.ok()) return file.sync_error;
    if (file.syncing) {
      file.synced.wait(lock);
      continue;
    }
    // Become the leader: one fdatasync covers every Append() made so far.
    file.syncing = true;
    const uint64_t target = file.appended;
    lock.unlock();
    Status synced = file.file->Sync();
    lock.lock();
    file.syncing = false;
    syncs_.fetch_add(1, std::memory_order_relaxed);
    if (!synced.ok()) {
      file.sync_error = synced;
      // Its appends are answered with an error, and their clients retry:
      // the retries must go to another file, not join these in this one.
      lock.unlock();
      Retire(file);
      lock.lock();
    } else {
      file.durable = std::max(file.durable, target);
    }
    file.synced.notify_all();
  }
  return Status::Ok();
}

}  // namespace logroute::spool
