// ChainConfig: the operator's configuration of the handler chain, which is
// the values of the options of its handler kinds (registry.h), by long name.
// Each option holds its default until it is set. recv fills it from its
// command line, environment and config file (chain_options.h); tests and
// benches set values directly. Each kind parses its own options' values.
//
// Naming an option that none of the kinds has, or using it as another form
// (a list as a flag), is a bug in the caller: it aborts.
//
// Thread safety: a value; const methods may be called from any thread.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libcore/base/status.h"
#include "libcore/chain/registry.h"

namespace logroute::config {
class CommandLine;
}

namespace logroute::chain {

class ChainConfig {
 public:
  // Every option of `kinds` (which must outlive this) at its default.
  explicit ChainConfig(std::span<const HandlerKind* const> kinds = HandlerKinds());

  std::span<const HandlerKind* const> kinds() const { return kinds_; }

  ChainConfig& SetValue(std::string_view option, std::string value);
  ChainConfig& SetList(std::string_view option, std::vector<std::string> items);
  ChainConfig& SetFlag(std::string_view option, bool on);

  const std::string& Value(std::string_view option) const;
  const std::vector<std::string>& List(std::string_view option) const;
  bool Flag(std::string_view option) const;

  // `status` with where the value of `option` came from, once a command line
  // parsed the values (set_origin); else `status` as it is. OK stays OK.
  Status Blame(std::string_view option, const Status& status) const;
  // `origin` parsed the values; it must outlive the use of this config.
  void set_origin(const config::CommandLine* origin) { origin_ = origin; }

  // Where a command line parser binds each option: the variable of its form.
  struct Slot {
    HandlerOption::Form form;
    std::string value;               // kValue
    std::vector<std::string> items;  // kList
    bool flag = false;               // kFlag
  };
  Slot& SlotOf(std::string_view option, HandlerOption::Form form);

 private:
  const Slot& Find(std::string_view option, HandlerOption::Form form) const;

  std::span<const HandlerKind* const> kinds_;
  std::map<std::string, Slot, std::less<>> slots_;  // nodes stay put: parsers bind to them
  const config::CommandLine* origin_ = nullptr;
};

}  // namespace logroute::chain
