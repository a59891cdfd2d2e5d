#include "libcore/chain/registry.h"

#include <array>

namespace logroute::chain {
namespace {

constexpr std::array kKinds = {
    HandlerKind{"route", &NewRouteHandler, "EVENT_NAME=TABLE"},
    HandlerKind{"unrouted", &NewUnroutedHandler, "reject | drop | store=TABLE"},
};

}  // namespace

std::span<const HandlerKind> HandlerKinds() { return kKinds; }

}  // namespace logroute::chain
