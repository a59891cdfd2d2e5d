// The registry of handler kinds: a new handler is one file under handlers/ and
// one row in kHandlerKinds (registry.cc).
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "libcore/base/result.h"
#include "libcore/chain/handler.h"

namespace logroute::chain {

using HandlerFactory = Result<std::unique_ptr<Handler>> (*)(std::string_view argument);

struct HandlerKind {
  std::string_view name;
  HandlerFactory make;
  std::string_view syntax;  // the argument's form, for error messages
};

std::span<const HandlerKind> HandlerKinds();

// Factories defined in handlers/*.cc.
Result<std::unique_ptr<Handler>> NewRouteHandler(std::string_view argument);
Result<std::unique_ptr<Handler>> NewUnroutedHandler(std::string_view argument);

}  // namespace logroute::chain
