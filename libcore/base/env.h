// Env: the seam between logroute and the operating system — every file-system
// call of the spool and of the flush protocol, and the clock (leveldb's Env).
//
// Env::Default() calls POSIX. It opens every file O_CLOEXEC | O_NOFOLLOW, so
// that a symbolic link planted in a spool is refused (ELOOP) rather than
// followed, and it creates files 0640 and directories 0750 whatever the
// umask: a spool belongs to its owner, and its group may read it
// (doc/spool-format.md, "Ownership"). Tests pass their own Env
// (tests/fault/fault_env.h), which fails any call on demand, stops a process
// at its k-th call, or loses what a power cut would lose.
//
// Errors are Status values naming the path and the system error, with codes
// from ErrnoStatus(): a missing file is kNotFound, a full disk kNoSpace.
//
// Thread safety: an Env may be used from any thread; a File by one thread at
// a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/result.h"

namespace logroute {

struct FileInfo {
  uint64_t size = 0;
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t links = 0;  // 0 once the file is unlinked while open
  uint32_t mode = 0;   // permission bits
  bool directory = false;
  bool symlink = false;  // Env::Stat() only: the path itself is a link
};

struct OpenMode {
  enum class Access { kRead, kReadWrite, kAppend };  // kAppend: read and write, writes at the end
  Access access = Access::kRead;
  bool create = false;    // create the file (0640) when it does not exist
  bool truncate = false;  // empty it
};

// Something to read bytes from in order: a File, or standard input.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // As read(2) from the current offset: bytes read, 0 at the end.
  virtual Result<size_t> Read(char* buffer, size_t size) = 0;
};

// An open file; closing it (destruction) releases its lock.
class File : public ByteSource {
 public:
  const std::string& path() const { return path_; }

  // As pread(2).
  virtual Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t size) = 0;
  // As write(2): bytes written, which may be fewer than asked (WriteAll loops).
  virtual Result<size_t> Write(std::string_view data) = 0;
  // As pwrite(2) of all of `data`.
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  virtual Status Truncate(uint64_t size) = 0;
  // Back to offset 0, for the next Read().
  virtual Status Rewind() = 0;
  // fdatasync(2): the data written so far survives a power cut.
  virtual Status Sync() = 0;
  virtual Result<FileInfo> Stat() = 0;
  // flock(2) LOCK_EX, between processes and between Files of one process.
  virtual Status Lock() = 0;
  // The lock if it is free now: false when another holds it.
  virtual Result<bool> TryLock() = 0;
  virtual void Unlock() = 0;

 protected:
  explicit File(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

class Env {
 public:
  virtual ~Env() = default;

  virtual Result<std::unique_ptr<File>> Open(const std::string& path, const OpenMode& options) = 0;
  // As lstat(2); nullopt when nothing is there.
  virtual Result<std::optional<FileInfo>> Stat(const std::string& path) = 0;
  // The names in a directory, without "." and "..", in no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // mkdir(2) 0750; an existing directory is fine.
  virtual Status MakeDir(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // kNotFound when there is nothing to remove.
  virtual Status Unlink(const std::string& path) = 0;
  // fsync(2) of a directory: its creates, renames and unlinks survive a power cut.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Seconds since the Unix epoch.
  virtual int64_t NowSeconds() = 0;
  // A number unique to this process among those running (temporary file names).
  virtual int64_t ProcessId() = 0;

  // The process-wide POSIX Env; never null, never destroyed.
  static Env* Default();
};

}  // namespace logroute
