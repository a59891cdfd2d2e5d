// The handler chain: an ordered chain of responsibility over events.
//
// Each Handler either handles an event (routes it to a table, rejects it with a
// reason, or drops it) or passes it to its successor. The last handler of
// recv's chain (Chain::Create over the kinds of registry.h) is the unrouted
// handler, so every event gets a Decision and none vanishes silently.
//
// Thread safety: Handle() is const and handlers hold no mutable state, so one
// chain serves any number of threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libcore/event/event.h"

namespace logroute::chain {

struct Decision {
  enum class Action { kRoute, kReject, kDrop };
  Action action = Action::kReject;
  std::string_view table;  // kRoute: the target table; valid while the chain lives
  // kReject only: the field at fault and why, as a parse error says it (one
  // Chain::Handle() fills in if a handler left it out). Empty otherwise, so
  // that a routed event, the per-event path, moves no strings.
  std::optional<event::FieldError> error;
  bool unrouted = false;  // no route matched: the unrouted policy decided
};

class Handler {
 public:
  virtual ~Handler() = default;
  Handler() = default;
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  virtual Decision Handle(const event::Event& event) const = 0;
  // One line for the reload log and --print-chain: "route login -> logs".
  virtual std::string Describe() const = 0;

  void set_successor(std::unique_ptr<Handler> successor) { successor_ = std::move(successor); }
  const Handler* successor() const { return successor_.get(); }

 protected:
  // What a handler returns for an event it does not handle.
  Decision PassOn(const event::Event& event) const;

 private:
  std::unique_ptr<Handler> successor_;
};

}  // namespace logroute::chain
