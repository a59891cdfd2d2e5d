// Env::Default(): the one place where logroute's spool and flush call the
// file system (a test, tests/env_seam_check.sh, keeps it that way).
#include "libcore/base/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace logroute {
namespace {

constexpr mode_t kFileMode = 0640;
constexpr mode_t kDirMode = 0750;

FileInfo InfoOf(const struct stat& st) {
  FileInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.device = st.st_dev;
  info.inode = st.st_ino;
  info.links = st.st_nlink;
  info.mode = st.st_mode & 07777;
  info.directory = S_ISDIR(st.st_mode);
  info.symlink = S_ISLNK(st.st_mode);
  return info;
}

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd) : File(std::move(path)), fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }  // drops the flock with the last descriptor

  Result<size_t> Read(char* buffer, size_t size) override {
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return ErrnoStatus("cannot read " + path(), errno);
    }
  }

  Result<size_t> ReadAt(uint64_t offset, char* buffer, size_t size) override {
    for (;;) {
      const ssize_t n = ::pread(fd_, buffer, size, static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return ErrnoStatus("cannot read " + path(), errno);
    }
  }

  Result<size_t> Write(std::string_view data) override {
    for (;;) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return ErrnoStatus("cannot write " + path(), errno);
    }
  }

  Status WriteAt(uint64_t offset, std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ErrnoStatus("cannot write " + path(), n < 0 ? errno : ENOSPC);
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoStatus("cannot truncate " + path(), errno);
    }
    return Status::Ok();
  }

  Status Rewind() override {
    if (::lseek(fd_, 0, SEEK_SET) != 0) return ErrnoStatus("cannot rewind " + path(), errno);
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus("cannot sync " + path(), errno);
    return Status::Ok();
  }

  Result<FileInfo> Stat() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus("cannot stat " + path(), errno);
    return InfoOf(st);
  }

  Status Lock() override {
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) return ErrnoStatus("cannot lock " + path(), errno);
    }
    return Status::Ok();
  }

  Result<bool> TryLock() override {
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return false;
      if (errno != EINTR) return ErrnoStatus("cannot lock " + path(), errno);
    }
    return true;
  }

  void Unlock() override { ::flock(fd_, LOCK_UN); }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenMode& options) override {
    int flags = O_CLOEXEC | O_NOFOLLOW;
    switch (options.access) {
      case OpenMode::Access::kRead:
        flags |= O_RDONLY;
        break;
      case OpenMode::Access::kReadWrite:
        flags |= O_RDWR;
        break;
      case OpenMode::Access::kAppend:
        flags |= O_RDWR | O_APPEND;
        break;
    }
    if (options.create) flags |= O_CREAT;
    if (options.truncate) flags |= O_TRUNC;
    int fd;
    do {
      fd = ::open(path.c_str(), flags | (options.create ? O_EXCL : 0), kFileMode);
    } while (fd < 0 && errno == EINTR);
    const bool created = fd >= 0 && options.create;
    if (fd < 0 && options.create && errno == EEXIST) {
      do {
        fd = ::open(path.c_str(), flags, kFileMode);
      } while (fd < 0 && errno == EINTR);
    }
    if (fd < 0) {
      if (errno == ELOOP) {
        return Status::NoPermission("cannot open " + path +
                                    ": it is a symbolic link, which a spool never holds");
      }
      return ErrnoStatus("cannot open " + path, errno);
    }
    // The umask may have taken bits away: a new file has exactly its mode.
    if (created && ::fchmod(fd, kFileMode) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot set the mode of " + path, err);
    }
    return std::unique_ptr<File>(new PosixFile(path, fd));
  }

  Result<std::optional<FileInfo>> Stat(const std::string& path) override {
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) return std::optional<FileInfo>(InfoOf(st));
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<FileInfo>();
    return ErrnoStatus("cannot stat " + path, errno);
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR* stream = fd < 0 ? nullptr : ::fdopendir(fd);
    if (stream == nullptr) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      return ErrnoStatus("cannot list " + dir, err);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(stream)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(stream);
    return names;
  }

  Status MakeDir(const std::string& path) override {
    if (::mkdir(path.c_str(), kDirMode) == 0) {
      if (::chmod(path.c_str(), kDirMode) != 0) {
        return ErrnoStatus("cannot set the mode of " + path, errno);
      }
      return Status::Ok();
    }
    const int err = errno;
    struct stat st;
    if (err == EEXIST && ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return Status::Ok();
    }
    if (err == EEXIST) {
      return Status::CannotCreate("cannot create directory " + path +
                                  ": something else than a directory is there");
    }
    return ErrnoStatus("cannot create directory " + path, err);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus("cannot rename " + from + " to " + to, errno);
    }
    return Status::Ok();
  }

  Status Unlink(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("cannot remove " + path, errno);
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return ErrnoStatus("cannot open directory " + dir, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus("cannot sync directory " + dir, err);
    return Status::Ok();
  }

  int64_t NowSeconds() override { return static_cast<int64_t>(::time(nullptr)); }
  int64_t ProcessId() override { return ::getpid(); }
};

}  // namespace

Env* Env::Default() {
  static Env* const env = new PosixEnv();  // never destroyed: usable during static teardown
  return env;
}

}  // namespace logroute
