// The options of every tool, by long name: one config file serves the three
// tools, so each must tell a key meant for another tool (ignored) from a key
// that no tool knows (an error). A new option is one row here as well, but
// for the options of the handler chain's kinds, which recv's list takes from
// libcore/chain/registry.h; tests/e2e/ops/strict_options_test.cc checks the
// lists against each tool's --help.
#pragma once

#include <span>
#include <string_view>

namespace logroute::config {

struct ToolOptions {
  std::string_view tool;                      // "logroute-recv"
  std::span<const std::string_view> options;  // long names without "--", kebab-case
};

// Every tool. --help, --version, --config and --check-config are left out:
// every tool has them, and none of them is a key of the config file.
std::span<const ToolOptions> AllToolOptions();

// True when some tool has the option `name` (kebab-case, without "--").
bool SomeToolHas(std::string_view name);

}  // namespace logroute::config
