#include "tests/e2e/ops/ops_util.h"

#include <pty.h>
#include <spawn.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

extern char** environ;

namespace logroute::testing::ops {

RunOptions Clean(std::vector<std::string> env, std::string input) {
  RunOptions options;
  options.env = std::move(env);
  options.input = std::move(input);
  options.unset_env = LogrouteEnvironment();
  return options;
}

RunResult Sh(const std::string& script, const RunOptions& options) {
  return Run({"/bin/sh", "-c", script}, options);
}

bool HaveCommand(const std::string& program) {
  return Sh("command -v " + ShellQuote(program) + " >/dev/null 2>&1").exit_code == 0;
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string Events(int count, int first_user) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += R"({"unix_ts":1684129671,"user_id":)" + std::to_string(first_user + i) +
           R"(,"event_name":")" + (i % 2 == 0 ? "login" : "logout") + "\"}\n";
  }
  return out;
}

void SpoolEvents(const std::string& spool, int count, int shards) {
  RunResult r = Run({kRecv, "--stdin", "--spool", spool, "--shards", std::to_string(shards)},
                    Clean({}, Events(count)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(r.err.find("accepted=" + std::to_string(count)), std::string::npos) << r.err;
}

std::set<std::string> HelpOptions(const std::string& tool) {
  RunResult r = Run({tool, "--help"}, Clean());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Option lines start with two spaces: "  -h,--help", "  --spool TEXT REQUIRED".
  static const std::regex kOptionLine(R"(^  (?:-[A-Za-z],)?--([a-z][a-z0-9-]*))");
  std::set<std::string> names;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kOptionLine)) names.insert(m[1]);
  }
  return names;
}

std::map<std::string, std::string> HelpDefaults(const std::string& tool) {
  RunResult r = Run({tool, "--help"}, Clean());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> defaults;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  --", 0) != 0) continue;
    const size_t name_end = std::min(line.find(' ', 4), line.size());
    const std::string name = line.substr(4, name_end - 4);
    // The type column ends at the padding before the description, or at "Excludes".
    std::string type = line.substr(std::min(name_end + 1, line.size()));
    type = type.substr(0, std::min(type.find("  "), type.find(" Excludes")));
    const size_t equals = type.rfind('=');
    if (equals == std::string::npos || type.find(' ', equals) != std::string::npos) continue;
    defaults[name] = type.substr(equals + 1);  // not NAME=TABLE, a type name
  }
  return defaults;
}

std::string RunOnTerminal(const std::vector<std::string>& argv, int* status) {
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
    ADD_FAILURE() << "openpty failed";
    return "";
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, slave, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, slave, STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, master);
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, c_args[0], &actions, nullptr, c_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(slave);
  std::string output;
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    ::close(master);
    return output;
  }
  char buffer[4096];
  // Reading fails with EIO once the child has exited and closed the terminal.
  for (ssize_t n; (n = ::read(master, buffer, sizeof buffer)) > 0;) {
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(master);
  *status = Wait(pid);
  return output;
}

std::vector<std::string> LogrouteEnvironment() {
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.rfind("LOGROUTE_", 0) == 0) names.push_back(entry.substr(0, entry.find('=')));
  }
  return names;
}

}  // namespace logroute::testing::ops
