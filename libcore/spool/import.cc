#include "libcore/spool/import.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>

#include "libcore/base/file_util.h"
#include "libcore/spool/shard.h"

namespace logroute::spool {

Result<uint64_t> ImportSegment(const Spool& spool, int shard, const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("cannot stat " + path, errno);
  LOGROUTE_ASSIGN_OR_RETURN(ShardLockFile lock_file, ShardLockFile::Open(spool, shard));
  std::optional<uint64_t> sealed;
  {
    LOGROUTE_ASSIGN_OR_RETURN(FileLock lock, lock_file.Lock());
    LOGROUTE_RETURN_IF_ERROR(SealActiveLocked(spool, shard).status());
    // `pending` may name an inode that this file now reuses: its stale
    // extent would cut the file at the seal below.
    LOGROUTE_ASSIGN_OR_RETURN(PendingFile pending, PendingFile::Open(spool, shard));
    LOGROUTE_RETURN_IF_ERROR(pending.Record(st.st_ino, 0, static_cast<size_t>(st.st_size)));
    LOGROUTE_RETURN_IF_ERROR(pending.Sync());
    const std::string active = spool.ActivePath(shard);
    if (::rename(path.c_str(), active.c_str()) != 0) {
      return ErrnoStatus("cannot move " + path + " to " + active, errno);
    }
    LOGROUTE_ASSIGN_OR_RETURN(sealed, SealActiveLocked(spool, shard));
  }
  LOGROUTE_RETURN_IF_ERROR(SyncDir(spool.ShardDir(shard)));
  const size_t slash = path.rfind('/');
  LOGROUTE_RETURN_IF_ERROR(SyncDir(slash == std::string::npos ? "." : path.substr(0, slash)));
  if (!sealed) return Status::Internal(path + " was imported empty into " + spool.ShardName(shard));
  return *sealed;
}

}  // namespace logroute::spool
