// Logging: spdlog to stderr, one format for every tool.
//
// Messages are capitalised sentences with key=value context; ERROR means data
// is at risk or an operator must act.
#pragma once

#include <string_view>

namespace logroute {

// Sets the default spdlog logger of the process. `level` is a spdlog level
// name ("info", "debug", "warn", ...); an unknown name means "info".
void InitLogging(std::string_view tool, std::string_view level = "info");

}  // namespace logroute
