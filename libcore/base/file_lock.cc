#include "libcore/base/file_lock.h"

namespace logroute {

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    Unlock();
    file_ = std::exchange(other.file_, nullptr);
  }
  return *this;
}

Result<FileLock> FileLock::Acquire(File& file) {
  LOGROUTE_RETURN_IF_ERROR(file.Lock());
  return FileLock(&file);
}

Result<FileLock> FileLock::TryAcquire(File& file) {
  LOGROUTE_ASSIGN_OR_RETURN(bool taken, file.TryLock());
  return taken ? FileLock(&file) : FileLock();
}

void FileLock::Unlock() {
  if (file_ != nullptr) std::exchange(file_, nullptr)->Unlock();
}

}  // namespace logroute
