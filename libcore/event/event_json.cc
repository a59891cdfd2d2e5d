#include <charconv>

#include "libcore/event/event.h"

namespace logroute::event {
namespace {

void AppendInt(int64_t value, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out->append(digits, end);
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (byte < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[byte >> 4]);
          out->push_back(kHex[byte & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendEventJson(const Event& event, std::string* out) {
  out->append("{\"unix_ts\":");
  AppendInt(event.unix_ts, out);
  out->append(",\"user_id\":");
  AppendInt(event.user_id, out);
  out->append(",\"event_name\":");
  AppendJsonString(event.event_name, out);
  if (!event.event_id.empty()) {
    out->append(",\"event_id\":");
    AppendJsonString(event.event_id, out);
  }
  out->push_back('}');
}

}  // namespace logroute::event
