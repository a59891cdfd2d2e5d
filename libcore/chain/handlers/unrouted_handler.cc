// unrouted: the default handler, last in every chain. Its policy decides what
// becomes of an event no route took: reject (the default) answers with an
// error, store sends it to a catch-all table, drop discards it (the caller
// counts drops).
//
//   --unrouted reject|store|drop
//   --unrouted-table TABLE   the catch-all table of store
#include <utility>

#include "libcore/chain/chain_config.h"
#include "libcore/chain/registry.h"
#include "libcore/chain/table_name.h"

namespace logroute::chain {
namespace {

enum class Policy { kReject, kStore, kDrop };

struct UnroutedConfig {
  Policy policy = Policy::kReject;
  std::string table;  // kStore: the catch-all table
};

constexpr std::string_view kPolicies[] = {"reject", "store", "drop"};

constexpr HandlerOption kOptions[] = {
    {"unrouted",
     HandlerOption::Form::kValue,
     "What becomes of events no route takes: reject, store or drop",
     "reject",
     {},
     kPolicies},
    {"unrouted-table", HandlerOption::Form::kValue, "The catch-all table of --unrouted store",
     "unrouted_events"},
};

class UnroutedHandler final : public Handler {
 public:
  explicit UnroutedHandler(UnroutedConfig config) : config_(std::move(config)) {}

  Decision Handle(const event::Event& event) const override {
    switch (config_.policy) {
      case Policy::kStore:
        return {Decision::Action::kRoute, config_.table, {}, true};
      case Policy::kDrop:
        return {Decision::Action::kDrop, {}, {}, true};
      case Policy::kReject:
        break;
    }
    std::string reason = "no route for ";
    event::AppendJsonString(event.event_name, &reason);  // quoted and escaped: safe in any log
    reason += " (unrouted policy is reject)";
    return {
        Decision::Action::kReject, {}, event::FieldError{"event_name", std::move(reason)}, true};
  }

  std::string Describe() const override {
    switch (config_.policy) {
      case Policy::kStore:
        return "unrouted store -> " + config_.table;
      case Policy::kDrop:
        return "unrouted drop";
      case Policy::kReject:
        break;
    }
    return "unrouted reject";
  }

 private:
  UnroutedConfig config_;
};

Result<UnroutedConfig> ParseUnroutedConfig(const ChainConfig& config) {
  const std::string& policy = config.Value("unrouted");
  if (policy == "reject") return UnroutedConfig{Policy::kReject, ""};
  if (policy == "drop") return UnroutedConfig{Policy::kDrop, ""};
  if (policy != "store") {
    return config.Blame(
        "unrouted", Status::Usage("--unrouted: '" + policy + "' is none of reject, store or drop"));
  }
  const std::string& table = config.Value("unrouted-table");
  LOGROUTE_RETURN_IF_ERROR(
      config.Blame("unrouted-table", ValidateTableName(table).Wrap("--unrouted-table")));
  return UnroutedConfig{Policy::kStore, table};
}

Result<Handlers> CreateUnroutedHandler(const UnroutedConfig& config) {
  Handlers handlers;
  handlers.push_back(std::make_unique<UnroutedHandler>(config));
  return handlers;
}

}  // namespace

constinit const HandlerKind kUnroutedKind{
    "unrouted", kOptions,
    &HandlerKind::ParseThenCreate<&ParseUnroutedConfig, &CreateUnroutedHandler>};

}  // namespace logroute::chain
