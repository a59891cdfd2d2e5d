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

}  // namespace

void InitLogging(std::string_view tool, std::string_view level) {
  auto logger = spdlog::stderr_logger_mt(std::string(tool));
  // No colours; the journal adds its own timestamps, cron mail, docker logs
  // and files do not.
  logger->set_pattern(StderrIsJournal() ? "%n: %l: %v" : "%Y-%m-%dT%H:%M:%S.%e%z %n: %l: %v");
  spdlog::set_default_logger(std::move(logger));
  SetLogLevel(level);
}

void SetLogLevel(std::string_view level) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  // spdlog reads an unknown name as "off"; silence must be asked for by name.
  if (parsed == spdlog::level::off && level != "off") parsed = spdlog::level::info;
  spdlog::default_logger()->set_level(parsed);
}

}  // namespace logroute
