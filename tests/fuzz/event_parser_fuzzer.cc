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

void CheckAccepted(std::string_view json, const Event& event) {
  auto input = [json] { return fuzz::Printable(json); };  // for messages only
  FUZZ_CHECK(!event.event_name.empty(), "an empty event_name was accepted: " + input());
  FUZZ_CHECK(CodePoints(event.event_name) <= kMaxEventNameChars,
             "an event_name over the limit was accepted: " + input());

  nlohmann::json dom = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                             /*allow_exceptions=*/false);
  FUZZ_CHECK(dom.is_object(), "accepted, but not a JSON object to nlohmann: " + input());
  FUZZ_CHECK(dom["unix_ts"].is_number_integer() && dom["user_id"].is_number_integer() &&
                 dom["event_name"].is_string(),
             "accepted, but the fields are not of their types to nlohmann: " + input());
  // user_id/unix_ts may be stored as unsigned by nlohmann: compare as text.
  FUZZ_CHECK(dom["unix_ts"].dump() == std::to_string(event.unix_ts) &&
                 dom["user_id"].dump() == std::to_string(event.user_id) &&
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
