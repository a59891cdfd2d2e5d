#include "libcore/chain/registry.h"

namespace logroute::chain {
namespace {

constexpr const HandlerKind* kHandlerKinds[] = {
    &kRouteKind,
    &kUnroutedKind,  // last: it decides what no other handler took
};

}  // namespace

std::span<const HandlerKind* const> HandlerKinds() { return kHandlerKinds; }

std::vector<std::string_view> ChainOptionNames() {
  std::vector<std::string_view> names;
  for (const HandlerKind* kind : HandlerKinds()) {
    for (const HandlerOption& option : kind->options) names.push_back(option.name);
  }
  return names;
}

}  // namespace logroute::chain
