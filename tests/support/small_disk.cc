#include "tests/support/small_disk.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace logroute::testing {
namespace {

// Once per process: the mounts of this process and its children become its own.
bool EnterPrivateMountNamespace() {
  static const bool entered = [] {
    if (::unshare(CLONE_NEWNS) != 0) {
      ADD_FAILURE() << "unshare(CLONE_NEWNS): " << std::strerror(errno) << " (needs root)";
      return false;
    }
    // Without this, mounts would still propagate back to the machine's namespace.
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      ADD_FAILURE() << "mount --make-rprivate /: " << std::strerror(errno);
      return false;
    }
    return true;
  }();
  return entered;
}

std::string FillerPath(const std::string& dir) { return dir + "/.filler"; }

}  // namespace

SmallDisk::SmallDisk(const std::string& dir, size_t bytes) : dir_(dir) {
  if (!EnterPrivateMountNamespace()) return;
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    ADD_FAILURE() << "mkdir " << dir << ": " << std::strerror(errno);
    return;
  }
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    ADD_FAILURE() << "mount tmpfs on " << dir << ": " << std::strerror(errno);
    return;
  }
  mounted_ = true;
}

SmallDisk::~SmallDisk() {
  if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
}

void SmallDisk::Fill() {
  const int fd = ::open(FillerPath(dir_).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const std::vector<char> block(64 << 10, 'F');
  for (size_t size = block.size(); size > 0; size /= 2) {
    while (::write(fd, block.data(), size) == static_cast<ssize_t>(size)) {
    }
  }
  const int err = errno;
  ::close(fd);
  EXPECT_EQ(err, ENOSPC) << std::strerror(err);
}

void SmallDisk::Free() { ::unlink(FillerPath(dir_).c_str()); }

}  // namespace logroute::testing
