// SIGINT and SIGTERM as a request to stop, the same way in every tool (the
// HTTP server of recv catches its own): the handler notes the signal, sets
// the stop flag and writes a byte to a pipe, so that a thread blocked in
// poll(2) wakes up. What is stopped and how is the caller's: finish the
// current segment, the current batch, the current screen.
//
// Thread safety: CatchStopSignals() once, from main() before any thread that
// reads the flag starts; the other functions from any thread.
#pragma once

#include <atomic>

#include "libcore/base/status.h"

namespace logroute {

// Makes the wake-up pipe, then installs the handlers. Errors: the pipe
// cannot be made (too many open files).
Status CatchStopSignals();

// Set once SIGINT or SIGTERM arrived; for code that polls a flag.
const std::atomic<bool>& StopRequested();

// The signal that asked to stop (SIGINT, SIGTERM), or 0.
int StopSignal();

// A descriptor that turns readable once a stop is requested (-1 before
// CatchStopSignals()); never read it, so that it stays readable.
int StopWakeFd();

}  // namespace logroute
