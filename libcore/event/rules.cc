// The integer fields are read as the original service's serializer reads
// them: Django REST framework's IntegerField, int(re.sub(r'\.0*\s*$', '', str(v))).
#include <algorithm>
#include <cstdint>
#include <limits>

#include "libcore/event/rules.h"

#include "libcore/event/event.h"

namespace logroute::event {
namespace {

// Python's whitespace among ASCII: what int() strips and re's \s matches.
bool IsPythonSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Accumulates decimal digits into a magnitude; false past `limit`.
bool AddDigit(uint64_t* magnitude, char digit, uint64_t limit) {
  const uint64_t d = static_cast<uint64_t>(digit - '0');
  if (*magnitude > (limit - d) / 10) return false;
  *magnitude = *magnitude * 10 + d;
  return true;
}

IntegerText ToInt64(bool negative, uint64_t magnitude, int64_t* value) {
  *value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return IntegerText::kOk;
}

uint64_t Limit(bool negative) {
  return static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
}

}  // namespace

IntegerText ParseIntegerString(std::string_view text, int64_t* value) {
  if (text.size() > kMaxIntegerStringChars) return IntegerText::kTooLong;
  // DRF first drops a trailing ".000  ": the last '.' if only zeros, then
  // whitespace, follow it.
  size_t end = text.size();
  while (end > 0 && IsPythonSpace(text[end - 1])) --end;
  while (end > 0 && text[end - 1] == '0') --end;
  if (end > 0 && text[end - 1] == '.') {
    text = text.substr(0, end - 1);
  }
  // Then Python's int(): whitespace around, a sign, digits with single '_'
  // between them.
  while (!text.empty() && IsPythonSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsPythonSpace(text.back())) text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || !IsDigit(text.front()) || !IsDigit(text.back())) {
    return IntegerText::kInvalid;
  }
  uint64_t magnitude = 0;
  bool in_range = true;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && IsDigit(text[i + 1]) && IsDigit(text[i - 1])) continue;
    if (!IsDigit(text[i])) return IntegerText::kInvalid;
    in_range = in_range && AddDigit(&magnitude, text[i], Limit(negative));
  }
  return in_range ? ToInt64(negative, magnitude, value) : IntegerText::kOutOfRange;
}

IntegerText ParseIntegralNumber(std::string_view json_number, int64_t* value) {
  // -? int (. frac)? ([eE] [+-]? exp)?, as the JSON lexer already checked.
  bool negative = false;
  if (!json_number.empty() && json_number.front() == '-') {
    negative = true;
    json_number.remove_prefix(1);
  }
  const size_t mark = json_number.find_first_of("eE");
  std::string_view mantissa = json_number.substr(0, mark);
  int64_t exponent = 0;
  if (mark != std::string_view::npos) {
    std::string_view exp = json_number.substr(mark + 1);
    const bool exp_negative = !exp.empty() && exp.front() == '-';
    if (!exp.empty() && (exp.front() == '-' || exp.front() == '+')) exp.remove_prefix(1);
    for (char c : exp) {
      if (!IsDigit(c)) return IntegerText::kInvalid;
      exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 100000);  // far past any int64
    }
    if (exp_negative) exponent = -exponent;
  }
  // The digits without the point; the point moves the exponent.
  std::string_view whole = mantissa.substr(0, mantissa.find('.'));
  std::string_view fraction =
      whole.size() < mantissa.size() ? mantissa.substr(whole.size() + 1) : std::string_view();
  exponent -= static_cast<int64_t>(fraction.size());
  // value = digits(whole fraction) * 10^exponent: integral when the digits
  // that a negative exponent cuts off are all zeros.
  std::string_view digits[2] = {whole, fraction};
  size_t total = whole.size() + fraction.size();
  size_t kept = exponent >= 0 ? total
                              : (static_cast<uint64_t>(-exponent) >= total
                                     ? 0
                                     : total - static_cast<size_t>(-exponent));
  uint64_t magnitude = 0;
  bool in_range = true;
  size_t index = 0;
  for (std::string_view part : digits) {
    for (char c : part) {
      if (!IsDigit(c)) return IntegerText::kInvalid;
      if (index++ < kept) {
        in_range = in_range && AddDigit(&magnitude, c, Limit(negative));
      } else if (c != '0') {
        return IntegerText::kInvalid;  // a fraction that is not zero
      }
    }
  }
  if (magnitude != 0) {
    for (int64_t i = 0; i < exponent && in_range; ++i) {
      in_range = AddDigit(&magnitude, '0', Limit(negative));
    }
  }
  return in_range ? ToInt64(negative, magnitude, value) : IntegerText::kOutOfRange;
}

std::string NotAnIntegerReason(std::string_view text, bool is_string) {
  std::string reason = "expected an integer, got ";
  if (is_string && text.size() > kMaxIntegerStringChars) {
    return reason + "a string of more than " + std::to_string(kMaxIntegerStringChars) +
           " characters";
  }
  // At most 40 bytes of the value, cut on a UTF-8 boundary.
  constexpr size_t kShown = 40;
  std::string shown(text.substr(0, kShown));
  if (text.size() > kShown) {
    while (!shown.empty() && (static_cast<unsigned char>(text[shown.size()]) & 0xC0) == 0x80) {
      shown.pop_back();
    }
    shown += "...";
  }
  if (!is_string) return reason + shown;
  reason += "the string ";
  AppendJsonString(shown, &reason);
  return reason;
}

std::string EventNameProblem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  size_t chars = 0;  // code points: every byte that is not a UTF-8 continuation byte
  for (char c : name) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (chars <= kMaxEventNameChars) return "";
  return "longer than " + std::to_string(kMaxEventNameChars) + " characters (" +
         std::to_string(chars) + ")";
}

bool IsValidEventId(std::string_view id) {
  if (id.empty() || id.size() > kMaxEventIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    uint32_t code = byte;
    if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4, code = byte & 0x07;
    } else if (byte >= 0xE0) {
      length = 3, code = byte & 0x0F;
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2, code = byte & 0x1F;
    } else if (byte >= 0x80) {
      return false;  // a continuation byte, or C0, C1, F5..FF
    }
    if (length > text.size() - i) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (length == 4 && (code < 0x10000 || code > 0x10FFFF))) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace logroute::event
