// Helpers of the operators' surface tests: shell commands, spools with
// events, and where the built tools and the sources are.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace logroute::testing::ops {

inline const std::string kRecv = LOGROUTE_RECV_BIN;
inline const std::string kStat = LOGROUTE_STAT_BIN;
inline const std::string kFlush = LOGROUTE_OPS_FLUSH_BIN;
inline const std::string kSource = LOGROUTE_SOURCE_DIR;
inline const std::string kBuild = LOGROUTE_OPS_BUILD_DIR;

// Runs argv[0] (a path) to completion. (Inside a TEST body, a bare Run() would
// name testing::Test::Run.)
inline RunResult Exec(const std::vector<std::string>& argv, const RunOptions& options = {}) {
  return logroute::testing::Run(argv, options);
}

// Options for a run in a clean environment: no LOGROUTE_* variable of the
// caller, plus `env` (NAME=VALUE entries), and `input` on standard input.
RunOptions Clean(std::vector<std::string> env = {}, std::string input = {});

// Runs `script` with /bin/sh -c.
RunResult Sh(const std::string& script, const RunOptions& options = {});

// True when `program` is found on PATH.
bool HaveCommand(const std::string& program);

// Quotes `text` for /bin/sh.
std::string ShellQuote(const std::string& text);

// `count` valid events, one JSON object a line, user ids first_user...
std::string Events(int count, int first_user = 1);

// Spools `count` events into `spool` with logroute-recv --stdin; fails the
// test when recv does not accept them all.
void SpoolEvents(const std::string& spool, int count, int shards = 3);

// The long option names (without "--") that a tool's --help lists.
std::set<std::string> HelpOptions(const std::string& tool);

// The defaults that a tool's --help shows ("--threads INT:INT in [1 - 256]=2"),
// by long option name; options without one are left out.
std::map<std::string, std::string> HelpDefaults(const std::string& tool);

// Runs argv[0] (a path) with standard output and error on a new
// pseudo-terminal, to completion; returns what it wrote there, and its exit
// status in *status.
std::string RunOnTerminal(const std::vector<std::string>& argv, int* status);

// Every variable LOGROUTE_* of the test's environment, for RunOptions::unset_env,
// so that the caller's settings never leak into a test.
std::vector<std::string> LogrouteEnvironment();

}  // namespace logroute::testing::ops
