// FileLock: an exclusive flock(2) on an open File, released on destruction.
//
// flock locks belong to the open file description, so they work between
// processes and between distinct opens in one process, and the kernel drops
// them when the holder dies (a SIGKILLed recv or flush never leaves a stale lock).
#pragma once

#include <utility>

#include "libcore/base/env.h"
#include "libcore/base/result.h"

namespace logroute {

class [[nodiscard]] FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept : file_(std::exchange(other.file_, nullptr)) {}
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() { Unlock(); }

  // Blocks until the lock on `file` is ours. `file` must outlive the lock.
  static Result<FileLock> Acquire(File& file);
  // Takes the lock only if free; an unlocked FileLock (held() false) when another holds it.
  static Result<FileLock> TryAcquire(File& file);

  bool held() const { return file_ != nullptr; }
  void Unlock();

 private:
  explicit FileLock(File* file) : file_(file) {}
  File* file_ = nullptr;
};

}  // namespace logroute
