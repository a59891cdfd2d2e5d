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

  Decision Handle(const event::Event& event) const { return head_->Handle(event); }
  // One line per handler, in order.
  std::vector<std::string> Describe() const;

 private:
  explicit Chain(std::unique_ptr<Handler> head) : head_(std::move(head)) {}
  std::unique_ptr<Handler> head_;
};

}  // namespace logroute::chain
