#include "libcore/base/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace logroute {

void InitLogging(std::string_view tool, std::string_view level) {
  auto logger = spdlog::stderr_logger_mt(std::string(tool));
  // No colours, no timestamps to spare: journald, cron mail and docker logs add their own.
  logger->set_pattern("%n: %l: %v");
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  // spdlog reads an unknown name as "off"; silence must be asked for by name.
  if (parsed == spdlog::level::off && level != "off") parsed = spdlog::level::info;
  logger->set_level(parsed);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace logroute
