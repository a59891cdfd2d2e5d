// route: events with a given name go to a given table.
//
//   --route NAME=TABLE    repeatable; tried in order, the first match wins
//   --no-default-routes   without the original service's routes, login=logs
//                         and logout=logs, which come after the operator's
#include <utility>

#include "libcore/chain/chain_config.h"
#include "libcore/chain/registry.h"
#include "libcore/chain/table_name.h"

namespace logroute::chain {
namespace {

struct Route {
  std::string event_name;
  std::string table;
};
using RouteConfig = std::vector<Route>;  // in chain order

constexpr HandlerOption kOptions[] = {
    {"route",
     HandlerOption::Form::kList,
     "Route events named NAME to TABLE (repeatable)",
     {},
     "NAME=TABLE"},
    {"no-default-routes", HandlerOption::Form::kFlag,
     "Drop the default routes (login=logs, logout=logs)"},
};

constexpr std::pair<std::string_view, std::string_view> kDefaultRoutes[] = {{"login", "logs"},
                                                                            {"logout", "logs"}};

class RouteHandler final : public Handler {
 public:
  explicit RouteHandler(Route route) : route_(std::move(route)) {}

  Decision Handle(const event::Event& event) const override {
    if (event.event_name != route_.event_name) return PassOn(event);
    return {Decision::Action::kRoute, route_.table, {}};
  }
  std::string Describe() const override {
    return "route " + route_.event_name + " -> " + route_.table;
  }

 private:
  Route route_;
};

// NAME=TABLE. The table is after the last '=': an event name may hold '='.
Result<Route> ParseRoute(std::string_view text) {
  const size_t equals = text.rfind('=');
  if (equals == std::string_view::npos || equals == 0) {
    return Status::Usage("missing '=' or event name");
  }
  // Event names may hold anything, but a route's name with a line break or a
  // tab is a mistake (a CRLF file, a stray paste); it also keeps '\n' free to
  // separate the routes of LOGROUTE_ROUTE.
  for (char c : text.substr(0, equals)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Status::Usage("the event name holds a control character (a line break, a tab)");
    }
  }
  const std::string_view table = text.substr(equals + 1);
  LOGROUTE_RETURN_IF_ERROR(ValidateTableName(table));
  return Route{std::string(text.substr(0, equals)), std::string(table)};
}

Result<RouteConfig> ParseRouteConfig(const ChainConfig& config) {
  RouteConfig routes;
  for (const std::string& text : config.List("route")) {
    Result<Route> route = ParseRoute(text);
    if (!route.ok()) {
      return config.Blame("route", route.status().Wrap("--route '" + text + "' (NAME=TABLE)"));
    }
    routes.push_back(std::move(route).value());
  }
  if (!config.Flag("no-default-routes")) {
    for (const auto& [name, table] : kDefaultRoutes) {
      routes.push_back({std::string(name), std::string(table)});
    }
  }
  return routes;
}

Result<Handlers> CreateRouteHandlers(const RouteConfig& routes) {
  Handlers handlers;
  for (const Route& route : routes) handlers.push_back(std::make_unique<RouteHandler>(route));
  return handlers;
}

}  // namespace

constinit const HandlerKind kRouteKind{
    "route", kOptions, &HandlerKind::ParseThenCreate<&ParseRouteConfig, &CreateRouteHandlers>};

}  // namespace logroute::chain
