// FileLock: an exclusive flock(2) on an open file, released on destruction.
//
// flock locks belong to the open file description, so they work between
// processes and between distinct open()s in one process, and the kernel drops
// them when the holder dies (a SIGKILLed recv or flush never leaves a stale lock).
#pragma once

#include <utility>

#include "libcore/base/result.h"

namespace logroute {

class [[nodiscard]] FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() { Unlock(); }

  // Blocks until the lock on `fd` is ours. `fd` must outlive the lock.
  static Result<FileLock> Acquire(int fd);
  // Takes the lock only if free; an unlocked FileLock (held() false) when another holds it.
  static Result<FileLock> TryAcquire(int fd);

  bool held() const { return fd_ >= 0; }
  void Unlock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace logroute
