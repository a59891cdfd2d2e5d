#include "libcore/base/tool_main.h"

#include <cstdio>
#include <exception>

#include <spdlog/spdlog.h>

#include "libcore/base/exit_code.h"

namespace logroute {

int ToolMain(const char* tool, int (*run)(int argc, char** argv), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", tool, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: internal error: unknown exception\n", tool);
  }
  return ExitCode(Code::kInternal);
}

int ExitWith(const Status& status) {
  if (!status.ok()) spdlog::error("{}", status.message());
  return ExitCode(status);
}

}  // namespace logroute
