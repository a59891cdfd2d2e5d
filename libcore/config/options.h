// Options shared by the tools: the config file, LOGROUTE_* environment
// variables, and their precedence (flag > environment > file > default).
//
// Each tool declares its options on a CLI::App, then calls ParseCommandLine().
// Every long option --some-name is also read from LOGROUTE_SOME_NAME and from
// the key `some_name` (or `some-name`) of the config file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace logroute::config {

// The config file read when --config is not given, if it exists.
inline constexpr const char* kDefaultConfigFile = "/etc/logroute/logroute.conf";

// Adds --config, --version, and the shared option policies to `app`. Call
// before declaring the tool's own options.
void SetupApp(CLI::App& app, std::string_view version);

// The check for a real-valued option: a number from `min` to `max`. Use it
// instead of CLI::Range, CLI::NonNegativeNumber and CLI::PositiveNumber, which
// let "nan" through (every comparison with NaN is false), so that a timeout of
// NaN seconds reached the code that turns it into a duration.
CLI::Validator RealRange(double min, double max);

// "LOGROUTE_MAX_AGE" for "--max-age".
std::string EnvironmentName(std::string_view long_name);

// Parses argv with the precedence above. Returns nullopt when the tool goes
// on; else the status to exit with at once: 0 after --help or --version, 64
// (usage) after an error, whose message CLI11 has printed.
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

}  // namespace logroute::config
