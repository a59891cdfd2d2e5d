// A real, small file system for disk-full tests: a tmpfs of a few MiB, so that
// ENOSPC comes from the kernel exactly where a user's full disk would raise it,
// not from a simulation.
//
// It is mounted in a private mount namespace of the test process
// (unshare(CLONE_NEWNS)): the tools the test starts see it, the rest of the
// machine never does, and it vanishes with the process even when the test
// crashes, so no run can leave a mount behind. Needs root (CI runs as root).
#pragma once

#include <cstddef>
#include <string>

namespace logroute::testing {

class SmallDisk {
 public:
  // Mounts a tmpfs of `bytes` on `dir` (created). Fails the test when it cannot.
  SmallDisk(const std::string& dir, size_t bytes);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& path() const { return dir_; }
  // Fills the disk to the last byte with a filler file: afterwards not one
  // more byte can be allocated (files keep the slack of their last page).
  void Fill();
  // Removes the filler.
  void Free();

 private:
  std::string dir_;
  bool mounted_ = false;
};

}  // namespace logroute::testing
