// Running the built tools from tests: arguments, standard input, environment,
// and what comes back (exit status, stdout, stderr).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace logroute::testing {

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal number
  std::string out;
  std::string err;
  // The child's peak resident set (wait4's ru_maxrss). posix_spawn starts the
  // child on the parent's memory (vfork), so this is at least the parent's
  // own peak: meaningful only when the parent stays smaller than the child.
  long max_rss_kib = 0;
};

struct RunOptions {
  std::string input;                   // written to the child's stdin, then closed
  std::vector<std::string> env;        // extra NAME=VALUE entries
  std::vector<std::string> unset_env;  // names removed from the environment
};

// Runs `argv` (argv[0] is a path) to completion.
RunResult Run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Starts `argv` in the background with stdout/stderr sent to files; returns its pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& stdout_path,
            const std::string& stderr_path, const RunOptions& options = {});

// Waits for `pid` and returns its exit status (128 + signal when killed).
int Wait(pid_t pid);
// The same, and sets *max_rss_kib to the child's peak resident set in KiB.
int Wait(pid_t pid, long* max_rss_kib);

}  // namespace logroute::testing
