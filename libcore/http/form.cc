#include "libcore/http/form.h"

#include <algorithm>

#include <boost/beast/core/string.hpp>

namespace logroute::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool IEquals(std::string_view a, std::string_view b) {
  return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                               boost::beast::string_view(b.data(), b.size()));
}

Status TooManyFields() {
  return Status::DataError("more than " + std::to_string(kMaxFormFields) + " form fields");
}

// Finds the header `name` among a part's header lines; false when it has none.
bool FindHeader(std::string_view headers, std::string_view name, std::string_view* value) {
  while (!headers.empty()) {
    const size_t end = headers.find("\r\n");
    std::string_view line = headers.substr(0, end);
    headers.remove_prefix(end == std::string_view::npos ? headers.size() : end + 2);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && IEquals(Trim(line.substr(0, colon)), name)) {
      *value = Trim(line.substr(colon + 1));
      return true;
    }
  }
  return false;
}

}  // namespace

Status DecodeUrlEncoded(std::string_view body, FormFields* fields) {
  fields->clear();
  while (!body.empty()) {
    const size_t end = body.find('&');
    const std::string_view pair = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    if (pair.empty()) continue;
    if (fields->size() == kMaxFormFields) return TooManyFields();
    const size_t equals = pair.find('=');
    fields->emplace_back(
        PercentDecode(pair.substr(0, equals)),
        equals == std::string_view::npos ? std::string() : PercentDecode(pair.substr(equals + 1)));
  }
  return Status::Ok();
}

std::string HeaderParameter(std::string_view header_value, std::string_view name) {
  const std::string_view h = header_value;
  size_t i = h.find(';');
  while (i != std::string_view::npos && i < h.size()) {
    const size_t equals = h.find('=', ++i);
    if (equals == std::string_view::npos) return "";
    const std::string_view key = Trim(h.substr(i, equals - i));
    for (i = equals + 1; i < h.size() && (h[i] == ' ' || h[i] == '\t');) ++i;
    std::string value;
    if (i < h.size() && h[i] == '"') {
      // A quoted string: \x stands for x; a ';' inside does not end it.
      for (++i; i < h.size() && h[i] != '"'; ++i) {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value.push_back(h[i]);
      }
      ++i;
    } else {
      const size_t end = std::min(h.find(';', i), h.size());
      value = std::string(Trim(h.substr(i, end - i)));
      i = end;
    }
    if (IEquals(key, name)) return value;
    i = h.find(';', std::min(i, h.size()));
  }
  return "";
}

Status DecodeMultipart(std::string_view body, std::string_view boundary, FormFields* fields) {
  fields->clear();
  if (boundary.empty() || boundary.size() > 70) {
    return Status::DataError(
        "multipart/form-data needs a boundary parameter of 1 to 70 characters");
  }
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;
  // The first delimiter starts the body or a line after the preamble.
  size_t at = body.starts_with(delimiter) ? 0 : body.find(next_delimiter);
  if (at == std::string_view::npos)
    return Status::DataError("the multipart body holds no boundary line");
  at += body.starts_with(delimiter) ? delimiter.size() : next_delimiter.size();
  for (size_t part = 1;; ++part) {
    if (body.substr(at).starts_with("--")) return Status::Ok();  // the close delimiter
    while (at < body.size() && (body[at] == ' ' || body[at] == '\t')) ++at;
    if (!body.substr(at).starts_with("\r\n")) {
      return Status::DataError("the boundary line of part " + std::to_string(part) +
                               " does not end in CRLF");
    }
    at += 2;
    size_t content = 0;
    std::string_view headers;
    if (body.substr(at).starts_with("\r\n")) {
      content = at + 2;
    } else {
      const size_t blank = body.find("\r\n\r\n", at);
      if (blank == std::string_view::npos) {
        return Status::DataError("part " + std::to_string(part) +
                                 " has no blank line after its headers");
      }
      headers = body.substr(at, blank - at);
      content = blank + 4;
    }
    const size_t end = body.find(next_delimiter, content);
    if (end == std::string_view::npos) {
      return Status::DataError("the multipart body ends inside part " + std::to_string(part) +
                               " (no closing boundary)");
    }
    std::string_view disposition;
    if (!FindHeader(headers, "Content-Disposition", &disposition) ||
        !IEquals(Trim(disposition.substr(0, disposition.find(';'))), "form-data") ||
        HeaderParameter(disposition, "name").empty()) {
      return Status::DataError("part " + std::to_string(part) +
                               " has no 'Content-Disposition: form-data; name=\"...\"' header");
    }
    if (fields->size() == kMaxFormFields) return TooManyFields();
    fields->emplace_back(HeaderParameter(disposition, "name"),
                         std::string(body.substr(content, end - content)));
    at = end + next_delimiter.size();
  }
}

}  // namespace logroute::http
