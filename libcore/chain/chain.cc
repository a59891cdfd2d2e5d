#include "libcore/chain/chain.h"

#include "libcore/chain/registry.h"

namespace logroute::chain {

Decision Handler::PassOn(const event::Event& event) const {
  if (successor_) return successor_->Handle(event);
  // Unreachable with recv's chains, which always end in a handler that
  // decides; a chain without one still never loses an event silently.
  std::string reason = "no handler accepted ";
  event::AppendJsonString(event.event_name, &reason);
  return {Decision::Action::kReject, {}, event::FieldError{"event_name", std::move(reason)}, true};
}

void Chain::ExplainReject(const event::Event& event, Decision* decision) {
  std::string reason = "the handler chain refused ";
  event::AppendJsonString(event.event_name, &reason);
  decision->error = event::FieldError{"event_name", std::move(reason)};
}

Result<Chain> Chain::Create(const ChainConfig& config) {
  Handlers handlers;
  for (const HandlerKind* kind : config.kinds()) {
    LOGROUTE_ASSIGN_OR_RETURN(Handlers made, kind->create(config));
    for (std::unique_ptr<Handler>& handler : made) handlers.push_back(std::move(handler));
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
