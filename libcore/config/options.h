// Options shared by the tools: the command line, LOGROUTE_* environment
// variables and the config file, their precedence (flag > environment >
// file > default), and where each setting came from.
//
// Every long option --some-name is also read from LOGROUTE_SOME_NAME and from
// the key `some_name` (or `some-name`) of the config file (config_file.h).
// Each source replaces the values of the sources below it, option by option;
// an option given several times on the command line keeps its last value,
// or all of them for a list (--route). In the environment, a list holds one
// item per line (LOGROUTE_ROUTE=$'a=t1\nb=t2').
//
// Mistakes are usage errors (exit 64) that name the culprit: an unknown option
// or a stray argument on the command line; a config key that no tool has
// (with its file and line; a key of another tool is ignored, since one file
// serves the three tools); a bad value, with where it came from.
//
// Thread safety: none; one CommandLine per thread (main(), or a reload's).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "libcore/base/logging.h"
#include "libcore/base/status.h"

namespace logroute::config {

// The config file read when --config is not given, if it exists.
inline constexpr const char* kDefaultConfigFile = "/etc/logroute/logroute.conf";

// "LOGROUTE_MAX_AGE" for "max-age".
std::string EnvironmentName(std::string_view long_name);

// The check for a real-valued option: a number from `min` to `max`. Use it
// instead of CLI::Range, CLI::NonNegativeNumber and CLI::PositiveNumber, which
// let "nan" through (every comparison with NaN is false), so that a timeout of
// NaN seconds reached the code that turns it into a duration.
CLI::Validator RealRange(double min, double max);

// The name of each value of an enum option, in the order --help lists them.
template <typename E>
using EnumNames = std::vector<std::pair<std::string, E>>;

// The check and conversion of an enum option: a word of `names` (else the
// error "WORD not in {never,always}"), which `to_value` (CLI11's
// CheckedTransformer over the names) turns into its enum value.
CLI::Validator OneOf(std::vector<std::string> names, CLI::Validator to_value);

class CommandLine {
 public:
  // Adds --config, --check-config, --version and the shared option policies
  // to `app`, for the tool `tool` ("logroute-recv"). Declare the tool's own
  // options afterwards, then call Parse(). `app` must outlive this object.
  CommandLine(CLI::App& app, std::string_view tool);

  // Declares --log-level, at this place of --help, for a tool's own
  // Parse(): that one then sets up logging at its level (InitLogging).
  void AddLogLevelOption();

  // Declares the option `flag` ("--fsync") whose value is one of `names`,
  // parsed into `value`, whose name at the call is the default. The same
  // CLI11 transformer reads it from the command line, LOGROUTE_* and the
  // config file; --check-config and Settings() show the name.
  template <typename E>
  CLI::Option* AddEnumOption(const std::string& flag, E& value, EnumNames<E> names,
                             const std::string& help);

  // Parses argv, the environment and the config file into the options'
  // variables. Returns nullopt when the tool goes on, logging set up if the
  // tool declared --log-level; else the status to exit with at once: 0 after
  // --help or --version, 64 after an error, which has been printed on stderr.
  std::optional<int> Parse(int argc, char** argv);

  // Parses again, for a reload: like Parse() but printing nothing, with no
  // --help or --version, and returning a usage error that says what is wrong
  // and where. Call it on a new CommandLine over a new CLI::App.
  Status Reparse(const std::vector<std::string>& command_line);

  // Where the value of the option `long_name` (without "--") came from: "the
  // command line", "LOGROUTE_TABLE", "/etc/logroute/logroute.conf:12", or
  // "the default".
  std::string Where(std::string_view long_name) const;

  // `status` with where the value of `long_name` came from appended; OK stays OK.
  Status Blame(std::string_view long_name, const Status& status) const;

  // The value of --log-level, after parsing.
  LogLevel log_level() const { return log_level_; }

  // True after --check-config: the tool validates its settings, then calls
  // PrintSettings() instead of doing its work.
  bool check_config() const { return check_config_; }

  // Prints every option's effective value and its source on stdout, in the
  // config file's syntax (`key = value  # source`). Returns 0, the exit status.
  int PrintSettings() const;

  struct Setting {
    std::string name;    // the long option name, "max-age"
    std::string text;    // as the config file would say it: "max_age = 90", "#table ="
    std::string source;  // "default", "not set", "the command line", "FILE:LINE", ...
  };
  // Every setting's effective value, in declaration order.
  std::vector<Setting> Settings() const;

 private:
  struct Origin {
    enum class Kind { kCommandLine, kEnvironment, kFile } kind;
    std::string where;
  };

  Status Collect(const std::vector<std::string>& argv, std::vector<std::string>* args);
  // CLI11's parse of `args`, in command-line order; throws CLI::ParseError.
  void ParseArgs(const std::vector<std::string>& args);
  Status CheckCommandLineNames(const std::vector<std::string>& argv) const;
  std::string ConfigFilePath(const std::vector<std::string>& argv) const;
  Status AddFileSettings(const std::string& path, std::vector<std::string>* args);
  std::string Annotate(std::string message) const;
  // False when the option has no default of its own (unset means "none").
  bool HasDefault(const std::string& name) const;
  // `text`, a value of the option `name` as CLI11 holds it, as the operator wrote it.
  std::string Shown(const std::string& name, const std::string& text) const;

  CLI::App& app_;
  std::string tool_;
  std::string config_path_;
  bool check_config_ = false;
  bool has_log_level_ = false;
  LogLevel log_level_ = LogLevel::kInfo;
  std::unordered_map<std::string, Origin> origins_;  // by long name, for options that were set
  // By long name, for enum options: CLI11's text of each value ("1") and its name.
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> enum_names_;
};

template <typename E>
CLI::Option* CommandLine::AddEnumOption(const std::string& flag, E& value, EnumNames<E> names,
                                        const std::string& help) {
  std::vector<std::string> words;
  std::string default_name;
  auto& shown = enum_names_[flag.substr(2)];
  for (const auto& [name, each] : names) {
    words.push_back(name);
    if (each == value) default_name = name;
    shown.emplace_back(CLI::detail::value_string(each), name);
  }
  // TEXT rather than CLI11's ENUM: --help shows what the operator writes.
  return app_.add_option(flag, value, help)
      ->type_name("TEXT")
      ->default_str(default_name)
      ->transform(OneOf(std::move(words), CLI::CheckedTransformer(std::move(names))));
}

}  // namespace logroute::config
