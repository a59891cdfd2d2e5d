// Helpers shared by the fuzz targets (tests/fuzz/*_fuzzer.cc, see run.sh).
//
// A target is one libFuzzer entry point, LLVMFuzzerTestOneInput. A finding is
// a crash: a sanitizer report, an uncaught exception, or a FUZZ_CHECK that
// failed, which prints what went wrong and aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Stops the run when `condition` is false; `what` (a std::string expression)
// says what was expected. Never compiled out: it is the target's oracle.
#define FUZZ_CHECK(condition, what)                                                   \
  do {                                                                                \
    if (!(condition)) ::logroute::fuzz::Fail(__FILE__, __LINE__, #condition, (what)); \
  } while (false)

namespace logroute::fuzz {

[[noreturn]] void Fail(const char* file, int line, const char* condition, const std::string& what);

// `bytes` printable: C escapes for control bytes, quotes and bytes >= 0x80.
std::string Printable(std::string_view bytes);

// A directory of this process for targets that need files: on tmpfs
// (/dev/shm) when there is one, else under TMPDIR; removed at exit.
const std::string& ScratchDir();

// Writes `content` to `path` (created or truncated); aborts on failure.
void WriteFileOrDie(const std::string& path, std::string_view content);
// The whole content of `path`; aborts on failure.
std::string ReadFileOrDie(const std::string& path);

// The fuzz input read as a stream of choices. Reading past the end yields
// zeros and empty strings, so a target never has to check the size.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }
  uint8_t Byte();
  bool Bool() { return (Byte() & 1) != 0; }
  // Eight bytes, little-endian (missing ones are zero).
  uint64_t Uint64();
  // Up to `n` bytes.
  std::string_view Take(size_t n);
  // The bytes up to the next `separator` (which is consumed), or all the rest.
  std::string_view TakeUntil(char separator);
  std::string_view Rest();

 private:
  std::string_view rest_;
};

}  // namespace logroute::fuzz
