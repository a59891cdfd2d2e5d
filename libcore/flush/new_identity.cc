#include "libcore/flush/new_identity.h"

#include <vector>

#include <spdlog/spdlog.h>

#include "libcore/base/file_lock.h"
#include "libcore/flush/segment_flusher.h"
#include "libcore/spool/reader.h"
#include "libcore/spool/shard.h"

namespace logroute::flush {
namespace {

// Removes the segment when the ledger holds it, as it is, under the spool's id.
Status SettleSegment(const spool::Spool& spool, sink::Sink& sink, int shard, uint64_t seq,
                     NewIdentityStats* stats) {
  const std::string path = spool.SegmentPath(shard, seq);
  LOGROUTE_ASSIGN_OR_RETURN(std::unique_ptr<File> segment, spool.env().Open(path, {}));
  LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, FileLock::TryAcquire(*segment));
  if (!lock.held()) {
    return Status::Busy(path +
                        " is held by a flusher: stop flush on this spool, then run "
                        "--new-spool-id again (the spool keeps its id until then)");
  }
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<sink::LedgerEntry> committed,
                            sink.LookUp({spool.id(), shard, seq}));
  if (committed) {
    LOGROUTE_ASSIGN_OR_RETURN(SegmentDigest digest, DigestSegment(*segment));
    if (digest.Matches(*committed)) {
      LOGROUTE_RETURN_IF_ERROR(spool.env().Unlink(path));
      ++stats->removed;
      return Status::Ok();
    }
  }
  ++stats->kept;
  return Status::Ok();
}

}  // namespace

Status GiveNewIdentity(const spool::Spool& spool, sink::Sink& sink, NewIdentityStats* stats) {
  stats->old_id = spool.id();
  std::vector<spool::ShardLockFile> lock_files;
  std::vector<FileLock> locks;
  for (int shard = 0; shard < spool.shards(); ++shard) {
    LOGROUTE_ASSIGN_OR_RETURN(spool::ShardLockFile lock_file,
                              spool::ShardLockFile::Open(spool, shard));
    lock_files.push_back(std::move(lock_file));
    LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, lock_files.back().Lock());
    locks.push_back(std::move(lock));
  }
  for (int shard = 0; shard < spool.shards(); ++shard) {
    LOGROUTE_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, spool::ListSegments(spool, shard));
    for (uint64_t seq : segments) {
      LOGROUTE_RETURN_IF_ERROR(SettleSegment(spool, sink, shard, seq, stats));
    }
    if (!segments.empty()) LOGROUTE_RETURN_IF_ERROR(spool.env().SyncDir(spool.ShardDir(shard)));
  }
  LOGROUTE_ASSIGN_OR_RETURN(spool::Spool renamed, spool.WithNewIdentity());
  stats->new_id = renamed.id();
  return Status::Ok();
}

}  // namespace logroute::flush
