#include "tests/fuzz/fuzz_support.h"

#include <fcntl.h>
#include <ftw.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace logroute::fuzz {

void Fail(const char* file, int line, const char* condition, const std::string& what) {
  std::fprintf(stderr, "\n%s:%d: FUZZ_CHECK(%s) failed: %s\n", file, line, condition, what.c_str());
  std::abort();
}

std::string Printable(std::string_view bytes) {
  std::string out = "\"";
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F || c == '"' || c == '\\') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

namespace {

std::string scratch_dir;

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

void RemoveScratchDir() {
  if (!scratch_dir.empty()) ::nftw(scratch_dir.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace

const std::string& ScratchDir() {
  if (scratch_dir.empty()) {
    // tmpfs keeps the targets that write files fast and off the disk.
    const char* tmp = std::getenv("TMPDIR");
    std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (tmp ? tmp : "/tmp");
    std::string templ = base + "/logroute-fuzz-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
      std::fprintf(stderr, "cannot create a scratch directory under %s: %s\n", base.c_str(),
                   std::strerror(errno));
      std::abort();
    }
    scratch_dir = templ;
    std::atexit(RemoveScratchDir);
  }
  return scratch_dir;
}

void WriteFileOrDie(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0, "cannot create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    FUZZ_CHECK(n > 0, "cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

std::string ReadFileOrDie(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  FUZZ_CHECK(fd >= 0, "cannot open " + path + ": " + std::strerror(errno));
  std::string content;
  char block[65536];
  for (;;) {
    const ssize_t n = ::read(fd, block, sizeof block);
    FUZZ_CHECK(n >= 0, "cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    content.append(block, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

uint8_t Input::Byte() {
  if (rest_.empty()) return 0;
  const auto byte = static_cast<uint8_t>(rest_.front());
  rest_.remove_prefix(1);
  return byte;
}

uint64_t Input::Uint64() {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t{Byte()} << (8 * i);
  return value;
}

std::string_view Input::Take(size_t n) {
  const std::string_view taken = rest_.substr(0, n);
  rest_.remove_prefix(taken.size());
  return taken;
}

std::string_view Input::TakeUntil(char separator) {
  const size_t at = rest_.find(separator);
  if (at == std::string_view::npos) return Rest();
  const std::string_view taken = rest_.substr(0, at);
  rest_.remove_prefix(at + 1);
  return taken;
}

std::string_view Input::Rest() {
  const std::string_view taken = rest_;
  rest_ = {};
  return taken;
}

}  // namespace logroute::fuzz
