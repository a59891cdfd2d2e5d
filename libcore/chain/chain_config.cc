#include "libcore/chain/chain_config.h"

#include <cstdio>
#include <cstdlib>

#include "libcore/config/options.h"

namespace logroute::chain {

ChainConfig::ChainConfig(std::span<const HandlerKind* const> kinds) : kinds_(kinds) {
  for (const HandlerKind* kind : kinds) {
    for (const HandlerOption& option : kind->options) {
      slots_.emplace(std::string(option.name),
                     Slot{option.form, std::string(option.default_value), {}, false});
    }
  }
}

const ChainConfig::Slot& ChainConfig::Find(std::string_view option,
                                           HandlerOption::Form form) const {
  auto slot = slots_.find(option);
  if (slot == slots_.end() || slot->second.form != form) {
    std::fprintf(stderr, "BUG: the handler chain has no option --%.*s of that form\n",
                 static_cast<int>(option.size()), option.data());
    std::abort();
  }
  return slot->second;
}

ChainConfig::Slot& ChainConfig::SlotOf(std::string_view option, HandlerOption::Form form) {
  return const_cast<Slot&>(Find(option, form));
}

ChainConfig& ChainConfig::SetValue(std::string_view option, std::string value) {
  SlotOf(option, HandlerOption::Form::kValue).value = std::move(value);
  return *this;
}

ChainConfig& ChainConfig::SetList(std::string_view option, std::vector<std::string> items) {
  SlotOf(option, HandlerOption::Form::kList).items = std::move(items);
  return *this;
}

ChainConfig& ChainConfig::SetFlag(std::string_view option, bool on) {
  SlotOf(option, HandlerOption::Form::kFlag).flag = on;
  return *this;
}

const std::string& ChainConfig::Value(std::string_view option) const {
  return Find(option, HandlerOption::Form::kValue).value;
}

const std::vector<std::string>& ChainConfig::List(std::string_view option) const {
  return Find(option, HandlerOption::Form::kList).items;
}

bool ChainConfig::Flag(std::string_view option) const {
  return Find(option, HandlerOption::Form::kFlag).flag;
}

Status ChainConfig::Blame(std::string_view option, const Status& status) const {
  return origin_ == nullptr ? status : origin_->Blame(option, status);
}

}  // namespace logroute::chain
