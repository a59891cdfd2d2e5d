#include "libcore/http/request_parser.h"

#include <boost/beast/http/error.hpp>

namespace logroute::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Refusal Refuse(Cap cap, size_t max_header, size_t max_body) {
  const std::string header = std::to_string(max_header) + " bytes (--max-header-bytes)";
  const std::string body = std::to_string(max_body) + " bytes (--max-body)";
  switch (cap) {
    case Cap::kHeaderBytes:
      return {431, "the request header is larger than " + header};
    case Cap::kTrailerBytes:
      return {431, "the request header and trailers are larger than " + header};
    case Cap::kFields:
      return {431, "the request has more than " + std::to_string(kMaxFields) +
                       " fields (header and trailers)"};
    case Cap::kBodyBytes:
      return {413, "the body is larger than " + body};
    case Cap::kChunkExtensions:
      return {413, "the body with its chunk extensions is larger than " + body};
    case Cap::kChunkLine:
      return {400, "malformed request: a chunk-size line is longer than " + header};
    case Cap::kNone:
      break;
  }
  return {400, "malformed request"};
}

Cap ClassifyUnparsedChunk(std::string_view unparsed) {
  // The CRLF after the previous chunk's data is parsed with the next line.
  size_t at = unparsed.substr(0, 2) == "\r\n" ? 2 : 0;
  // A whole line left unparsed can only be the last chunk's: its trailers
  // are parsed once they are all there.
  if (unparsed.find("\r\n", at) != std::string_view::npos) return Cap::kTrailerBytes;
  while (at < unparsed.size() && IsHexDigit(unparsed[at])) ++at;
  while (at < unparsed.size() && (unparsed[at] == ' ' || unparsed[at] == '\t')) ++at;
  return at < unparsed.size() && unparsed[at] == ';' ? Cap::kChunkExtensions : Cap::kChunkLine;
}

Cap RequestParser::CapReached(beast::error_code ec, std::string_view unparsed) const {
  if (ec == bhttp::error::header_limit) {
    if (fields_ > kMaxFields) return Cap::kFields;
    return is_header_done() ? Cap::kTrailerBytes : Cap::kHeaderBytes;
  }
  if (ec == bhttp::error::body_limit) {
    return extensions_over_ ? Cap::kChunkExtensions : Cap::kBodyBytes;
  }
  if (ec == bhttp::error::buffer_overflow) {
    // While the header is read, Beast's header limit (the buffer's size) comes first.
    return is_header_done() ? ClassifyUnparsedChunk(unparsed) : Cap::kHeaderBytes;
  }
  return Cap::kNone;
}

void RequestParser::on_field_impl(bhttp::field name, beast::string_view name_string,
                                  beast::string_view value, beast::error_code& ec) {
  if (header_bytes_ == 0) {  // "METHOD TARGET HTTP/1.1\r\n"
    header_bytes_ = get().method_string().size() + get().target().size() + 12;
  }
  header_bytes_ += name_string.size() + value.size() + 4;  // ": " and CRLF
  if (++fields_ > kMaxFields || header_bytes_ > max_header_) {
    ec = bhttp::error::header_limit;
    return;
  }
  get().insert(name, name_string, value);
}

void RequestParser::on_chunk_header_impl(uint64_t size, beast::string_view extensions,
                                         beast::error_code& ec) {
  // Beast checked the data alone against the body limit.
  body_bytes_ += size + extensions.size();
  if (body_bytes_ > max_body_) {
    extensions_over_ = true;
    ec = bhttp::error::body_limit;
  }
}

}  // namespace logroute::http
