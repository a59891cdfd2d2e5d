// The event: the one place that defines logroute's input schema.
//
//   {"unix_ts": 1684129671, "user_id": 123456, "event_name": "login"}
//
// unix_ts and user_id are integers that fit int64: JSON integers, and what the
// original service's serializer also took, integral numbers (5.0) and
// strings ("5", "5.0"), see rules.h; event_name is a
// non-empty string of at most 255 Unicode characters (valid UTF-8, which the
// JSON grammar guarantees). Unknown extra fields are ignored. A duplicate key
// at the top level is rejected, whichever key it is: two readers of the same
// object must never disagree on its meaning. Nesting deeper than kMaxDepth is
// rejected before it costs memory. An optional event_id, chosen by the client,
// makes a retried event idempotent: 1 to kMaxEventIdBytes bytes of
// [A-Za-z0-9._:-] (a UUID fits). See doc/event.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace logroute::event {

inline constexpr size_t kMaxEventNameChars = 255;
inline constexpr size_t kMaxEventIdBytes = 64;
inline constexpr int kMaxDepth = 32;
inline constexpr size_t kMaxErrors = 16;

struct Event {
  int64_t unix_ts = 0;
  int64_t user_id = 0;
  std::string event_name;
  std::string event_id = {};  // empty: the event has none; "= {}" lets initializers omit it
};

// Why an input is not an event. `field` is the offending field's name, or empty
// when the problem concerns the whole document (invalid JSON, not an object).
struct FieldError {
  std::string field;
  std::string reason;

  bool operator==(const FieldError&) const = default;
};
using FieldErrors = std::vector<FieldError>;

// Parses and validates events. Reusing one parser across calls reuses its
// buffers, which is what keeps recv's per-event path free of allocations.
// Not thread-safe: one parser per thread.
class EventParser {
 public:
  // Parses one JSON document into *event. Returns false when it is not a valid
  // event; errors() then lists every reason found (at most kMaxErrors).
  bool Parse(std::string_view json, Event* event);
  // Parses an event given as named text fields, as an HTML form sends them
  // (application/x-www-form-urlencoded, multipart/form-data), which the
  // original service also took. unix_ts and user_id are read as a string is
  // in JSON; event_name must be valid UTF-8. Unknown fields are ignored; a
  // field given twice is refused. Same outcome and errors() as Parse().
  bool ParseFields(std::span<const std::pair<std::string, std::string>> fields, Event* event);
  const FieldErrors& errors() const { return errors_; }

  // The two halves of Parse(), apart, for the differential tests that check
  // they agree. ParseCommonShape() is the fast path: true only for the common
  // shape of a valid event, false for anything else, valid or not (it sets no
  // errors and may leave *event half-written). ParseGeneral() is the general
  // parser, alone: the same verdict, event and errors as Parse().
  static bool ParseCommonShape(std::string_view json, Event* event);
  bool ParseGeneral(std::string_view json, Event* event);

 private:
  friend class SaxHandler;
  // False when `name` was already a top-level key of this document.
  bool RememberKey(const std::string& name);

  FieldErrors errors_;
  std::vector<std::string> seen_keys_;            // the first few keys: a scan is cheapest
  std::unordered_set<std::string> seen_key_set_;  // all keys, once there are more
};

// True when `id` can be an event_id: 1 to kMaxEventIdBytes bytes of [A-Za-z0-9._:-].
bool IsValidEventId(std::string_view id);

// "user_id: expected an integer, got a string; event_name: this field is required".
std::string FormatErrors(const FieldErrors& errors);

// Writes `event` as the canonical JSON object (the original service's response body).
void AppendEventJson(const Event& event, std::string* out);

// Appends `text` as a JSON string literal (quotes included); `text` must be valid UTF-8.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace logroute::event
