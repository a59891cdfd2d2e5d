#include "libcore/chain/chain.h"

#include "libcore/chain/registry.h"

namespace logroute::chain {

Decision Handler::PassOn(const event::Event& event) const {
  if (successor_) return successor_->Handle(event);
  // Unreachable with chains from Chain::Build, which always end in a handler
  // that decides; a hand-made chain still never loses an event silently.
  std::string reason = "no handler accepted ";
  event::AppendJsonString(event.event_name, &reason);
  return {Decision::Action::kReject, {}, {"event_name", std::move(reason)}, true};
}

std::vector<HandlerSpec> ChainSpecs(const ChainConfig& config) {
  std::vector<HandlerSpec> specs;
  for (const std::string& route : config.routes) specs.push_back({"route", route});
  for (const std::string& route : config.default_routes) specs.push_back({"route", route});
  std::string unrouted = config.unrouted_policy;
  if (unrouted == "store") unrouted += "=" + config.unrouted_table;
  specs.push_back({"unrouted", unrouted});
  return specs;
}

Result<Chain> Chain::Build(const std::vector<HandlerSpec>& specs) {
  std::vector<std::unique_ptr<Handler>> handlers;
  for (const HandlerSpec& spec : specs) {
    const HandlerKind* kind = nullptr;
    for (const HandlerKind& candidate : HandlerKinds()) {
      if (candidate.name == spec.kind) kind = &candidate;
    }
    if (kind == nullptr) return Status::Usage("unknown handler kind '" + spec.kind + "'");
    Result<std::unique_ptr<Handler>> handler = kind->make(spec.argument);
    if (!handler.ok()) {
      return handler.status().Wrap(spec.kind + " '" + spec.argument + "' (expected " +
                                   std::string(kind->syntax) + ")");
    }
    handlers.push_back(std::move(handler).value());
  }
  if (handlers.empty()) return Status::Usage("the handler chain is empty");
  for (size_t i = handlers.size() - 1; i > 0; --i) {
    handlers[i - 1]->set_successor(std::move(handlers[i]));
  }
  return Chain(std::move(handlers[0]));
}

std::vector<std::string> Chain::Describe() const {
  std::vector<std::string> lines;
  for (const Handler* h = head_.get(); h != nullptr; h = h->successor()) {
    lines.push_back(h->Describe());
  }
  return lines;
}

}  // namespace logroute::chain
