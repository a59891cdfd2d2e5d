// Small POSIX file helpers shared by the spool and the tools. Every failure is
// a Status naming the path and the system error.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "libcore/base/env.h"
#include "libcore/base/result.h"
#include "libcore/base/status.h"

namespace logroute {

// Owns a file descriptor; closes it on destruction. Movable, not copyable.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added; the Status names `path`.
Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode = 0644);

// Writes all of `data` through `env`, retrying short writes and EINTR. On error,
// some prefix of `data` may have been written; the caller decides how to undo it.
Status WriteAll(Env* env, int fd, std::string_view data, const std::string& path);

// Reads a whole (small) file.
Result<std::string> ReadFile(const std::string& path);

// Writes `data` to `path` atomically and durably: temporary file, fsync, rename,
// fsync of the directory. Readers see the old or the new content, never a mix.
Status WriteFileAtomic(const std::string& path, std::string_view data);

// fsync(2) of a directory, so that a create/rename/unlink in it survives a crash.
Status SyncDir(const std::string& dir);

// mkdir(2) that accepts an existing directory.
Status MakeDir(const std::string& path, int mode = 0755);

// True when `path` exists (any type).
bool PathExists(const std::string& path);

}  // namespace logroute
