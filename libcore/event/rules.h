// The rules of the fields, shared by the JSON parser and the form fields
// parser (doc/event.md). Internal to libcore/event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logroute::event {

// The fields a parser has seen, as bits of one mask.
inline constexpr unsigned kHaveUnixTs = 1;
inline constexpr unsigned kHaveUserId = 2;
inline constexpr unsigned kHaveEventName = 4;
inline constexpr unsigned kHaveEventId = 8;
// The fields every event must have.
inline constexpr unsigned kHaveRequired = kHaveUnixTs | kHaveUserId | kHaveEventName;

// The integer fields also take what the original service's serializer,
// Django REST framework's IntegerField, takes.

// DRF's IntegerField refuses longer strings outright (MAX_STRING_LENGTH).
inline constexpr size_t kMaxIntegerStringChars = 1000;

enum class IntegerText { kOk, kInvalid, kOutOfRange, kTooLong };

// A string as DRF reads it, int(re.sub(r'\.0*\s*$', '', text)): whitespace
// around, a sign, decimal digits with single '_' between them, and a fraction
// of zeros ("5", " +5 ", "1_000", "5.0", "5."). ASCII only: Python would also
// take other Unicode digits and spaces. kOutOfRange past int64.
IntegerText ParseIntegerString(std::string_view text, int64_t* value);

// A JSON number written with a fraction or an exponent ("5.0", "1e3",
// "-0.0"): kOk when its exact decimal value is an integer that fits int64.
// Judged on the text, never through a double, so that 1.0000000000000001
// is not taken for 1.
IntegerText ParseIntegralNumber(std::string_view json_number, int64_t* value);

// The reasons given for an integer field: the value is out of range; `text`
// (a string, or a JSON number's text) is not an integer.
inline constexpr const char* kOutOfRangeReason =
    "integer out of range (must fit a signed 64-bit integer)";
std::string NotAnIntegerReason(std::string_view text, bool is_string);

// Why `name` cannot be an event_name (empty, or longer than kMaxEventNameChars
// code points), or "" when it can. `name` must be valid UTF-8.
std::string EventNameProblem(std::string_view name);

// Why `id` cannot be an event_id (kEventIdReason), or "" when it can.
inline constexpr const char* kEventIdReason = "must be 1 to 64 characters of A-Z a-z 0-9 . _ : -";
bool IsValidEventId(std::string_view id);

// True when `text` is valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace logroute::event
