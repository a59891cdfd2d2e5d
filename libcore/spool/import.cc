#include "libcore/spool/import.h"

#include "libcore/base/file_util.h"
#include "libcore/spool/shard.h"

namespace logroute::spool {

Result<uint64_t> ImportSegment(const Spool& spool, int shard, const std::string& path) {
  Env& env = spool.env();
  LOGROUTE_ASSIGN_OR_RETURN(std::optional<FileInfo> file, env.Stat(path));
  if (!file) return Status::NotFound("cannot import " + path + ": no such file");
  LOGROUTE_ASSIGN_OR_RETURN(ShardLockFile lock_file, ShardLockFile::Open(spool, shard));
  std::optional<uint64_t> sealed;
  {
    LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, lock_file.Lock());
    LOGROUTE_RETURN_IF_ERROR(SealActiveLocked(spool, shard).status());
    // `pending` may name an inode that this file now reuses: its stale
    // extent would cut the file at the seal below.
    LOGROUTE_ASSIGN_OR_RETURN(PendingFile pending, PendingFile::Open(spool, shard));
    LOGROUTE_RETURN_IF_ERROR(pending.Record(file->inode, 0, file->size));
    LOGROUTE_RETURN_IF_ERROR(pending.Sync());
    const std::string active = spool.ActivePath(shard);
    LOGROUTE_RETURN_IF_ERROR(env.Rename(path, active));
    LOGROUTE_ASSIGN_OR_RETURN(sealed, SealActiveLocked(spool, shard));
  }
  LOGROUTE_RETURN_IF_ERROR(env.SyncDir(spool.ShardDir(shard)));
  LOGROUTE_RETURN_IF_ERROR(env.SyncDir(DirName(path)));
  if (!sealed) return Status::Internal(path + " was imported empty into " + spool.ShardName(shard));
  return *sealed;
}

}  // namespace logroute::spool
