#include "libcore/base/file_lock.h"

#include <sys/file.h>

#include <cerrno>

namespace logroute {

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    Unlock();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Result<FileLock> FileLock::Acquire(int fd) {
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) return ErrnoStatus("cannot lock", errno);
  }
  return FileLock(fd);
}

Result<FileLock> FileLock::TryAcquire(int fd) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return FileLock();
    if (errno != EINTR) return ErrnoStatus("cannot lock", errno);
  }
  return FileLock(fd);
}

void FileLock::Unlock() {
  if (fd_ >= 0) ::flock(std::exchange(fd_, -1), LOCK_UN);
}

}  // namespace logroute
