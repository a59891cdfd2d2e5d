// What every tool's main() does the same way.
#pragma once

#include "libcore/base/status.h"

namespace logroute {

// The one catch-all of every tool's main(): libcore reports errors as Status
// values, so an exception reaching here is a bug (or a third-party library
// out of its edge); it becomes a message and exit 70, never a core dump.
int ToolMain(const char* tool, int (*run)(int argc, char** argv), int argc, char** argv);

// The exit status for `status`, after logging its message as an error (the
// default spdlog logger) unless it is OK: how a tool ends on an error that
// needs no words of its own, such as a spool it cannot open.
int ExitWith(const Status& status);

}  // namespace logroute
