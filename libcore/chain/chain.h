// Building a chain from its configuration.
//
// A chain is the handlers of each kind of its ChainConfig (registry.h), in
// registry order, linked into one chain of responsibility.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/chain/chain_config.h"
#include "libcore/chain/handler.h"

namespace logroute::chain {

class Chain {
 public:
  // Makes the handlers of every kind of `config` and links them in order.
  // Usage error, from the kind, on a bad value (naming the option, the value,
  // where it came from and why), or when there is no handler at all.
  static Result<Chain> Create(const ChainConfig& config);
  // The same, for values that `origin` parsed: errors say where each came from.
  static Result<Chain> Create(ChainConfig config, const config::CommandLine& origin) {
    config.set_origin(&origin);
    return Create(config);
  }

  // Every reject has its error: callers hand it to the client as it is.
  Decision Handle(const event::Event& event) const {
    Decision decision = head_->Handle(event);
    if (decision.action == Decision::Action::kReject && !decision.error) [[unlikely]] {
      ExplainReject(event, &decision);
    }
    return decision;
  }
  // One line per handler, in order.
  std::vector<std::string> Describe() const;

 private:
  // For a handler that rejected without saying why: a client still learns
  // which event was refused.
  static void ExplainReject(const event::Event& event, Decision* decision);

  explicit Chain(std::unique_ptr<Handler> head) : head_(std::move(head)) {}
  std::unique_ptr<Handler> head_;
};

}  // namespace logroute::chain
