#include "libcore/config/options.h"

#include "libcore/base/status.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <sstream>

namespace logroute::config {
namespace {

// CLI11 2.1 matches a config key to an option by its exact long name, so the
// documented snake_case key `max_events` was silently ignored (config extras
// are allowed). Keys are mapped to the options' kebab-case before matching.
//
// An empty list (`max_body = []`) for an option that takes one value made
// CLI11 2.1 read the first of no values (undefined behaviour, found by
// tests/fuzz/config_fuzzer): it is refused here with a usage error.
class SnakeCaseConfig : public CLI::ConfigTOML {
 public:
  explicit SnakeCaseConfig(const CLI::App* app) : app_(app) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::vector<CLI::ConfigItem> parsed = CLI::ConfigTOML::from_config(input);
    for (CLI::ConfigItem& item : parsed) {
      std::replace(item.name.begin(), item.name.end(), '_', '-');
      const CLI::Option* option = app_->get_option_no_throw("--" + item.name);
      if (item.inputs.empty() && option != nullptr && option->get_items_expected_max() == 1) {
        throw CLI::ValidationError(item.name,
                                   "an empty list in the config file, but it takes a value");
      }
    }
    return parsed;
  }

 private:
  const CLI::App* app_;  // owns this formatter, so it outlives it
};

}  // namespace

void SetupApp(CLI::App& app, std::string_view version) {
  // A flag given twice (or by the environment and then the command line)
  // takes its last value: that is what makes flags override the environment.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string(version));
  const std::string default_config =
      ::access(kDefaultConfigFile, R_OK) == 0 ? kDefaultConfigFile : "";
  app.set_config("--config", default_config, "Read options from this INI/TOML file")
      ->envname("LOGROUTE_CONFIG");
  app.config_formatter(std::make_shared<SnakeCaseConfig>(&app));
  app.allow_config_extras(true);  // one file may serve every tool: keys for the others are ignored
}

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

std::string EnvironmentName(std::string_view long_name) {
  std::string name = "LOGROUTE_";
  for (char c : long_name) {
    name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv) {
  // The environment goes in as arguments before the real ones, so that the
  // command line wins (TakeLast) and the config file, which CLI11 applies only
  // to options that have no value yet, comes last.
  std::vector<std::string> args;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_lnames().empty()) continue;
    const std::string& long_name = option->get_lnames().front();
    // --config too: CLI11 2.1 reads the config file before it looks at any
    // option's envname, so LOGROUTE_CONFIG would otherwise be ignored.
    if (long_name == "help" || long_name == "version") continue;
    const char* value = std::getenv(EnvironmentName(long_name).c_str());
    if (value == nullptr || *value == '\0') continue;
    args.push_back("--" + long_name + "=" + value);
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version or the error
    return code == 0 ? 0 : static_cast<int>(Code::kUsage);
  }
  return std::nullopt;
}

}  // namespace logroute::config
