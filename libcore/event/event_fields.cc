// Events from form fields: every value is text, judged by the same rules
// (rules.h) as the JSON parser's, with the same error messages.
#include "libcore/event/event.h"
#include "libcore/event/rules.h"

namespace logroute::event {

bool EventParser::ParseFields(std::span<const std::pair<std::string, std::string>> fields,
                              Event* event) {
  errors_.clear();
  seen_keys_.clear();
  seen_key_set_.clear();
  auto add_error = [this](std::string field, std::string reason) {
    if (errors_.size() < kMaxErrors) errors_.push_back({std::move(field), std::move(reason)});
  };
  unsigned have = 0;
  event->event_id.clear();
  for (const auto& [name, value] : fields) {
    if (!RememberKey(name)) {
      add_error(name, "duplicate key");
      continue;
    }
    if (name == "event_name") {
      if (!IsValidUtf8(value)) {
        add_error(name, "not valid UTF-8");
      } else if (std::string problem = EventNameProblem(value); !problem.empty()) {
        add_error(name, std::move(problem));
      } else {
        event->event_name = value;
        have |= kHaveEventName;
      }
      continue;
    }
    if (name == "event_id") {
      if (IsValidEventId(value)) {
        event->event_id = value;
      } else {
        add_error(name, kEventIdReason);
      }
      continue;
    }
    if (name != "unix_ts" && name != "user_id") continue;
    int64_t* target = name == "unix_ts" ? &event->unix_ts : &event->user_id;
    switch (ParseIntegerString(value, target)) {
      case IntegerText::kOk:
        have |= name == "unix_ts" ? kHaveUnixTs : kHaveUserId;
        break;
      case IntegerText::kOutOfRange:
        add_error(name, kOutOfRangeReason);
        break;
      case IntegerText::kTooLong:
      case IntegerText::kInvalid:
        add_error(name, NotAnIntegerReason(value, /*is_string=*/true));
        break;
    }
  }
  const char* const kRequired = "this field is required";
  auto has_error = [this](std::string_view field) {
    for (const FieldError& e : errors_) {
      if (e.field == field) return true;
    }
    return false;
  };
  if (!(have & kHaveUnixTs) && !has_error("unix_ts")) add_error("unix_ts", kRequired);
  if (!(have & kHaveUserId) && !has_error("user_id")) add_error("user_id", kRequired);
  if (!(have & kHaveEventName) && !has_error("event_name")) add_error("event_name", kRequired);
  return errors_.empty();
}

}  // namespace logroute::event
