// The registry of handler kinds: a new kind is one file under handlers/ that
// defines its HandlerKind, and one row in kHandlerKinds (registry.cc) with its
// declaration below. Its options then reach recv's command line, LOGROUTE_*
// environment and config file (chain_options.h), --help, --check-config and
// reloads with no other edit.
//
// A kind declares its name; its options; how their values become its typed
// config, with errors that say what (the option and its value), where
// (ChainConfig::Blame: the command line, a variable, FILE:LINE) and why; and
// the factory that makes its handlers from that config.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/chain/handler.h"

namespace logroute::chain {

class ChainConfig;

// One option of a handler kind: --NAME on the command line, NAME (snake_case)
// in the config file, LOGROUTE_NAME in the environment (config/options.h).
struct HandlerOption {
  enum class Form {
    kValue,  // one value; the last one given wins
    kList,   // every value given, in order (repeatable)
    kFlag,   // no value
  };
  std::string_view name;  // the long name, kebab-case: "unrouted-table"
  Form form;
  std::string_view help;
  std::string_view default_value = {};  // kValue: what --help and --check-config show
  std::string_view type_name = {};  // what --help calls the value ("NAME=TABLE"); empty: CLI11's
  std::span<const std::string_view> choices = {};  // kValue: the only values taken; empty: any
};

using Handlers = std::vector<std::unique_ptr<Handler>>;

struct HandlerKind {
  std::string_view name;  // "route"
  std::span<const HandlerOption> options;
  // The kind's handlers for `config`, in chain order (there may be none): its
  // options' values parsed into its typed config, then its factory's output.
  // A bad value is a usage error that names the option and its value, and
  // where it came from (ChainConfig::Blame).
  Result<Handlers> (*create)(const ChainConfig& config);

  // The `create` of a kind whose typed config comes from `Parse`
  // (const ChainConfig& -> Result<Config>) and whose handlers come from
  // `Create` (const Config& -> Result<Handlers>).
  template <auto Parse, auto Create>
  static Result<Handlers> ParseThenCreate(const ChainConfig& config) {
    auto typed = Parse(config);
    if (!typed.ok()) return typed.status();
    return Create(*typed);
  }
};

// The kinds of recv's chain, in chain order: the handlers of a kind come
// before those of the next. The unrouted kind is last, so every event gets
// a Decision.
std::span<const HandlerKind* const> HandlerKinds();

// The long names of the options of HandlerKinds(), in order.
std::vector<std::string_view> ChainOptionNames();

// The kinds, defined in handlers/*.cc.
extern const HandlerKind kRouteKind;     // --route NAME=TABLE, --no-default-routes
extern const HandlerKind kUnroutedKind;  // --unrouted reject|store|drop, --unrouted-table

}  // namespace logroute::chain
