// route EVENT_NAME=TABLE: events with that name go to that table.
#include "libcore/chain/registry.h"
#include "libcore/chain/table_name.h"

namespace logroute::chain {
namespace {

class RouteHandler final : public Handler {
 public:
  RouteHandler(std::string event_name, std::string table)
      : event_name_(std::move(event_name)), table_(std::move(table)) {}

  Decision Handle(const event::Event& event) const override {
    if (event.event_name != event_name_) return PassOn(event);
    return {Decision::Action::kRoute, table_, {}};
  }
  std::string Describe() const override { return "route " + event_name_ + " -> " + table_; }

 private:
  std::string event_name_;
  std::string table_;
};

}  // namespace

Result<std::unique_ptr<Handler>> NewRouteHandler(std::string_view argument) {
  const size_t equals = argument.rfind('=');
  if (equals == std::string_view::npos || equals == 0) {
    return Status::Usage("missing '=' or event name");
  }
  // Event names may hold anything, but a route's name with a line break or a
  // tab is a mistake (a CRLF file, a stray paste); it also keeps '\n' free to
  // separate the routes of LOGROUTE_ROUTE.
  for (char c : argument.substr(0, equals)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Status::Usage("the event name holds a control character (a line break, a tab)");
    }
  }
  std::string_view table = argument.substr(equals + 1);
  LOGROUTE_RETURN_IF_ERROR(ValidateTableName(table));
  return std::unique_ptr<Handler>(
      new RouteHandler(std::string(argument.substr(0, equals)), std::string(table)));
}

}  // namespace logroute::chain
