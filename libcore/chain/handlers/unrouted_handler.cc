// The default handler, last in every chain: its policy decides what becomes of
// an event no route took. reject (the default) answers with an error, store
// sends it to a catch-all table, drop discards it (the caller counts drops).
#include "libcore/chain/registry.h"
#include "libcore/chain/table_name.h"

namespace logroute::chain {
namespace {

class UnroutedHandler final : public Handler {
 public:
  UnroutedHandler(Decision::Action action, std::string table)
      : action_(action), table_(std::move(table)) {}

  Decision Handle(const event::Event& event) const override {
    switch (action_) {
      case Decision::Action::kRoute:
        return {action_, table_, {}, true};
      case Decision::Action::kDrop:
        return {action_, {}, {}, true};
      case Decision::Action::kReject:
        break;
    }
    std::string reason = "no route for ";
    event::AppendJsonString(event.event_name, &reason);  // quoted and escaped: safe in any log
    reason += " (unrouted policy is reject)";
    return {Decision::Action::kReject, {}, {"event_name", std::move(reason)}, true};
  }

  std::string Describe() const override {
    switch (action_) {
      case Decision::Action::kRoute:
        return "unrouted store -> " + table_;
      case Decision::Action::kDrop:
        return "unrouted drop";
      case Decision::Action::kReject:
        break;
    }
    return "unrouted reject";
  }

 private:
  Decision::Action action_;
  std::string table_;
};

}  // namespace

Result<std::unique_ptr<Handler>> NewUnroutedHandler(std::string_view argument) {
  if (argument == "reject") {
    return std::unique_ptr<Handler>(new UnroutedHandler(Decision::Action::kReject, ""));
  }
  if (argument == "drop") {
    return std::unique_ptr<Handler>(new UnroutedHandler(Decision::Action::kDrop, ""));
  }
  if (argument.starts_with("store=")) {
    std::string_view table = argument.substr(6);
    LOGROUTE_RETURN_IF_ERROR(ValidateTableName(table));
    return std::unique_ptr<Handler>(
        new UnroutedHandler(Decision::Action::kRoute, std::string(table)));
  }
  return Status::Usage("unknown unrouted policy");
}

}  // namespace logroute::chain
