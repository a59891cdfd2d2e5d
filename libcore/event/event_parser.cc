// Event parsing on nlohmann/json's SAX interface: no DOM is built, the lexer
// validates the JSON grammar and UTF-8, and this handler checks the schema as
// values stream by, so that a deep or huge document is rejected early.
//
// In front of it, a fast path takes the common shape of an event and nothing
// else (see ParseCommonEvent): the general parser was most of recv's time per
// event, and the fast path costs about a tenth of it.
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

#include "libcore/event/event.h"
#include "libcore/event/rules.h"

namespace logroute::event {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A JSON integer of at most 18 digits (so it cannot overflow) at *p, ending
// where a member ends. False for anything else: a float, a leading zero, more digits.
bool ParseSmallInteger(const char*& p, const char* end, int64_t* out) {
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  const char* const digits = p;
  int64_t value = 0;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) {
    if (p - digits == 18) return false;
    value = value * 10 + (*p - '0');
  }
  if (p == digits || (p - digits > 1 && *digits == '0')) return false;
  if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) return false;
  *out = negative ? -value : value;
  return true;
}

// A string of printable ASCII without escapes at *p (after its opening
// quote), up to its closing quote; its bytes need no UTF-8 or escape check.
bool ScanPlainString(const char*& p, const char* end, std::string_view* text) {
  const char* const begin = p;
  for (; p < end && *p != '"'; ++p) {
    if (*p < 0x20 || *p > 0x7E || *p == '\\') return false;  // also every byte >= 0x80
  }
  if (p == end) return false;
  *text = std::string_view(begin, static_cast<size_t>(p - begin));
  ++p;
  return true;
}

// The value of an unknown member, when it is a plain string, a small integer,
// true, false or null; false for anything else (the general parser takes it).
bool SkipPlainValue(const char*& p, const char* end) {
  if (p == end) return false;
  std::string_view ignored_text;
  if (*p == '"') return ScanPlainString(++p, end, &ignored_text);
  for (std::string_view literal : {"true", "false", "null"}) {
    if (std::string_view(p, static_cast<size_t>(end - p)).starts_with(literal)) {
      p += literal.size();
      return true;
    }
  }
  int64_t ignored_number;
  return ParseSmallInteger(p, end, &ignored_number);
}

// The common event: one object holding unix_ts, user_id and event_name once
// each, small integers, a name of 1 to 255 printable ASCII characters without
// escapes, at most one valid event_id without escapes, and at most a few
// unknown members with plain scalar values (any order, JSON whitespace
// anywhere). Returns true only for a document that the general parser accepts
// with the very same result; anything else, valid or not, returns false and
// is left to the general parser, which alone reports errors.
bool ParseCommonEvent(std::string_view json, Event* event) {
  constexpr size_t kMaxUnknown = 8;
  const char* unknown_names[kMaxUnknown];  // left uninitialised: a typical event has none
  size_t unknown_sizes[kMaxUnknown];
  size_t unknowns = 0;
  const char* p = json.data();
  const char* const end = p + json.size();
  auto skip_space = [&] {
    while (p < end && IsJsonSpace(*p)) ++p;
  };
  skip_space();
  if (p == end || *p++ != '{') return false;
  unsigned have = 0;
  for (;;) {
    skip_space();
    std::string_view name;
    if (p == end || *p++ != '"' || !ScanPlainString(p, end, &name)) return false;
    skip_space();
    if (p == end || *p++ != ':') return false;
    skip_space();
    if (name == "event_name") {
      std::string_view text;
      if ((have & kHaveEventName) != 0 || p == end || *p++ != '"' ||
          !ScanPlainString(p, end, &text)) {
        return false;
      }
      if (text.empty() || text.size() > kMaxEventNameChars) return false;
      event->event_name.assign(text);
      have |= kHaveEventName;
    } else if (name == "event_id") {
      std::string_view text;
      if ((have & kHaveEventId) != 0 || p == end || *p++ != '"' ||
          !ScanPlainString(p, end, &text) || !IsValidEventId(text)) {
        return false;
      }
      event->event_id.assign(text);
      have |= kHaveEventId;
    } else if (name == "unix_ts" || name == "user_id") {
      const unsigned bit = name == "unix_ts" ? kHaveUnixTs : kHaveUserId;
      if ((have & bit) != 0) return false;
      int64_t* target = bit == kHaveUnixTs ? &event->unix_ts : &event->user_id;
      if (!ParseSmallInteger(p, end, target)) return false;
      have |= bit;
    } else {
      for (size_t i = 0; i < unknowns; ++i) {
        if (std::string_view(unknown_names[i], unknown_sizes[i]) == name) {
          return false;  // a duplicate: the general parser says so
        }
      }
      if (unknowns == kMaxUnknown || !SkipPlainValue(p, end)) return false;
      unknown_names[unknowns] = name.data();
      unknown_sizes[unknowns++] = name.size();
    }
    skip_space();
    if (p == end) return false;
    const char separator = *p++;
    if (separator == '}') break;
    if (separator != ',') return false;
  }
  skip_space();
  if (p != end || (have & kHaveRequired) != kHaveRequired) return false;
  if ((have & kHaveEventId) == 0) event->event_id.clear();
  return true;
}

}  // namespace

class SaxHandler {
 public:
  using json = nlohmann::json;

  SaxHandler(EventParser* parser, Event* event) : parser_(parser), event_(event) {}

  bool null() { return Scalar("null"); }
  bool boolean(bool) { return Scalar("a boolean"); }
  bool number_integer(json::number_integer_t value) { return Integer(value); }
  bool number_unsigned(json::number_unsigned_t value) {
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return OutOfRange();
    return Integer(static_cast<int64_t>(value));
  }
  bool number_float(json::number_float_t, const json::string_t& text) {
    // nlohmann hands integers beyond 64 bits over as floats: tell them apart by their text.
    if (text.find_first_of(".eE") == std::string::npos) return OutOfRange();
    if (depth_ == 1 && IsIntegerField()) {
      return IntegerFrom(ParseIntegralNumber(text, &integer_), false, text);
    }
    return Scalar("a number with a fraction or exponent");
  }
  bool string(json::string_t& value) {
    if (depth_ != 1) return Scalar("a string");
    if (field_ == Field::kEventName) return EventName(value);
    if (field_ == Field::kEventId) return EventId(value);
    if (IsIntegerField()) {
      return IntegerFrom(ParseIntegerString(value, &integer_), true, value);
    }
    return Scalar("a string");
  }
  bool binary(json::binary_t&) { return Scalar("binary data"); }
  bool start_object(size_t) { return Open("an object", /*is_object=*/true); }
  bool start_array(size_t) { return Open("an array", /*is_object=*/false); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(json::string_t& name) {
    if (depth_ != 1) return true;
    if (!parser_->RememberKey(name)) {
      AddError(name, "duplicate key");
      field_ = Field::kIgnored;
      return true;
    }
    field_ = name == "unix_ts"      ? Field::kUnixTs
             : name == "user_id"    ? Field::kUserId
             : name == "event_name" ? Field::kEventName
             : name == "event_id"   ? Field::kEventId
                                    : Field::kIgnored;
    return true;
  }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& error) {
    std::string_view what = error.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag: operators need the sentence.
    if (size_t tag_end = what.find("] "); tag_end != std::string_view::npos) {
      what.remove_prefix(tag_end + 2);
    }
    AddError("", "invalid JSON: " + std::string(what));
    return false;
  }

  bool saw_object() const { return saw_object_; }

 private:
  enum class Field { kIgnored, kUnixTs, kUserId, kEventName, kEventId };

  static const char* FieldName(Field field) {
    switch (field) {
      case Field::kUnixTs:
        return "unix_ts";
      case Field::kUserId:
        return "user_id";
      case Field::kEventName:
        return "event_name";
      case Field::kEventId:
        return "event_id";
      case Field::kIgnored:
        break;
    }
    return "";
  }

  bool Open(const char* kind, bool is_object) {
    if (depth_ == 0) {
      if (!is_object) return TopLevel(kind);
      saw_object_ = true;
    } else if (depth_ == 1) {
      Scalar(kind);  // a container where the schema wants a scalar
    }
    if (++depth_ > kMaxDepth) {
      AddError("", "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
      return false;
    }
    return true;
  }

  bool Close() {
    --depth_;
    return true;
  }

  bool TopLevel(const char* kind) {
    AddError("", std::string("expected a JSON object, got ") + kind);
    return false;
  }

  // A value that is not what the current field wants (or any value at the top level).
  bool Scalar(const char* kind) {
    if (depth_ == 0) return TopLevel(kind);
    if (depth_ == 1 && field_ != Field::kIgnored) {
      const bool wants_string = field_ == Field::kEventName || field_ == Field::kEventId;
      AddError(FieldName(field_),
               std::string(wants_string ? "expected a string, got " : "expected an integer, got ") +
                   kind);
    }
    return true;
  }

  bool Integer(int64_t value) {
    if (depth_ == 0) return TopLevel("a number");
    if (depth_ != 1) return true;
    switch (field_) {
      case Field::kUnixTs:
        event_->unix_ts = value;
        have_ |= kHaveUnixTs;
        return true;
      case Field::kUserId:
        event_->user_id = value;
        have_ |= kHaveUserId;
        return true;
      case Field::kEventName:
      case Field::kEventId:
        return Scalar("a number");
      case Field::kIgnored:
        return true;
    }
    return true;
  }

  bool IsIntegerField() const { return field_ == Field::kUnixTs || field_ == Field::kUserId; }

  // The outcome of reading `text`, a string or a number's text, as an integer
  // field: the original's serializer takes "5", "5.0" and 5.0 as well as 5.
  bool IntegerFrom(IntegerText outcome, bool is_string, std::string_view text) {
    if (outcome == IntegerText::kOk) return Integer(integer_);
    if (outcome == IntegerText::kOutOfRange) return OutOfRange();
    AddError(FieldName(field_), NotAnIntegerReason(text, is_string));
    return true;
  }

  bool OutOfRange() {
    if (depth_ == 0) return TopLevel("a number");
    if (depth_ == 1 && (field_ == Field::kUnixTs || field_ == Field::kUserId)) {
      AddError(FieldName(field_), kOutOfRangeReason);
      return true;
    }
    return Scalar("a number");
  }

  bool EventName(json::string_t& value) {
    if (std::string problem = EventNameProblem(value); !problem.empty()) {
      AddError("event_name", std::move(problem));
      return true;
    }
    event_->event_name.swap(value);  // the lexer's buffer becomes ours, no copy
    have_ |= kHaveEventName;
    return true;
  }

  bool EventId(json::string_t& value) {
    if (!IsValidEventId(value)) {
      AddError("event_id", kEventIdReason);
      return true;
    }
    event_->event_id.swap(value);
    return true;
  }

  void AddError(std::string field, std::string reason) {
    if (parser_->errors_.size() < kMaxErrors) {
      parser_->errors_.push_back({std::move(field), std::move(reason)});
    }
  }

 public:
  void CheckRequired() {
    if (!saw_object_) return;
    if (!(have_ & kHaveUnixTs) && !HasErrorFor("unix_ts")) AddError("unix_ts", kRequired);
    if (!(have_ & kHaveUserId) && !HasErrorFor("user_id")) AddError("user_id", kRequired);
    if (!(have_ & kHaveEventName) && !HasErrorFor("event_name")) AddError("event_name", kRequired);
  }

 private:
  static constexpr const char* kRequired = "this field is required";

  bool HasErrorFor(std::string_view field) const {
    for (const FieldError& e : parser_->errors_) {
      if (e.field == field) return true;
    }
    return false;
  }

  EventParser* parser_;
  Event* event_;
  int64_t integer_ = 0;
  int depth_ = 0;
  Field field_ = Field::kIgnored;
  unsigned have_ = 0;
  bool saw_object_ = false;
};

bool EventParser::RememberKey(const std::string& name) {
  // A scan of a handful of keys beats hashing; past that, a line of many
  // distinct keys must not cost quadratic time.
  constexpr size_t kScannedKeys = 16;
  if (seen_keys_.size() < kScannedKeys) {
    for (const std::string& seen : seen_keys_) {
      if (seen == name) return false;
    }
    seen_keys_.push_back(name);
    return true;
  }
  if (seen_key_set_.empty()) seen_key_set_.insert(seen_keys_.begin(), seen_keys_.end());
  return seen_key_set_.insert(name).second;
}

bool EventParser::Parse(std::string_view json, Event* event) {
  if (ParseCommonEvent(json, event)) {
    errors_.clear();
    return true;
  }
  return ParseGeneral(json, event);
}

bool EventParser::ParseCommonShape(std::string_view json, Event* event) {
  return ParseCommonEvent(json, event);
}

bool EventParser::ParseGeneral(std::string_view json, Event* event) {
  errors_.clear();
  seen_keys_.clear();
  seen_key_set_.clear();
  event->event_id.clear();  // optional: an earlier event's id must not stay
  SaxHandler handler(this, event);
  const bool parsed = nlohmann::json::sax_parse(json.begin(), json.end(), &handler);
  if (parsed) handler.CheckRequired();
  return parsed && errors_.empty();
}

std::string FormatErrors(const FieldErrors& errors) {
  std::string text;
  for (const FieldError& error : errors) {
    if (!text.empty()) text += "; ";
    if (!error.field.empty()) {
      text += error.field;
      text += ": ";
    }
    text += error.reason;
  }
  return text;
}

}  // namespace logroute::event
