#include "libcore/config/options.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "libcore/base/exit_code.h"
#include "libcore/base/logging.h"
#include "libcore/base/version.h"
#include "libcore/config/config_file.h"
#include "libcore/config/tool_options.h"

namespace logroute::config {
namespace {

// The options every tool has and that are no setting of its own.
bool IsMetaOption(std::string_view name) {
  return name == "help" || name == "version" || name == "config" || name == "check-config";
}

std::string KebabCase(std::string_view key) {
  std::string name(key);
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string SnakeCase(std::string_view name) {
  std::string key(name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

// The long name of each option of `app` that is a setting, in declaration order.
std::vector<std::string> SettingNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_lnames().empty() || IsMetaOption(option->get_lnames().front())) continue;
    names.push_back(option->get_lnames().front());
  }
  return names;
}

bool IsList(const CLI::Option& option) {
  return option.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll ||
         option.get_expected_max() > 1;
}

bool IsFlag(const CLI::Option& option) { return option.get_expected_max() == 0; }

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean --table?)" for the closest of `names` within two edits, else "".
std::string Suggestion(std::string_view wrong, const std::vector<std::string>& names,
                       std::string_view prefix, std::string_view suffix) {
  const std::string* best = nullptr;
  size_t best_distance = 3;
  for (const std::string& name : names) {
    const size_t distance = EditDistance(wrong, name);
    if (distance < best_distance) {
      best_distance = distance;
      best = &name;
    }
  }
  if (best == nullptr) return "";
  return " (did you mean " + std::string(prefix) + *best + std::string(suffix) + "?)";
}

// The option tokens of argv, up to a "--": "--name" or "--name=value" -> name.
std::vector<std::string> CommandLineNames(const std::vector<std::string>& argv) {
  std::vector<std::string> names;
  for (const std::string& arg : argv) {
    if (arg == "--") break;
    if (arg.size() > 2 && arg.starts_with("--")) names.push_back(arg.substr(2, arg.find('=') - 2));
  }
  return names;
}

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A value as the config file would take it back: bare when that is unambiguous.
std::string Quoted(std::string_view value, bool always) {
  const bool plain = !always && !value.empty() &&
                     value.find_first_of("\"'#[\\\n\t") == std::string_view::npos &&
                     value.front() != ' ' && value.back() != ' ';
  if (plain) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\t') {
      quoted += "\\t";
    } else {
      quoted.push_back(c);
    }
  }
  return quoted + "\"";
}

}  // namespace

CLI::Validator RealRange(double min, double max) {
  std::ostringstream range;
  range << "[" << min << " - " << max << "]";
  return CLI::Validator(
      [min, max, text = range.str()](std::string& input) -> std::string {
        double value;
        if (CLI::detail::lexical_cast(input, value) && value >= min && value <= max) return {};
        return "Value " + input + " not in range " + text;
      },
      "FLOAT in " + range.str());
}

CLI::Validator OneOf(std::vector<std::string> names, CLI::Validator to_value) {
  std::string set = "{";
  for (const std::string& name : names) set += (set.size() > 1 ? "," : "") + name;
  set += "}";
  // The names only: CheckedTransformer alone would also take the numbers it
  // turns them into ("--fsync 1"), and word its refusal differently.
  return CLI::Validator(
      [names = std::move(names), to_value = std::move(to_value), set](std::string& input) {
        if (std::find(names.begin(), names.end(), input) == names.end()) {
          return input + " not in " + set;
        }
        return to_value(input);
      },
      set);
}

std::string EnvironmentName(std::string_view long_name) {
  std::string name = "LOGROUTE_";
  for (char c : long_name) {
    name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

CommandLine::CommandLine(CLI::App& app, std::string_view tool) : app_(app), tool_(tool) {
  // A flag given twice on the command line keeps its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", VersionLine(tool));
  // Parse() reads the file before CLI11 sees the command line; the option is
  // declared for --help and so that CLI11 accepts it.
  app.add_option("--config", config_path_,
                 "Read options from this file (default " + std::string(kDefaultConfigFile) +
                     " when it exists; also LOGROUTE_CONFIG)")
      ->type_name("FILE");
  app.add_flag("--check-config", check_config_,
               "Check every setting, print each with its source, and exit (0: valid, 64: not)");
}

void CommandLine::AddLogLevelOption() {
  // "warning" and "err" too: spdlog's other names, which operators have used.
  AddEnumOption("--log-level", log_level_,
                {{"trace", LogLevel::kTrace},
                 {"debug", LogLevel::kDebug},
                 {"info", LogLevel::kInfo},
                 {"warn", LogLevel::kWarn},
                 {"warning", LogLevel::kWarn},
                 {"error", LogLevel::kError},
                 {"err", LogLevel::kError},
                 {"critical", LogLevel::kCritical},
                 {"off", LogLevel::kOff}},
                "The least severe message logged");
  has_log_level_ = true;
}

std::string CommandLine::ConfigFilePath(const std::vector<std::string>& argv) const {
  std::string path;
  bool found = false;
  for (size_t i = 0; i < argv.size() && argv[i] != "--"; ++i) {
    if (argv[i] == "--config" && i + 1 < argv.size()) {
      path = argv[++i];
      found = true;
    } else if (argv[i].starts_with("--config=")) {
      path = argv[i].substr(9);
      found = true;
    }
  }
  if (found) return path;
  if (const char* value = std::getenv("LOGROUTE_CONFIG"); value != nullptr && *value != '\0') {
    return value;
  }
  return ::access(kDefaultConfigFile, R_OK) == 0 ? kDefaultConfigFile : "";
}

Status CommandLine::CheckCommandLineNames(const std::vector<std::string>& argv) const {
  // CLI11 takes an unknown --option for an extra argument, and its message
  // does not tell a misspelt option from a stray word: say which it is.
  for (const std::string& name : CommandLineNames(argv)) {
    if (app_.get_option_no_throw("--" + name) != nullptr) continue;
    std::vector<std::string> names = SettingNames(app_);
    names.insert(names.end(), {"help", "version", "config", "check-config"});
    return Status::Usage("unknown option --" + name + Suggestion(name, names, "--", ""));
  }
  return Status::Ok();
}

Status CommandLine::AddFileSettings(const std::string& path, std::vector<std::string>* args) {
  LOGROUTE_ASSIGN_OR_RETURN(std::vector<ConfigEntry> entries, ReadConfigFile(path));
  for (const ConfigEntry& entry : entries) {
    const std::string name = KebabCase(entry.key);
    const std::string at = path + ":" + std::to_string(entry.line);
    if (IsMetaOption(name)) {
      return Status::Usage(at + ": '" + entry.key + "' cannot be set in a config file");
    }
    const CLI::Option* option = app_.get_option_no_throw("--" + name);
    if (option == nullptr) {
      if (SomeToolHas(name)) continue;  // another tool's: one file serves them all
      std::vector<std::string> keys;
      for (const ToolOptions& tool : AllToolOptions()) {
        for (std::string_view known : tool.options) keys.push_back(SnakeCase(known));
      }
      return Status::Usage(at + ": unknown key '" + entry.key +
                           "': no logroute tool has an option --" + name +
                           Suggestion(entry.key, keys, "'", "'"));
    }
    if (origins_.count(name) > 0) continue;  // the command line or the environment set it
    if (entry.is_list && !IsList(*option)) {
      return Status::Usage(at + ": '" + entry.key + "' takes one value, not a list");
    }
    for (const std::string& value : entry.values) args->push_back("--" + name + "=" + value);
    origins_[name] = {Origin::Kind::kFile, at};
  }
  return Status::Ok();
}

Status CommandLine::Collect(const std::vector<std::string>& argv, std::vector<std::string>* args) {
  LOGROUTE_RETURN_IF_ERROR(CheckCommandLineNames(argv));
  for (const std::string& name : CommandLineNames(argv)) {
    if (!IsMetaOption(name)) origins_[name] = {Origin::Kind::kCommandLine, "the command line"};
  }
  // Each option comes from one source only, the highest that sets it, so that
  // a value is judged once and an error can say where it came from.
  std::vector<std::string> environment;
  for (const std::string& name : SettingNames(app_)) {
    if (origins_.count(name) > 0) continue;
    const std::string variable = EnvironmentName(name);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr || *value == '\0') continue;
    if (IsList(*app_.get_option("--" + name))) {
      // One item a line: no route NAME=TABLE can hold a line break.
      std::string_view items(value);
      while (!items.empty()) {
        const std::string_view item = items.substr(0, items.find('\n'));
        if (!item.empty()) environment.push_back("--" + name + "=" + std::string(item));
        items.remove_prefix(std::min(items.size(), item.size() + 1));
      }
    } else {
      environment.push_back("--" + name + "=" + value);
    }
    origins_[name] = {Origin::Kind::kEnvironment, variable};
  }
  if (const std::string path = ConfigFilePath(argv); !path.empty()) {
    LOGROUTE_RETURN_IF_ERROR(AddFileSettings(path, args));
  }
  args->insert(args->end(), environment.begin(), environment.end());
  args->insert(args->end(), argv.begin(), argv.end());
  return Status::Ok();
}

std::optional<int> CommandLine::Parse(int argc, char** argv) {
  const std::vector<std::string> command_line(argv + 1, argv + argc);
  std::vector<std::string> args;
  const std::vector<std::string> names = CommandLineNames(command_line);
  const bool asks_help =
      Contains(names, "help") || Contains(names, "version") ||
      std::find(command_line.begin(), command_line.end(), "-h") != command_line.end();
  if (asks_help) {
    args = command_line;  // help and version answer whatever the rest says
  } else if (Status collected = Collect(command_line, &args); !collected.ok()) {
    std::fprintf(stderr, "%s: %s\n", tool_.c_str(), collected.message().c_str());
    return ExitCode(Code::kUsage);
  }
  try {
    ParseArgs(args);
  } catch (const CLI::CallForHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app_.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for the options.\n", tool_.c_str(),
                 Annotate(e.what()).c_str(), tool_.c_str());
    return ExitCode(Code::kUsage);
  }
  if (has_log_level_) InitLogging(tool_, log_level_);
  return std::nullopt;
}

void CommandLine::ParseArgs(const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them reversed
  app_.parse(reversed);
}

Status CommandLine::Reparse(const std::vector<std::string>& command_line) {
  std::vector<std::string> args;
  LOGROUTE_RETURN_IF_ERROR(Collect(command_line, &args));
  try {
    ParseArgs(args);
  } catch (const CLI::ParseError& e) {
    return Status::Usage(Annotate(e.what()));
  }
  return Status::Ok();
}

std::string CommandLine::Annotate(std::string message) const {
  std::string notes;
  for (const std::string& name : SettingNames(app_)) {
    const std::string flag = "--" + name;
    bool named = false;
    for (size_t at = message.find(flag); at != std::string::npos && !named;
         at = message.find(flag, at + 1)) {
      const size_t after = at + flag.size();
      named = after == message.size() ||
              !(std::isalnum(static_cast<unsigned char>(message[after])) || message[after] == '-');
    }
    if (!named) continue;
    if (auto origin = origins_.find(name); origin != origins_.end()) {
      notes += (notes.empty() ? "" : ", ") + flag + " from " + origin->second.where;
    } else if (message == flag + " is required") {
      notes = "give it on the command line, as " + EnvironmentName(name) + ", or as '" +
              SnakeCase(name) + "' in the config file";
    }
  }
  return notes.empty() ? message : message + " (" + notes + ")";
}

std::string CommandLine::Where(std::string_view long_name) const {
  auto origin = origins_.find(std::string(long_name));
  return origin == origins_.end() ? "the default" : origin->second.where;
}

Status CommandLine::Blame(std::string_view long_name, const Status& status) const {
  if (status.ok()) return status;
  return {status.code(),
          status.message() + " (--" + std::string(long_name) + " from " + Where(long_name) + ")"};
}

bool CommandLine::HasDefault(const std::string& name) const {
  CLI::Option& option = *app_.get_option("--" + name);
  const std::string declared = option.get_default_str();
  if (declared.empty() || option.get_expected_min() > 0) return !declared.empty();
  // A value that may be left out (--watch [SECONDS]) declares what the bare
  // option means; it is also the default only if the variable holds it.
  option.capture_default_str();
  const bool holds_it = option.get_default_str() == declared;
  option.default_str(declared);
  return holds_it;
}

std::string CommandLine::Shown(const std::string& name, const std::string& text) const {
  if (auto names = enum_names_.find(name); names != enum_names_.end()) {
    for (const auto& [value, word] : names->second) {
      if (value == text) return word;
    }
  }
  return text;
}

std::vector<CommandLine::Setting> CommandLine::Settings() const {
  std::vector<Setting> settings;
  for (const std::string& name : SettingNames(app_)) {
    const CLI::Option& option = *app_.get_option("--" + name);
    const std::string key = SnakeCase(name);
    const bool set = origins_.count(name) > 0;
    Setting setting{name, "", set ? Where(name) : "default"};
    if (!set && IsFlag(option)) {
      setting.text = key + " = false";
    } else if (!set && !HasDefault(name)) {
      setting.text = "#" + key + " =";
      setting.source = "not set";
    } else if (!set) {
      setting.text = key + " = " + Quoted(option.get_default_str(), false);
    } else if (IsFlag(option)) {
      setting.text = key + " = " + (option.as<bool>() ? "true" : "false");
    } else if (IsList(option)) {
      std::string items;
      for (const std::string& item : option.reduced_results()) {
        items += (items.empty() ? "" : ", ") + Quoted(item, true);
      }
      setting.text = key + " = [" + items + "]";
    } else {
      const CLI::results_t values = option.reduced_results();
      setting.text = key + " = " + Quoted(Shown(name, values.empty() ? "" : values.back()), false);
    }
    settings.push_back(std::move(setting));
  }
  return settings;
}

int CommandLine::PrintSettings() const {
  const std::vector<Setting> settings = Settings();
  size_t width = 0;
  for (const Setting& setting : settings) width = std::max(width, setting.text.size());
  std::printf("# %s: every setting is valid; the effective values and their sources:\n",
              tool_.c_str());
  for (const Setting& setting : settings) {
    std::printf("%-*s  # %s\n", static_cast<int>(std::min<size_t>(width, 48)), setting.text.c_str(),
                setting.source.c_str());
  }
  return 0;
}

}  // namespace logroute::config
