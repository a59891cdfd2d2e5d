#include "libcore/http/batch.h"

namespace logroute::http {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// Index just past the element starting at `i`: the first ',' or ']' outside
// strings and nested values, or npos when the input ends first. Brackets are
// only counted, not matched: the event parser rejects a mismatched element.
size_t ScanElement(std::string_view s, size_t i) {
  long depth = 0;
  bool in_string = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped byte cannot end the string
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (depth == 0) return i;
        --depth;
        break;
      case ',':
        if (depth == 0) return i;
        break;
      default:
        break;
    }
  }
  return std::string_view::npos;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

Status TrailingContent() {
  return Status::DataError("invalid JSON: unexpected content after the array");
}

}  // namespace

bool IsBlank(std::string_view body) { return SkipSpace(body, 0) == body.size(); }

Status SplitJsonArray(std::string_view body, std::vector<BatchItem>* items) {
  items->clear();
  size_t i = SkipSpace(body, 0);
  if (i == body.size() || body[i] != '[') {
    return Status::DataError("invalid JSON: expected an array");
  }
  i = SkipSpace(body, i + 1);
  if (i < body.size() && body[i] == ']') {
    i = SkipSpace(body, i + 1);
    return i == body.size() ? Status::Ok() : TrailingContent();
  }
  for (;;) {
    const size_t end = ScanElement(body, i);
    if (end == std::string_view::npos) {
      return Status::DataError("invalid JSON: the array is not closed");
    }
    const std::string_view text = TrimRight(body.substr(i, end - i));
    if (text.empty()) return Status::DataError("invalid JSON: an array element is missing");
    items->push_back({text, 0});
    if (body[end] == ']') {
      i = SkipSpace(body, end + 1);
      return i == body.size() ? Status::Ok() : TrailingContent();
    }
    if (body[end] != ',') {
      return Status::DataError("invalid JSON: unbalanced brackets in the array");
    }
    i = SkipSpace(body, end + 1);
  }
}

void SplitNdjson(std::string_view body, std::vector<BatchItem>* items) {
  items->clear();
  size_t line = 0;
  while (!body.empty()) {
    ++line;
    const size_t newline = body.find('\n');
    std::string_view text = body.substr(0, newline);
    body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
    if (!IsBlank(text)) items->push_back({TrimRight(text), line});
  }
}

}  // namespace logroute::http
