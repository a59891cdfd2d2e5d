#include "libcore/base/logging.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace logroute {
namespace {

// JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected.
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  uintmax_t device = 0, inode = 0;
  char rest = 0;
  if (std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX "%c", &device, &inode, &rest) != 2) return false;
  struct stat st;
  return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device && st.st_ino == inode;
}

spdlog::level::level_enum SpdlogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kCritical:
      return spdlog::level::critical;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;  // not a LogLevel: a bug
}

}  // namespace

void InitLogging(std::string_view tool, LogLevel level) {
  auto logger = spdlog::stderr_logger_mt(std::string(tool));
  // No colours; the journal adds its own timestamps, cron mail, docker logs
  // and files do not.
  logger->set_pattern(StderrIsJournal() ? "%n: %l: %v" : "%Y-%m-%dT%H:%M:%S.%e%z %n: %l: %v");
  spdlog::set_default_logger(std::move(logger));
  SetLogLevel(level);
}

void SetLogLevel(LogLevel level) { spdlog::default_logger()->set_level(SpdlogLevel(level)); }

}  // namespace logroute
