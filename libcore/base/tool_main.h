// The one catch-all of every tool's main(): libcore reports errors as Status
// values, so an exception reaching here is a bug (or a third-party library
// out of its edge); it becomes a message and exit 70, never a core dump.
#pragma once

namespace logroute {

int ToolMain(const char* tool, int (*run)(int argc, char** argv), int argc, char** argv);

}  // namespace logroute
