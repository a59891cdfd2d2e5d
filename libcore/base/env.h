// Env: the seam between logroute and the operating system for the calls whose
// failures matter to durability (write, fdatasync) and for the clock.
//
// Production code uses Env::Default(); tests pass their own Env to inject a
// short write, a full disk or a failed sync without touching the real disk
// behaviour (leveldb's Env, reduced to what we need).
//
// Thread safety: Default() is safe from any thread; test Envs document their own.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace logroute {

class Env {
 public:
  virtual ~Env() = default;
  // As write(2): bytes written, or -1 with errno set.
  virtual ssize_t Write(int fd, const void* data, size_t size);
  // As fdatasync(2): 0, or -1 with errno set.
  virtual int DataSync(int fd);
  // Seconds since the Unix epoch.
  virtual int64_t NowSeconds();

  // The process-wide real Env; never null, never destroyed.
  static Env* Default();
};

}  // namespace logroute
