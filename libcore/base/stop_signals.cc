#include "libcore/base/stop_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace logroute {
namespace {

// Lock-free atomics: a signal handler may store to them.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
int g_wake_pipe[2] = {-1, -1};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

void OnStopSignal(int signal) {
  g_signal.store(signal);
  g_stop.store(true);
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(g_wake_pipe[1], &byte, 1);
}

}  // namespace

Status CatchStopSignals() {
  if (::pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    return ErrnoStatus("cannot create a pipe for signals", errno);
  }
  // No SA_RESTART: a blocking call returns EINTR, and its caller looks at the flag.
  struct sigaction action = {};
  action.sa_handler = &OnStopSignal;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  return Status::Ok();
}

const std::atomic<bool>& StopRequested() { return g_stop; }

int StopSignal() { return g_signal.load(); }

int StopWakeFd() { return g_wake_pipe[0]; }

}  // namespace logroute
