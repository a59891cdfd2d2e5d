#include "libcore/chain/chain_options.h"

#include <string>
#include <vector>

namespace logroute::chain {
namespace {

void Declare(CLI::App& app, const HandlerOption& option, ChainConfig::Slot& slot) {
  const std::string flag = "--" + std::string(option.name);
  const std::string help(option.help);
  CLI::Option* declared = nullptr;
  switch (option.form) {
    case HandlerOption::Form::kFlag:
      app.add_flag(flag, slot.flag, help);
      return;
    case HandlerOption::Form::kList:
      // Not add_option(flag, slot.items): its inlined vector code makes GCC 12
      // report a null dereference inside CLI11 (-Wnull-dereference).
      declared =
          app.add_option_function<std::vector<std::string>>(
                 flag, [&slot](const std::vector<std::string>& items) { slot.items = items; }, help)
              ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
      break;
    case HandlerOption::Form::kValue:
      declared = app.add_option(flag, slot.value, help);
      if (!option.default_value.empty()) declared->capture_default_str();
      if (!option.choices.empty()) {
        declared->check(
            CLI::IsMember(std::vector<std::string>(option.choices.begin(), option.choices.end())));
      }
      break;
  }
  if (!option.type_name.empty()) declared->type_name(std::string(option.type_name));
}

}  // namespace

void DeclareChainOptions(CLI::App& app, ChainConfig& config) {
  for (const HandlerKind* kind : config.kinds()) {
    for (const HandlerOption& option : kind->options) {
      Declare(app, option, config.SlotOf(option.name, option.form));
    }
  }
}

}  // namespace logroute::chain
