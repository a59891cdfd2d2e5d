// Building a chain from its configuration.
//
// A chain is described by a list of HandlerSpecs, each naming a registered
// handler kind and its argument (see registry.h). ChainConfig is the operator's
// view: routes and the unrouted policy, from flags or the config file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libcore/base/result.h"
#include "libcore/chain/handler.h"

namespace logroute::chain {

struct HandlerSpec {
  std::string kind;      // a name in the registry: "route", "unrouted"
  std::string argument;  // the kind's own syntax: "login=logs", "reject"
};

struct ChainConfig {
  // NAME=TABLE, tried in order before the default routes; the first match wins.
  std::vector<std::string> routes;
  // The original service's routes; operators may clear them.
  std::vector<std::string> default_routes = {"login=logs", "logout=logs"};
  std::string unrouted_policy = "reject";          // reject | store | drop
  std::string unrouted_table = "unrouted_events";  // the catch-all table of `store`
};

// The specs a config stands for, in chain order; the unrouted handler last.
std::vector<HandlerSpec> ChainSpecs(const ChainConfig& config);

class Chain {
 public:
  // Builds the handlers of `specs` and links them in order. Usage error on an
  // unknown kind, a bad argument or a bad table name; the message names the spec.
  static Result<Chain> Build(const std::vector<HandlerSpec>& specs);
  static Result<Chain> Build(const ChainConfig& config) { return Build(ChainSpecs(config)); }

  Decision Handle(const event::Event& event) const { return head_->Handle(event); }
  // One line per handler, in order.
  std::vector<std::string> Describe() const;

 private:
  explicit Chain(std::unique_ptr<Handler> head) : head_(std::move(head)) {}
  std::unique_ptr<Handler> head_;
};

}  // namespace logroute::chain
