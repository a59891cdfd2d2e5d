#include "libcore/base/env.h"

#include <unistd.h>

#include <ctime>

namespace logroute {

ssize_t Env::Write(int fd, const void* data, size_t size) { return ::write(fd, data, size); }

int Env::DataSync(int fd) { return ::fdatasync(fd); }

int64_t Env::NowSeconds() { return static_cast<int64_t>(::time(nullptr)); }

Env* Env::Default() {
  static Env* const env = new Env();  // never destroyed: usable during static teardown
  return env;
}

}  // namespace logroute
