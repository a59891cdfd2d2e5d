#include "libcore/http/health.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

namespace logroute::http {

Status CheckSpoolWritable(const spool::Spool& spool) {
  struct statvfs fs;
  if (::statvfs(spool.dir().c_str(), &fs) != 0) {
    return ErrnoStatus("cannot stat the spool file system " + spool.dir(), errno);
  }
  if (fs.f_flag & ST_RDONLY) return Status::IoError("the spool file system is read-only");
  if (fs.f_bavail == 0) return Status::NoSpace("the spool file system is full");
  for (int i = 0; i < spool.shards(); ++i) {
    const std::string path = spool.ActivePath(i);
    // No O_CREAT: a file created here would miss the directory sync that the
    // writer does when it creates `active` itself.
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
      ::close(fd);
      continue;
    }
    if (errno != ENOENT) return ErrnoStatus("cannot open " + path + " for writing", errno);
    const std::string dir = spool.ShardDir(i);
    if (::access(dir.c_str(), W_OK) != 0) return ErrnoStatus("cannot write to " + dir, errno);
  }
  return Status::Ok();
}

}  // namespace logroute::http
