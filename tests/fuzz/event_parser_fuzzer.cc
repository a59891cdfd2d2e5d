// libcore/event, differentially: the fast path (EventParser::ParseCommonShape)
// and the general parser (ParseGeneral) must agree on every input.
//
// Oracles:
// - whatever the fast path takes, the general parser takes too, as the same event;
// - Parse() gives the general parser's verdict, event and errors; a refusal has
//   at least one reason;
// - an accepted document is valid JSON to nlohmann's DOM parser, an object
//   whose three fields hold the values parsed;
// - an accepted event_id is valid and what nlohmann reads;
// - an accepted event is within the schema, and its canonical JSON
//   (AppendEventJson) parses back to the same event.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libcore/event/event.h"
#include "tests/fuzz/fuzz_support.h"

namespace logroute::event {
namespace {

bool SameEvent(const Event& a, const Event& b) {
  return a.unix_ts == b.unix_ts && a.user_id == b.user_id && a.event_name == b.event_name &&
         a.event_id == b.event_id;
}

std::string Show(const Event& e) {
  return '{' + std::to_string(e.unix_ts) + ", " + std::to_string(e.user_id) + ", " +
         fuzz::Printable(e.event_name) + ", " + fuzz::Printable(e.event_id) + "}";
}

size_t CodePoints(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// What DRF's IntegerField makes of a string, loosely and apart from rules.cc:
// the digits with their sign, without '_', spaces and a fraction of zeros.
std::string NormalizedIntegerString(std::string text) {
  std::erase_if(text,
                [](char c) { return c == '_' || std::isspace(static_cast<unsigned char>(c)); });
  if (const size_t dot = text.find('.'); dot != std::string::npos) text.erase(dot);
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.erase(0, 1);
  }
  text.erase(0, std::min(text.find_first_not_of('0'), text.size()));
  if (text.empty()) return "0";
  return negative ? "-" + text : text;
}

// An integer field as the original's serializer takes it (doc/event.md): an
// integer, an integral number written with a fraction or an exponent (1e3,
// 5.0), or a string of one.
bool SameInteger(const nlohmann::json& field, int64_t value) {
  // user_id/unix_ts may be stored as unsigned by nlohmann: compare as text.
  if (field.is_number_integer()) return field.dump() == std::to_string(value);
  if (field.is_number_float()) return field.get<double>() == static_cast<double>(value);
  if (field.is_string()) {
    return NormalizedIntegerString(field.get<std::string>()) == std::to_string(value);
  }
  return false;
}

void CheckAccepted(std::string_view json, const Event& event) {
  auto input = [json] { return fuzz::Printable(json); };  // for messages only
  FUZZ_CHECK(!event.event_name.empty(), "an empty event_name was accepted: " + input());
  FUZZ_CHECK(CodePoints(event.event_name) <= kMaxEventNameChars,
             "an event_name over the limit was accepted: " + input());

  nlohmann::json dom = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                             /*allow_exceptions=*/false);
  FUZZ_CHECK(dom.is_object(), "accepted, but not a JSON object to nlohmann: " + input());
  FUZZ_CHECK(dom["event_name"].is_string(),
             "accepted, but the event_name is no string to nlohmann: " + input());
  FUZZ_CHECK(SameInteger(dom["unix_ts"], event.unix_ts) &&
                 SameInteger(dom["user_id"], event.user_id) &&
                 dom["event_name"].get<std::string>() == event.event_name,
             "accepted as " + Show(event) + ", but nlohmann reads " + dom.dump() + ": " + input());

  // event_id: absent, or a valid id equal to nlohmann's reading.
  FUZZ_CHECK(event.event_id.empty()
                 ? !dom.contains("event_id")
                 : dom["event_id"].is_string() &&
                       dom["event_id"].get<std::string>() == event.event_id &&
                       event.event_id.size() <= kMaxEventIdBytes &&
                       event.event_id.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") ==
                           std::string::npos,
             "accepted with event_id " + fuzz::Printable(event.event_id) + ": " + input());

  static EventParser reparser;
  std::string canonical;
  AppendEventJson(event, &canonical);
  Event again;
  FUZZ_CHECK(reparser.Parse(canonical, &again) && SameEvent(again, event),
             "the canonical JSON " + fuzz::Printable(canonical) + " of " + Show(event) +
                 " does not parse back: " + FormatErrors(reparser.errors()));
}

}  // namespace
}  // namespace logroute::event

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logroute::event;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto input = [json] { return logroute::fuzz::Printable(json); };  // for messages only
  // Reused across inputs, as recv reuses its parsers: state must not leak.
  static EventParser general, combined;

  Event fast_event, general_event, event;
  const bool fast = EventParser::ParseCommonShape(json, &fast_event);
  const bool general_ok = general.ParseGeneral(json, &general_event);
  if (fast) {
    FUZZ_CHECK(general_ok, "the fast path took what the general parser refuses (" +
                               FormatErrors(general.errors()) + "): " + input());
    FUZZ_CHECK(SameEvent(fast_event, general_event), "the fast path read " + Show(fast_event) +
                                                         ", the general parser " +
                                                         Show(general_event) + ": " + input());
  }
  const bool ok = combined.Parse(json, &event);
  FUZZ_CHECK(ok == general_ok, "Parse() and the general parser disagree: " + input());
  if (ok) {
    FUZZ_CHECK(SameEvent(event, general_event), "Parse() read " + Show(event) +
                                                    ", the general parser " + Show(general_event) +
                                                    ": " + input());
    CheckAccepted(json, event);
  } else {
    FUZZ_CHECK(!combined.errors().empty(), "refused without a reason: " + input());
    FUZZ_CHECK(combined.errors() == general.errors(),
               "Parse() says " + FormatErrors(combined.errors()) + ", the general parser " +
                   FormatErrors(general.errors()) + ": " + input());
  }
  return 0;
}
